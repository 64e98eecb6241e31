"""Recognizers built from template rules, from Presidio's predefined set, and from the job's custom list.

Where Presidio's predefined recognizer validates with a checksum, ours subclasses it and validates with the
compiled kernels in :mod:`scanner._fast` instead (same regexes, same scores, same context words):

- ``CreditCardRecognizer`` -> :class:`LuhnCreditCardRecognizer` (Luhn, 12-19 digits);
- ``IbanRecognizer`` -> :class:`Mod97IbanRecognizer` (mod-97, then Presidio's per-country format check);
- ``UsSsnRecognizer`` -> :class:`RangeCheckedUsSsnRecognizer` (SSA ranges: no area 000/666/9xx, group 00,
  serial 0000, advertising numbers; Presidio's own checks still apply on top);
- ``EmailRecognizer`` -> :class:`~scanner.classify.presidio_setup.OfflineEmailRecognizer` (no network).

A name in a template, or an entity requested from Presidio's predefined set, resolves to the subclass.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import presidio_analyzer
import presidio_analyzer.predefined_recognizers as predefined
import regex
import yaml
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, IbanRecognizer, UsSsnRecognizer

from scanner._fast import aba_routing_ok, luhn_ok, mod97_ok, npi_ok, shannon_entropy, us_ssn_ok
from scanner.classify.guard import DEFAULT_TIMEOUT_S, GuardedPatternRecognizer
from scanner.classify.presidio_setup import (
    CASE_SENSITIVE_REGEX_FLAGS,
    LANGUAGE,
    PRESIDIO_REGEX_FLAGS,
    OfflineEmailRecognizer,
)
from scanner.exceptions import ClassificationError

if TYPE_CHECKING:
    from scanner.classify.templates import RuleSpec
    from scanner.config import CustomRecognizerConfig

logger = logging.getLogger(__name__)

_DIGITS = frozenset("0123456789")

VALIDATOR_FUNCTIONS: dict[str, Callable[[str], bool]] = {
    "luhn": luhn_ok,
    "mod97": mod97_ok,
    "us_ssn": us_ssn_ok,
    "aba_routing": aba_routing_ok,
    "npi": npi_ok,
}


class LuhnCreditCardRecognizer(CreditCardRecognizer):
    """Presidio's credit card recognizer with the Luhn check from :mod:`scanner._fast`."""

    def validate_result(self, pattern_text: str) -> bool:
        """True when the digits (spaces and dashes ignored) pass Luhn; a failing number is dropped."""
        return luhn_ok(pattern_text)


class Mod97IbanRecognizer(IbanRecognizer):
    """Presidio's IBAN recognizer gated by the mod-97 check from :mod:`scanner._fast`."""

    def validate_result(self, pattern_text: str) -> bool | None:
        """False on a wrong check digit; otherwise Presidio's per-country format check decides."""
        compact = EntityRecognizer.sanitize_value(pattern_text, self.replacement_pairs)
        if not mod97_ok(compact):
            return False
        return super().validate_result(pattern_text)


class RangeCheckedUsSsnRecognizer(UsSsnRecognizer):
    """Presidio's US SSN recognizer, also rejecting numbers the SSA never issues (:mod:`scanner._fast`)."""

    def invalidate_result(self, pattern_text: str) -> bool:
        """True (drop it) when Presidio's checks or our SSA range check reject the number."""
        if super().invalidate_result(pattern_text):
            return True
        # Presidio's patterns fix the shape (and the separators are checked above); we judge the nine digits.
        return not us_ssn_ok("".join(c for c in pattern_text if c in _DIGITS))


class ValidatedPatternRecognizer(PatternRecognizer):
    """A pattern recognizer whose matches must also pass one of the :mod:`scanner._fast` validators and/or
    reach a minimum Shannon entropy in their assigned value (:func:`assigned_value`).

    The checks only prune (through ``invalidate_result``): a passing match keeps its pattern score, so
    context words still matter, unlike Presidio's ``validate_result`` which lifts every valid match to 1.0.
    """

    def __init__(self, validator: str | None = None, min_entropy: float | None = None, **kwargs: Any) -> None:
        self.validator_name = validator
        self.min_entropy = min_entropy
        self._validator = VALIDATOR_FUNCTIONS[validator] if validator is not None else None
        super().__init__(**kwargs)

    def invalidate_result(self, pattern_text: str) -> bool:
        """True (drop it) when the validator rejects the match or its value is not random enough."""
        if self._validator is not None and not self._validator(pattern_text):
            return True
        return self.min_entropy is not None and shannon_entropy(assigned_value(pattern_text)) < self.min_entropy


_ASSIGNMENT = regex.compile(r"[:=]+[ \t]*")
_QUOTES = "\"'`"


def assigned_value(text: str) -> str:
    """The value of a ``key = value`` / ``key: "value"`` match (after the first ``:`` or ``=``, unquoted);
    the whole text when it holds no assignment."""
    m = _ASSIGNMENT.search(text)
    value = text[m.end():] if m else text
    return value.strip().strip(_QUOTES)


OVERRIDES: dict[str, type[EntityRecognizer]] = {
    "CreditCardRecognizer": LuhnCreditCardRecognizer,
    "IbanRecognizer": Mod97IbanRecognizer,
    "UsSsnRecognizer": RangeCheckedUsSsnRecognizer,
    "EmailRecognizer": OfflineEmailRecognizer,
}

# Predefined recognizers that run locally (regexes, checksums); the others need a model or a cloud service.
_LOCAL_MODULES = ("presidio_analyzer.predefined_recognizers.generic.",
                  "presidio_analyzer.predefined_recognizers.country_specific.")


def resolve_presidio_class(name: str) -> type[EntityRecognizer]:
    """The recognizer class for a Presidio predefined class name (our subclass where we have one)."""
    if name in OVERRIDES:
        return OVERRIDES[name]
    cls = getattr(predefined, name, None) if name in getattr(predefined, "__all__", ()) else None
    if not (isinstance(cls, type) and issubclass(cls, EntityRecognizer)):
        raise ClassificationError(f"{name!r} is not one of Presidio's predefined recognizers")
    if not cls.__module__.startswith(_LOCAL_MODULES):
        raise ClassificationError(
            f"{name!r} needs an NLP model or a remote service; only local recognizers are used"
        )
    return cls


def build_rule_recognizer(rule: RuleSpec) -> EntityRecognizer:
    """The recognizer for one template rule; :class:`ClassificationError` if the rule cannot be built."""
    if rule.recognizer is not None:
        make: Callable[..., EntityRecognizer] = resolve_presidio_class(rule.recognizer)
        try:
            rec = make(supported_language=LANGUAGE, **rule.options)
        except (TypeError, ValueError) as exc:
            raise ClassificationError(f"{rule.recognizer} for {rule.entity}: bad options: {exc}") from None
        if rule.entity not in rec.supported_entities:
            raise ClassificationError(
                f"{rule.recognizer} detects {', '.join(rec.supported_entities)}, not {rule.entity}"
            )
        if rule.context is not None:
            # Set after construction: Presidio's constructors treat an empty list as "use the class default".
            rec.context = list(rule.context)
        if isinstance(rec, PatternRecognizer):
            rec.global_regex_flags = PRESIDIO_REGEX_FLAGS if rule.ignore_case else CASE_SENSITIVE_REGEX_FLAGS
        return rec
    patterns = [Pattern(p.name, p.regex, p.score) for p in rule.patterns]
    common: dict[str, Any] = {
        "supported_entity": rule.entity,
        "name": f"{rule.entity}_patterns",
        "supported_language": LANGUAGE,
        "patterns": patterns,
        "context": list(rule.context) if rule.context else None,
        "global_regex_flags": PRESIDIO_REGEX_FLAGS if rule.ignore_case else CASE_SENSITIVE_REGEX_FLAGS,
    }
    if rule.validator is not None or rule.min_entropy is not None:
        return ValidatedPatternRecognizer(validator=rule.validator, min_entropy=rule.min_entropy, **common)
    return PatternRecognizer(**common)


def build_custom_recognizer(custom: CustomRecognizerConfig, timeout_s: float = DEFAULT_TIMEOUT_S
                            ) -> GuardedPatternRecognizer:
    """A job file's custom recognizer: its regex as written (case-sensitive), its score and context words,
    matched with RE2 or under a time limit (:mod:`scanner.classify.guard`)."""
    try:
        regex.compile(custom.regex)
    except regex.error as exc:  # the job validator compiled it too; a model built in code may skip that
        raise ClassificationError(
            f"custom recognizer {custom.name}: invalid regular expression: {exc}"
        ) from None
    return GuardedPatternRecognizer(
        supported_entity=custom.name,
        name=f"custom_{custom.name}",
        supported_language=LANGUAGE,
        pattern=Pattern(custom.name, custom.regex, custom.score),
        context=list(custom.context),
        global_regex_flags=CASE_SENSITIVE_REGEX_FLAGS,
        timeout_s=timeout_s,
    )


def build_dictionary_recognizer(entity: str, terms: list[str], score: float, context: list[str] | None = None,
                                ignore_case: bool = True, name: str | None = None) -> PatternRecognizer:
    """Presidio's deny-list recognizer: each term, as a whole word, is ``entity`` with ``score``."""
    return PatternRecognizer(
        supported_entity=entity,
        name=name or f"dictionary_{entity}",
        supported_language=LANGUAGE,
        deny_list=list(dict.fromkeys(terms)),
        deny_list_score=score,
        context=list(context or []),
        global_regex_flags=PRESIDIO_REGEX_FLAGS if ignore_case else CASE_SENSITIVE_REGEX_FLAGS,
    )


@dataclass(frozen=True, slots=True)
class PredefinedEntry:
    """How Presidio's default configuration builds the English recognizer for one entity."""

    entity: str
    class_name: str
    context: tuple[str, ...] | None  # None: the class's own context words
    enabled_by_presidio: bool


@functools.cache
def predefined_entities() -> dict[str, tuple[PredefinedEntry, ...]]:
    """Entities Presidio's predefined local recognizers detect in English, from its default configuration.

    Presidio's "disabled by default" entries are included: they are only built when a job names their entity.
    """
    conf_path = Path(presidio_analyzer.__file__).parent / "conf" / "default_recognizers.yaml"
    conf = yaml.safe_load(conf_path.read_text(encoding="utf-8"))
    found: dict[str, list[PredefinedEntry]] = {}
    for item in conf.get("recognizers", []):
        if not isinstance(item, dict) or item.get("type") != "predefined":
            continue
        context: tuple[str, ...] | None = None
        langs = item.get("supported_languages")
        if langs is not None:
            for lang in langs:
                code = lang if isinstance(lang, str) else lang.get("language")
                if code == LANGUAGE:
                    if isinstance(lang, dict) and lang.get("context"):
                        context = tuple(lang["context"])
                    break
            else:
                continue
        class_name = item.get("class_name") or item["name"]
        try:
            entities = _entities_of(resolve_presidio_class(class_name))
        except Exception as exc:  # one odd entry must not hide the rest of the catalogue
            logger.debug("predefined recognizer %s skipped: %s", class_name, exc)
            continue
        for entity in entities:
            found.setdefault(entity, []).append(
                PredefinedEntry(entity, class_name, context, bool(item.get("enabled", True)))
            )
    return {k: tuple(v) for k, v in sorted(found.items())}


def _entities_of(cls: type[EntityRecognizer]) -> list[str]:
    # The constructor's default entity, read without building one (each build logs at INFO in Presidio).
    params = inspect.signature(cls.__init__).parameters
    for name in ("supported_entity", "supported_entities"):
        default = params[name].default if name in params else None
        if isinstance(default, str):
            return [default]
        if isinstance(default, list | tuple) and default:
            return list(default)
    make: Callable[..., EntityRecognizer] = cls
    return list(make(supported_language=LANGUAGE).supported_entities)


def build_predefined_recognizers(entity: str) -> list[EntityRecognizer]:
    """Presidio's predefined recognizer(s) for ``entity``, configured as its default registry would."""
    entries = predefined_entities().get(entity)
    if not entries:
        raise ClassificationError(f"unknown entity {entity!r}")
    out: list[EntityRecognizer] = []
    for entry in entries:
        make: Callable[..., EntityRecognizer] = resolve_presidio_class(entry.class_name)
        rec = make(supported_language=LANGUAGE)
        if entry.context is not None:
            rec.context = list(entry.context)
        if isinstance(rec, PatternRecognizer):
            rec.global_regex_flags = PRESIDIO_REGEX_FLAGS
        out.append(rec)
    return out
