"""What the ``datascan classify`` and ``datascan templates`` commands do; ``cli.py`` only parses and prints."""

from __future__ import annotations

import json
from typing import Any

from scanner.classify.templates import Template, list_templates, load_template
from scanner.config import ClassificationConfig


def classifier_for(template: str | None, hmac_key: bytes, *, prefilter: bool = True, reveal: bool = False,
                   cfg: ClassificationConfig | None = None) -> Any:
    """The classifier of a job's classification section (default: the defaults); ``template`` (``pii,secrets``:
    several whose rules run together) replaces its template."""
    from scanner.classify.engine import Classifier

    cfg = cfg if cfg is not None else ClassificationConfig()
    if template is not None:
        names = [t.strip() for t in template.split(",") if t.strip()]
        cfg = cfg.model_copy(update={"template": names[0] if len(names) == 1 else names})
    return Classifier(cfg, hmac_key, store_raw=reveal, prefilter=prefilter)


def regex_warnings(classifier: Any) -> list[str]:
    """What to tell the user about custom regexes that ran out of time."""
    return [f"custom recognizer {name}: its regex ran out of time on {count} text(s); its matches there are not "
            f"reported" for name, count in sorted(classifier.regex_timeouts.items())]


def classify_jsonl(text: str, template: str | None, hmac_key: bytes, *, prefilter: bool = True,
                   reveal: bool = False, cfg: ClassificationConfig | None = None,
                   warnings: list[str] | None = None) -> list[str]:
    """One JSON line per finding in ``text``: entity, start, end, score, masked (and value with ``reveal``).

    ``cfg`` is a job's classification section (default: the defaults); ``template`` replaces its template.
    Problems worth telling the user (a custom regex that ran out of time) are appended to ``warnings``.
    """
    classifier = classifier_for(template, hmac_key, prefilter=prefilter, reveal=reveal, cfg=cfg)
    lines = []
    for d in classifier.detect(text):
        row: dict[str, Any] = {"entity": d.entity, "start": d.start, "end": d.end, "score": d.score,
                               "masked": d.masked}
        if reveal:
            row["value"] = d.value
        lines.append(json.dumps(row))
    if warnings is not None:
        warnings.extend(regex_warnings(classifier))
    return lines


def findings_jsonl(findings: list[Any], reveal: bool = False) -> list[str]:
    """One JSON line per finding of a file (:func:`scanner.runtime.findings.file_findings`): the object (an
    archive member as ``a.zip!/b.csv``), location (``line=2,col=7``, ``Sheet1!B2``), entity, score, masked (and
    value with ``reveal``)."""
    lines = []
    for f in findings:
        row: dict[str, Any] = {"object": f.object_path + (f"!/{f.member}" if f.member else ""),
                               "location": f.location, "entity": f.entity, "score": f.score, "masked": f.masked}
        if reveal:
            row["value"] = f.value
        lines.append(json.dumps(row))
    return lines


def template_summary(template: Template) -> dict[str, Any]:
    """Name, description and, per rule, what runs it (our detector, our patterns, or a Presidio class), entity
    and context words."""
    rules = []
    for rule in template.rules:
        rules.append({
            "entity": rule.entity,
            "severity": rule.severity,
            "recognizer": rule.detector or rule.recognizer or f"{rule.entity}_patterns",
            "context": list(rule.context) if rule.context is not None else None,
            "context_whole": list(rule.context_whole),
            "patterns": [p.name for p in rule.patterns],
        })
    return {"name": template.name, "description": template.description, "entities": list(template.entities),
            "recognizers": rules}


def templates_listing() -> list[dict[str, Any]]:
    """Each built-in template with its description and entities."""
    out = []
    for name in list_templates():
        t = load_template(name)
        out.append({"name": t.name, "description": t.description, "entities": list(t.entities)})
    return out

