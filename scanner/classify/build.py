"""Rules from template specs, job options and Presidio's catalogue: the one place that knows every kind.

:data:`DETECTORS` is the dispatch table of our detectors (a template's ``detector:`` name -> a factory taking the
rule spec and the job's classification options). A template ``recognizer:`` naming one of the Presidio classes
whose entity we detect ourselves resolves to our rule for that entity (:data:`OWNED_PRESIDIO_CLASSES`); any other
predefined Presidio recognizer runs as a :class:`~scanner.classify.rules.PresidioRule`.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.classify.guard import DEFAULT_TIMEOUT_S
from scanner.classify.prefilter import Shape, terms_shape
from scanner.classify.rules import (
    CASE_SENSITIVE_REGEX_FLAGS,
    PRESIDIO_REGEX_FLAGS,
    PatternRule,
    Placeholder,
    PresidioRule,
    Rule,
    deny_list_regex,
)
from scanner.classify.templates import RuleSpec, line_anchored, list_templates, load_template, rule_shape
from scanner.config import DEFAULT_PHONE_REGIONS
from scanner.exceptions import ClassificationError

if TYPE_CHECKING:
    from scanner.config import ClassificationConfig, CustomRecognizerConfig, DictionaryRecognizerConfig

logger = logging.getLogger(__name__)

LANGUAGE = "en"

# Presidio classes whose entity we detect with our own rule (the built-in templates' rule for that entity).
OWNED_PRESIDIO_CLASSES = {
    "CreditCardRecognizer": "CREDIT_CARD",
    "PhoneRecognizer": "PHONE_NUMBER",
    "EmailRecognizer": "EMAIL_ADDRESS",
    "IbanRecognizer": "IBAN_CODE",
    "IpRecognizer": "IP_ADDRESS",
    "UsSsnRecognizer": "US_SSN",
}


def _options(spec: RuleSpec, allowed: Sequence[str]) -> dict[str, Any]:
    unknown = sorted(set(spec.options) - set(allowed))
    if unknown:
        raise ClassificationError(f"detector {spec.detector} for {spec.entity}: unknown option(s) "
                                  f"{', '.join(unknown)} (expected: {', '.join(allowed) or 'none'})")
    return dict(spec.options)


def _card(spec: RuleSpec, regions: Sequence[str] | None) -> list[Rule]:
    from scanner.classify.detectors import CardRule

    opts = _options(spec, ("brands", "score"))
    if "brands" in opts and (not isinstance(opts["brands"], dict) or not opts["brands"]):
        raise ClassificationError(f"detector payment_card for {spec.entity}: options.brands must map brand names "
                                  f"to their prefixes and lengths")
    try:
        return [CardRule(spec.entity, f"{spec.entity}_payment_card", opts.get("brands"), spec.context or (),
                         opts.get("score", 1.0))]
    except (KeyError, TypeError, ValueError) as exc:
        raise ClassificationError(f"detector payment_card for {spec.entity}: bad brands table: {exc}") from None


def _phone(spec: RuleSpec, regions: Sequence[str] | None) -> list[Rule]:
    import phonenumbers

    from scanner.classify.phones import PhoneRule

    opts = _options(spec, ("regions", "score", "plain_score"))
    chosen = list(regions) if regions is not None else list(opts.get("regions", DEFAULT_PHONE_REGIONS))
    bad = [r for r in chosen if r not in phonenumbers.SUPPORTED_REGIONS]
    if bad or not chosen:
        raise ClassificationError(f"detector phone for {spec.entity}: unknown region(s) {', '.join(bad) or '(none)'}")
    # Written numbers and bare digit runs are two rules: the second needs a context word, so the prefilter can
    # drop its candidates from a chunk without one.
    return [PhoneRule(spec.entity, f"{spec.entity}_phone{suffix}", chosen, spec.context or (), opts.get("score", 0.7),
                      opts.get("plain_score", 0.4), bare=bare) for suffix, bare in (("", False), ("_bare", True))]


def _simple(kind: str) -> Callable[[RuleSpec, Sequence[str] | None], list[Rule]]:
    def make(spec: RuleSpec, regions: Sequence[str] | None) -> list[Rule]:
        from scanner.classify import detectors

        cls = {"email": detectors.EmailRule, "iban": detectors.IbanRule, "ip": detectors.IpRule}[kind]
        opts = _options(spec, ("score",))
        return [cls(spec.entity, f"{spec.entity}_{kind}", spec.context or (), **opts)]
    return make


# A template's ``detector:`` -> its factory (spec, the job's phone regions or None).
DETECTORS: dict[str, Callable[[RuleSpec, Sequence[str] | None], list[Rule]]] = {
    "payment_card": _card,
    "phone": _phone,
    "email": _simple("email"),
    "iban": _simple("iban"),
    "ip": _simple("ip"),
}


def pattern_rule(spec: RuleSpec) -> PatternRule:
    """The rule of a ``patterns`` spec."""
    ph = spec.placeholder
    placeholder = None if ph is None else Placeholder(tuple(w.upper() for w in ph.words), ph.substring, ph.repeat,
                                                      ph.sequence)
    return PatternRule(
        spec.entity, f"{spec.entity}_patterns", [(p.name, p.regex, p.score) for p in spec.patterns],
        flags=PRESIDIO_REGEX_FLAGS if spec.ignore_case else CASE_SENSITIVE_REGEX_FLAGS,
        context=spec.context or (), shape=rule_shape(spec), validator=spec.validator, min_entropy=spec.min_entropy,
        placeholder=placeholder,
    )


@functools.cache
def builtin_rules_for(entity: str) -> tuple[RuleSpec, ...]:
    """The rules the built-in templates give ``entity`` (those of the first template that has any)."""
    for name in ("pii", *[n for n in list_templates() if n != "pii"]):
        rules = load_template(name).rules_for(entity)
        if rules:
            return tuple(rules)
    return ()


def rules_from_spec(spec: RuleSpec, phone_regions: Sequence[str] | None = None) -> list[Rule]:
    """The rule(s) of one template spec."""
    rules = _rules_from_spec(spec, phone_regions)
    if spec.context_whole:
        for rule in rules:
            rule.context_whole = tuple(w.lower() for w in spec.context_whole)
    return rules


def _rules_from_spec(spec: RuleSpec, phone_regions: Sequence[str] | None = None) -> list[Rule]:
    if spec.detector is not None:
        rules = DETECTORS[spec.detector](spec, phone_regions)
        if spec.prefilter is not None:
            for rule in rules:
                rule.shape = rule_shape(spec)
        return rules
    if spec.patterns:
        return [pattern_rule(spec)]
    assert spec.recognizer is not None
    owned = OWNED_PRESIDIO_CLASSES.get(spec.recognizer)
    if owned is not None:
        if owned != spec.entity:
            raise ClassificationError(f"{spec.recognizer} detects {owned}, not {spec.entity}")
        allowed = {"supported_regions"} if owned == "PHONE_NUMBER" else set()
        unknown = sorted(set(spec.options) - allowed)
        if unknown:
            raise ClassificationError(f"{spec.recognizer} for {spec.entity}: bad options: unknown {', '.join(unknown)} "
                                      f"(our rule for {owned} takes {', '.join(sorted(allowed)) or 'none'})")
        regions = phone_regions
        if regions is None and "supported_regions" in spec.options:
            regions = list(spec.options["supported_regions"])
        out: list[Rule] = []
        for base in builtin_rules_for(owned):
            ours = base.model_copy(update={"context": spec.context if spec.context is not None else base.context,
                                           "context_whole": spec.context_whole if spec.context is not None
                                           else base.context_whole})
            out.extend(rules_from_spec(ours, regions))
        return out
    rec = _presidio_recognizer(spec.recognizer, spec.options, spec.ignore_case)
    if spec.entity not in rec.supported_entities:
        raise ClassificationError(f"{spec.recognizer} detects {', '.join(rec.supported_entities)}, not {spec.entity}")
    if spec.context is not None:
        # Set after construction: Presidio's constructors treat an empty list as "use the class default".
        rec.context = list(spec.context)
    return [PresidioRule(rec, spec.entity, rule_shape(spec))]


def check_rule(spec: RuleSpec) -> None:
    """Raise :class:`ClassificationError` when ``spec`` cannot be built."""
    rules_from_spec(spec)


def custom_rule(custom: CustomRecognizerConfig, timeout_s: float = DEFAULT_TIMEOUT_S) -> PatternRule:
    """A job file's custom regex: as written (case-sensitive), its score and context words, matched with RE2 or
    under a time limit (:mod:`scanner.classify.guard`); anchors, when given, are its prefilter shape."""
    import regex

    try:
        regex.compile(custom.regex)
    except regex.error as exc:  # the job validator compiled it too; a model built in code may skip that
        raise ClassificationError(f"custom recognizer {custom.name}: invalid regular expression: {exc}") from None
    shape = Shape(anchors=tuple(custom.anchors), anchors_ignore_case=False, reach=custom.anchor_reach,
                  line=line_anchored(custom.regex)) if custom.anchors else None
    return PatternRule(custom.name, f"custom_{custom.name}", [(custom.name, custom.regex, custom.score)],
                       flags=CASE_SENSITIVE_REGEX_FLAGS, context=custom.context, shape=shape, timeout_s=timeout_s)


def term_rule(entity: str, terms: Sequence[str], score: float, context: Sequence[str], ignore_case: bool,
              name: str) -> PatternRule:
    """A dictionary or deny list: each term as a whole word (Presidio's deny-list regex), prefiltered by its
    terms."""
    shape = terms_shape(terms, ignore_case)
    return PatternRule(entity, name, [(name, deny_list_regex(terms), score)],
                       flags=PRESIDIO_REGEX_FLAGS if ignore_case else CASE_SENSITIVE_REGEX_FLAGS,
                       context=context, shape=None if shape is None else dataclasses.replace(shape, line=True))


def dictionary_rules(cfg: ClassificationConfig) -> list[PatternRule]:
    """The job's dictionaries and deny lists."""
    out: list[PatternRule] = []
    d: DictionaryRecognizerConfig
    for d in cfg.dictionaries:
        out.append(term_rule(d.name, d.terms, d.score, d.context, d.ignore_case, f"dictionary_{d.name}"))
    for entity, terms in cfg.deny.items():
        out.append(term_rule(entity, terms, 1.0, (), True, f"deny_{entity}"))
    return out


# ---------------------------------------------------------------------------------------------- Presidio's catalogue

# Predefined recognizers that run locally (regexes, checksums); the others need a model or a cloud service.
_LOCAL_MODULES = ("presidio_analyzer.predefined_recognizers.generic.",
                  "presidio_analyzer.predefined_recognizers.country_specific.")


def _presidio_class(name: str) -> Any:
    import presidio_analyzer.predefined_recognizers as predefined
    from presidio_analyzer import EntityRecognizer

    cls = getattr(predefined, name, None) if name in getattr(predefined, "__all__", ()) else None
    if not (isinstance(cls, type) and issubclass(cls, EntityRecognizer)):
        raise ClassificationError(f"{name!r} is not one of Presidio's predefined recognizers")
    if not cls.__module__.startswith(_LOCAL_MODULES):
        raise ClassificationError(f"{name!r} needs an NLP model or a remote service; only local recognizers are used")
    return cls


def _presidio_recognizer(name: str, options: dict[str, Any], ignore_case: bool) -> Any:
    from presidio_analyzer import PatternRecognizer

    cls = _presidio_class(name)
    try:
        rec = cls(supported_language=LANGUAGE, **options)
    except (TypeError, ValueError) as exc:
        raise ClassificationError(f"{name}: bad options: {exc}") from None
    if isinstance(rec, PatternRecognizer):
        rec.global_regex_flags = PRESIDIO_REGEX_FLAGS if ignore_case else CASE_SENSITIVE_REGEX_FLAGS
    return rec


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
    import presidio_analyzer
    import yaml

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
            entities = _entities_of(_presidio_class(class_name))
        except Exception as exc:  # one odd entry must not hide the rest of the catalogue
            logger.debug("predefined recognizer %s skipped: %s", class_name, exc)
            continue
        for entity in entities:
            found.setdefault(entity, []).append(
                PredefinedEntry(entity, class_name, context, bool(item.get("enabled", True))))
    return {k: tuple(v) for k, v in sorted(found.items())}


def _entities_of(cls: type) -> list[str]:
    # The constructor's default entity, read without building one (each build logs at INFO in Presidio).
    params = inspect.signature(cls).parameters
    for name in ("supported_entity", "supported_entities"):
        default = params[name].default if name in params else None
        if isinstance(default, str):
            return [default]
        if isinstance(default, list | tuple) and default:
            return list(default)
    make: Callable[..., Any] = cls
    return list(make(supported_language=LANGUAGE).supported_entities)


def entity_rules(entity: str, phone_regions: Sequence[str] | None) -> list[Rule]:
    """Rules for an entity a job names without its template having it: a built-in template's rule when one has
    it, else Presidio's predefined recognizer(s) set up as its default registry does."""
    specs = builtin_rules_for(entity)
    if specs:
        return [r for spec in specs for r in rules_from_spec(spec, phone_regions)]
    entries = predefined_entities().get(entity)
    if not entries:
        raise ClassificationError(f"unknown entity {entity!r}")
    out: list[Rule] = []
    for entry in entries:
        rec = _presidio_recognizer(entry.class_name, {}, True)
        if entry.context is not None:
            rec.context = list(entry.context)
        out.append(PresidioRule(rec, entity))
    return out
