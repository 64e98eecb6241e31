"""The one explicit list of connectors: built-ins here, third-party ones from the ``datascan.connectors`` entry
points."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from scanner.connectors.base import FileConnector, TableConnector
from scanner.connectors.filesystem import FilesystemConnector
from scanner.connectors.smb import SmbConnector
from scanner.connectors.sql import SqlConnector
from scanner.exceptions import ConfigError

ConnectorFactory = Callable[..., FileConnector | TableConnector]

BUILTIN: dict[str, ConnectorFactory] = {
    "filesystem": FilesystemConnector,
    "smb": SmbConnector,
    "sql": SqlConnector,
}


def connector_factories() -> dict[str, ConnectorFactory]:
    """Built-in connectors plus those installed packages declare (a built-in name cannot be overridden)."""
    found: dict[str, ConnectorFactory] = {}
    for ep in entry_points(group="datascan.connectors"):
        found[ep.name] = ep.load()
    return found | BUILTIN


def create_connector(ds_config: Any, coordinator: Any = None) -> FileConnector | TableConnector:
    """Build the connector for one datasource's parsed config.

    ``coordinator`` (a ResourceCoordinator) bounds sessions per server across workers; connectors that limit
    sessions build a host-local one when none is given.
    """
    factories = connector_factories()
    try:
        factory = factories[ds_config.type]
    except KeyError:
        raise ConfigError(f"no connector for datasource type {ds_config.type!r}") from None
    # Only connectors that bound sessions take a coordinator (the filesystem connector has nothing to bound).
    if coordinator is not None and "coordinator" in inspect.signature(factory).parameters:
        return factory(ds_config, coordinator=coordinator)
    return factory(ds_config)
