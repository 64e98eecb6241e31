"""The one explicit list of connectors: built-ins here, third-party ones from the ``datascan.connectors`` entry
points."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from scanner.connectors.base import FileConnector, TableConnector
from scanner.exceptions import ConfigError

ConnectorFactory = Callable[..., FileConnector | TableConnector]

# Module and class of each built-in connector, imported when a job uses it: smbprotocol, SQLAlchemy's dialects and
# the ODBC driver are a large part of a worker's start-up, and most jobs need one kind of connector or two.
BUILTIN: dict[str, tuple[str, str]] = {
    "filesystem": ("scanner.connectors.filesystem", "FilesystemConnector"),
    "smb": ("scanner.connectors.smb", "SmbConnector"),
    "sql": ("scanner.connectors.sql", "SqlConnector"),
}


def _builtin(name: str) -> ConnectorFactory:
    module, cls = BUILTIN[name]
    factory: ConnectorFactory = getattr(importlib.import_module(module), cls)
    return factory


def connector_factories() -> dict[str, ConnectorFactory]:
    """Built-in connectors plus those installed packages declare (a built-in name cannot be overridden)."""
    found: dict[str, ConnectorFactory] = {}
    for ep in entry_points(group="datascan.connectors"):
        found[ep.name] = ep.load()
    return found | {name: _builtin(name) for name in BUILTIN}


def connector_factory(kind: str) -> ConnectorFactory:
    """The factory of one datasource type; the installed packages' entry points are read only for a type that is
    not built in (a built-in name cannot be overridden)."""
    if kind in BUILTIN:
        return _builtin(kind)
    found = list(entry_points(group="datascan.connectors", name=kind))
    if not found:
        raise ConfigError(f"no connector for datasource type {kind!r}")
    factory: ConnectorFactory = found[-1].load()  # as in connector_factories: the last one declared
    return factory


def create_connector(ds_config: Any, coordinator: Any = None) -> FileConnector | TableConnector:
    """Build the connector for one datasource's parsed config.

    ``coordinator`` (a ResourceCoordinator) bounds sessions per server across workers; connectors that limit
    sessions build a host-local one when none is given.
    """
    factory = connector_factory(ds_config.type)
    # Only connectors that bound sessions take a coordinator (the filesystem connector has nothing to bound).
    if coordinator is not None and "coordinator" in inspect.signature(factory).parameters:
        return factory(ds_config, coordinator=coordinator)
    return factory(ds_config)
