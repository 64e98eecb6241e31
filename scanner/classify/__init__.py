"""Classification: recognizer templates, an offline Presidio analyzer, masking and keyed hashing of values.

``Classifier`` and ``Detection`` are imported lazily: they pull in Presidio and spaCy (a second or two), which
``masking`` and ``templates`` users (the CLI's ``templates`` commands, exports) do not need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.classify.masking import key_from_env_value, load_or_create_key, mask, normalise, value_hash
from scanner.classify.templates import Template, list_templates, load_template

if TYPE_CHECKING:
    from scanner.classify.engine import Classifier, Detection

__all__ = [
    "Classifier",
    "Detection",
    "Template",
    "key_from_env_value",
    "list_templates",
    "load_or_create_key",
    "load_template",
    "mask",
    "normalise",
    "value_hash",
]


def __getattr__(name: str) -> Any:
    if name in ("Classifier", "Detection"):
        from scanner.classify import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
