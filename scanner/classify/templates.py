"""Recognizer templates: YAML data naming, per entity, which recognizer to run, with examples that test it.

A template file looks like this (the built-in ones live in ``scanner/classify/templates/``)::

    name: pii
    description: Personal data ...
    recognizers:
      - entity: CREDIT_CARD
        recognizer: CreditCardRecognizer    # a Presidio predefined recognizer class
        context: [credit, card, visa]       # replaces the class's own context words
        examples: ["Visa 4111 1111 1111 1111"]
        negative_examples: ["order 4111 1111 1111 1112"]
      - entity: US_PASSPORT
        patterns:                           # or: regexes of our own, each with its score
          - {name: passport, regex: '\\b[0-9]{9}\\b', score: 0.2}
        ignore_case: false                  # default true, as Presidio's default registry does
        validator: luhn                     # optional: luhn | mod97 | us_ssn | aba_routing | npi | dea |
                                            # github_token | not_iban (the value is not shaped as an IBAN)
        context: [passport]
        prefilter: {consecutive: 8}         # what every match contains (see PrefilterSpec)

      - entity: PHONE_NUMBER
        detector: phone                     # or: one of our detectors (payment_card, phone, email, iban, ip)
        options: {regions: [US, GB, CA]}

A rule has exactly one of ``detector`` (ours: :mod:`scanner.classify.build` lists them and their options),
``patterns`` (regexes of our own) and ``recognizer`` (a Presidio predefined recognizer class; the six whose
entities we detect ourselves, ``CreditCardRecognizer``, ``PhoneRecognizer``, ``EmailRecognizer``,
``IbanRecognizer``, ``IpRecognizer`` and ``UsSsnRecognizer``, resolve to our rule for that entity). ``options``
(mapping) configures a detector or is passed to a Presidio class's constructor. ``validator`` (pattern rules
only) drops matches the checksum rejects and leaves the score of the others alone; so do ``min_entropy`` (for
matches whose assigned value is not random enough) and ``placeholder`` (secrets that are examples, not secrets).
Every rule needs at least one example; ``negative_examples`` are texts in which the rule's entity must not be
found. Several templates can be combined (``template: [pii, secrets]``): their rules run together, and a value
two rules find is one finding.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import regex
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scanner.exceptions import ClassificationError

logger = logging.getLogger(__name__)

SEVERITIES = ("high", "medium", "low")
Severity = Literal["high", "medium", "low"]
DEFAULT_SEVERITY: Severity = "medium"
VALIDATORS = ("luhn", "mod97", "us_ssn", "aba_routing", "npi", "dea", "github_token", "not_iban")
DETECTORS = ("payment_card", "phone", "email", "iban", "ip")
_ENTITY_NAME = r"^[A-Z][A-Z0-9_]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatternSpec(_Strict):
    """One regex of a pattern rule, with the score a match gets before context and validation."""

    name: str = Field(min_length=1)
    regex: str = Field(min_length=1)
    score: float = Field(ge=0, le=1)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, v: str) -> str:
        # Presidio matches with the ``regex`` module, so that is the dialect to check.
        try:
            regex.compile(v)
        except regex.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return v


class PrefilterSpec(_Strict):
    """What every match of a pattern rule contains, so the prefilter can skip text without it.

    Any one of the fields is enough for a candidate: a digit run (digits and separators) with ``digits`` digits in
    all, or ``consecutive`` in a row, or ``dots`` dots; an ``email`` (``@``) piece; an ``iban`` start; an ``ipv6``
    piece; or one of the literal ``anchors`` (case-insensitive when the rule is). An anchored match must lie on
    its anchor's line, or within ``reach`` characters of it when given.
    """

    digits: int | None = Field(default=None, ge=1)
    consecutive: int | None = Field(default=None, ge=1)
    dots: int | None = Field(default=None, ge=1)
    email: bool = False
    iban: bool = False
    ipv6: bool = False
    anchors: tuple[str, ...] = ()
    reach: int | None = Field(default=None, ge=1, le=65536)
    # Every match found from a digit run lies within that run (digits and number punctuation) and looks at most
    # one character past it: the rule then searches the run itself (cheaper than a window around it).
    within_run: bool = False

    @model_validator(mode="after")
    def _something(self) -> PrefilterSpec:
        if not (self.digits or self.consecutive or self.dots or self.email or self.iban or self.ipv6
                or self.anchors):
            raise ValueError("a prefilter needs at least one of digits, consecutive, dots, email, iban, ipv6, "
                             "anchors")
        if any(not a for a in self.anchors):
            raise ValueError("anchors must not be empty")
        return self


class PlaceholderSpec(_Strict):
    """What makes a matched secret a placeholder (see :class:`scanner.classify.rules.Placeholder`)."""

    words: tuple[str, ...] = ()
    substring: bool = True
    repeat: int | None = Field(default=None, ge=2)
    sequence: int | None = Field(default=None, ge=2)


class RuleSpec(_Strict):
    """One recognizer of a template."""

    entity: str = Field(pattern=_ENTITY_NAME)
    recognizer: str | None = None
    detector: str | None = None
    patterns: tuple[PatternSpec, ...] = ()
    context: tuple[str, ...] | None = None
    # Context words that count only as a whole word (a lemma equal to one, dots and colons aside): "tel" must not
    # support a number after "Patel" or "hotel", as a substring would.
    context_whole: tuple[str, ...] = ()
    ignore_case: bool = True
    validator: str | None = None
    # Pattern rules only: drop a match whose assigned value (after its first ":" or "=", unquoted) has a lower
    # Shannon entropy, in bits per character (generic "password = ..." secrets).
    min_entropy: float | None = Field(default=None, ge=0, le=8)
    placeholder: PlaceholderSpec | None = None
    # How much a finding of this entity matters: high (secrets, cards, national ids, bank accounts), medium
    # (contact data), low (network identifiers). Rankings and SARIF levels follow it.
    severity: Severity = DEFAULT_SEVERITY
    options: dict[str, Any] = Field(default_factory=dict)
    prefilter: PrefilterSpec | None = None
    examples: tuple[str, ...] = Field(min_length=1)
    negative_examples: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_implementation(self) -> RuleSpec:
        kinds = [k for k, v in (("detector", self.detector), ("patterns", self.patterns),
                                ("recognizer", self.recognizer)) if v]
        if len(kinds) != 1:
            raise ValueError("a rule needs exactly one of 'detector' (ours), 'patterns' (regexes) and 'recognizer' "
                             "(a Presidio class)")
        if not self.patterns and (self.validator is not None or self.min_entropy is not None
                                  or self.placeholder is not None):
            raise ValueError("'validator', 'min_entropy' and 'placeholder' apply to 'patterns' rules only")
        if self.patterns and self.options:
            raise ValueError("'options' applies to 'detector' and 'recognizer' rules only")
        if self.detector is not None and self.detector not in DETECTORS:
            raise ValueError(f"unknown detector {self.detector!r} (expected one of: {', '.join(DETECTORS)})")
        if self.validator is not None and self.validator not in VALIDATORS:
            raise ValueError(
                f"unknown validator {self.validator!r} (expected one of: {', '.join(VALIDATORS)})"
            )
        if any(not w.strip() for w in (*(self.context or ()), *self.context_whole)):
            raise ValueError("context words must not be empty")
        return self


class _TemplateFile(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    recognizers: tuple[RuleSpec, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: its rules in file order, and where it was read from."""

    name: str
    description: str
    rules: tuple[RuleSpec, ...]
    source: str
    builtin: bool = False
    entities: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entities", tuple(dict.fromkeys(r.entity for r in self.rules)))

    def rules_for(self, entity: str) -> list[RuleSpec]:
        """The rules that detect ``entity`` (a template may give one entity several rules)."""
        return [r for r in self.rules if r.entity == entity]

    def severity(self, entity: str) -> str:
        """The highest severity the template's rules give ``entity`` (``DEFAULT_SEVERITY`` when it has none)."""
        found = {r.severity for r in self.rules_for(entity)}
        return next((s for s in SEVERITIES if s in found), DEFAULT_SEVERITY)


def rule_shape(rule: RuleSpec) -> Any:
    """The prefilter :class:`~scanner.classify.prefilter.Shape` a rule declares (``None`` if it declares none)."""
    if rule.prefilter is None:
        return None
    from scanner.classify.prefilter import Shape

    p = rule.prefilter
    return Shape(digits=p.digits, consecutive=p.consecutive, dots=p.dots, email=p.email, iban=p.iban,
                 ipv6=p.ipv6, anchors=p.anchors, anchors_ignore_case=rule.ignore_case, reach=p.reach,
                 line=any(line_anchored(pat.regex) for pat in rule.patterns), run_native=p.within_run)


_ESCAPE = regex.compile(r"\\.", regex.DOTALL)
_CLASS = regex.compile(r"\[\^?\]?[^\]]*\]")


def line_anchored(pattern: str) -> bool:
    """True when ``pattern`` uses ``^`` or ``$`` outside a character class (escapes and classes removed)."""
    bare = _CLASS.sub("", _ESCAPE.sub("", pattern))
    return "^" in bare or "$" in bare


def _builtin_dir() -> Path:
    return Path(str(resources.files("scanner.classify").joinpath("templates")))


def list_templates() -> list[str]:
    """Names of the built-in templates, sorted."""
    return sorted(p.stem for p in _builtin_dir().glob("*.yaml"))


def load_template(name_or_path: str | Path) -> Template:
    """Load a built-in template by name, or a template file by path. Raises :class:`ClassificationError`."""
    text_name = str(name_or_path)
    builtin = _builtin_dir() / f"{text_name}.yaml"
    if re.fullmatch(r"[A-Za-z0-9_-]+", text_name) and builtin.is_file():
        return _parse(builtin, builtin=True)
    path = Path(name_or_path)
    if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise ClassificationError(f"template file not found: {path}")
        return _parse(path, builtin=False)
    import difflib

    close = difflib.get_close_matches(text_name, list_templates(), n=1)
    raise ClassificationError(
        f"unknown template {text_name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
        + f": built-in templates are {', '.join(list_templates())}; "
        "or give the path of a template YAML file"
    )


def load_templates(names: str | Path | list[str]) -> Template:
    """One template, or several merged into one (``[pii, secrets]``): their rules in order, a rule that two of
    them share (same entity, same definition) once."""
    if isinstance(names, str | Path):
        try:
            return load_template(names)
        except ClassificationError as exc:
            raise ClassificationError(str(exc), ("classification", "template")) from None
    if not names:
        raise ClassificationError("classification.template: the list of templates is empty")
    loaded = []
    for i, n in enumerate(names):
        try:
            loaded.append(load_template(n))
        except ClassificationError as exc:
            raise ClassificationError(str(exc), ("classification", "template", i)) from None
    if len(loaded) == 1:
        return loaded[0]
    rules: list[RuleSpec] = []
    seen: set[str] = set()
    for t in loaded:
        for rule in t.rules:
            # Examples differ between templates that share a rule: compare the definition, not the tests.
            key = rule.model_copy(update={"examples": (), "negative_examples": ()}).model_dump_json()
            if key not in seen:
                seen.add(key)
                rules.append(rule)
    return Template(
        name="+".join(t.name for t in loaded),
        description="; ".join(t.description for t in loaded if t.description),
        rules=tuple(rules),
        source=", ".join(t.source for t in loaded),
        builtin=all(t.builtin for t in loaded),
    )


def _parse(path: Path, *, builtin: bool) -> Template:
    label = path.stem if builtin else str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ClassificationError(f"template {label}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ClassificationError(f"template {label}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", exc)
        raise ClassificationError(f"template {label}: not valid YAML: {problem}{where}") from None
    if not isinstance(data, dict):
        raise ClassificationError(f"template {label}: must be a mapping with 'name' and 'recognizers'")
    data = {**data, "recognizers": _expand_references(data.get("recognizers"), label)}
    try:
        parsed = _TemplateFile.model_validate(data)
    except ValidationError as exc:
        raise ClassificationError(
            "\n".join(f"template {label}: {_describe(err)}" for err in exc.errors(include_url=False))
        ) from None
    # Imported here: building rules needs phonenumbers, regex and (for Presidio classes) presidio; parsing does not.
    from scanner.classify.build import check_rule

    problems = []
    for i, rule in enumerate(parsed.recognizers):
        try:
            check_rule(rule)  # the only way to know a Presidio class detects the rule's entity, or options fit
        except ClassificationError as exc:
            problems.append(f"template {label}: recognizers.{i}: {exc}")
    if problems:
        raise ClassificationError("\n".join(problems))
    return Template(
        name=parsed.name,
        description=parsed.description,
        rules=parsed.recognizers,
        source=str(path),
        builtin=builtin,
    )


def _expand_references(items: Any, label: str) -> Any:
    """``{entity: X, from: T}`` items replaced by the built-in template ``T``'s rules for ``X`` (so templates
    share a rule instead of holding copies of it)."""
    if not isinstance(items, list):
        return items
    out: list[Any] = []
    for i, item in enumerate(items):
        if not (isinstance(item, dict) and "from" in item):
            out.append(item)
            continue
        extra = sorted(set(item) - {"entity", "from"})
        source = item.get("from")
        if extra or not isinstance(item.get("entity"), str) or not isinstance(source, str):
            raise ClassificationError(f"template {label}: recognizers.{i}: a reference takes exactly 'entity' and "
                                      f"'from' (a built-in template's name)" + (f"; unknown: {', '.join(extra)}"
                                                                               if extra else ""))
        if source not in list_templates() or source == label:
            raise ClassificationError(f"template {label}: recognizers.{i}: from: {source!r} is not another "
                                      f"built-in template ({', '.join(list_templates())})")
        rules = load_template(source).rules_for(item["entity"])
        if not rules:
            raise ClassificationError(f"template {label}: recognizers.{i}: template {source} has no rule for "
                                      f"{item['entity']}")
        out.extend(r.model_dump(exclude_defaults=True) for r in rules)
    return out


def _describe(err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{loc}: {msg}"
