"""The one explicit list of connectors: built-ins here, third-party ones from the ``datascan.connectors`` entry points."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from scanner.connectors.base import FileConnector
from scanner.connectors.filesystem import FilesystemConnector
from scanner.exceptions import ConfigError

ConnectorFactory = Callable[[Any], FileConnector]

BUILTIN: dict[str, ConnectorFactory] = {
    "filesystem": FilesystemConnector,
}


def connector_factories() -> dict[str, ConnectorFactory]:
    """Built-in connectors plus those installed packages declare (a built-in name cannot be overridden)."""
    found: dict[str, ConnectorFactory] = {}
    for ep in entry_points(group="datascan.connectors"):
        found[ep.name] = ep.load()
    return found | BUILTIN


def create_connector(ds_config: Any) -> FileConnector:
    """Build the connector for one datasource's parsed config."""
    factories = connector_factories()
    try:
        factory = factories[ds_config.type]
    except KeyError:
        raise ConfigError(f"no connector for datasource type {ds_config.type!r}") from None
    return factory(ds_config)
