"""What every connector offers the worker. Connectors know nothing of the store or the classifier."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from scanner.exposure import Exposure, unknown
from scanner.models import DiscoveredObject


@dataclass(slots=True)
class FolderPage:
    """Part of one folder's listing: the objects in it and its sub-folders, as datasource-relative paths in the
    stored (escaped) form of :mod:`scanner.names`."""

    objects: list[DiscoveredObject]
    subfolders: list[str]


class FileConnector(ABC):
    """A source of file-like objects (local folders, SMB shares)."""

    datasource_id: str

    @abstractmethod
    def list_folder(self, folder: str, page_from: str | None = None,
                    page_to: str | None = None) -> AsyncIterator[FolderPage]:
        """One folder's entries, in pages ("" is the datasource root; ``folder`` in the stored form).

        With ``page_from`` / ``page_to``, only the objects whose stored path is in [page_from, page_to) (None: open
        on that side), compared by code point: one page of a big folder, listed by its own discovery task (a
        local listing does not even stat the others). A folder that cannot be listed gives one skipped object
        ``folder/`` with the reason; a root that cannot be listed raises (ConnectorError, or AuthenticationError
        when the datasource refuses us).
        """

    async def enumerate_objects(self, batch_bytes: int, batch_objects: int) -> AsyncIterator[list[DiscoveredObject]]:
        """Walk the source depth-first, folder by folder, and yield batches bounded by bytes and count."""
        stack = [""]
        batch: list[DiscoveredObject] = []
        size = 0
        while stack:
            folder = stack.pop()
            subfolders: list[str] = []
            async for page in self.list_folder(folder):
                subfolders += page.subfolders
                for o in page.objects:
                    batch.append(o)
                    size += o.size if o.skip_reason is None else 0
                    if len(batch) >= batch_objects or size >= batch_bytes:
                        yield batch
                        batch, size = [], 0
            stack.extend(sorted(subfolders, reverse=True))
        if batch:
            yield batch

    @abstractmethod
    async def read_object(self, obj: DiscoveredObject, max_bytes: int) -> bytes:
        """Read an object's bytes (never more than ``max_bytes``); raises ObjectReadError."""

    async def stream_object(self, obj: DiscoveredObject, max_bytes: int,
                            chunk_bytes: int = 1 << 20) -> AsyncIterator[bytes]:
        """The object's bytes in chunks of at most ``chunk_bytes`` (never more than ``max_bytes`` in all).

        For formats that can be extracted as a stream (long text files); connectors that can read in pieces
        override this, the default reads the whole object first. Raises ObjectReadError.
        """
        data = await self.read_object(obj, max_bytes)
        for i in range(0, len(data), chunk_bytes):
            yield data[i:i + chunk_bytes]

    async def exposure(self, obj: DiscoveredObject) -> Exposure:
        """Who can read the object (:mod:`scanner.exposure`); never raises: what cannot be read is ``unknown``
        with the reason. Connectors that can tell override this."""
        return unknown("this connector does not read permissions")

    async def close(self) -> None:  # noqa: B027 - optional hook, most connectors hold nothing
        """Release sessions and handles."""


@dataclass(slots=True)
class ColumnSample:
    """The sampled values of one column in one block of rows (``None`` where the row holds NULL).

    ``category`` is the connector's reading of the declared type: ``text``, ``integer``, ``decimal`` or
    ``binary`` (binary values are decoded as UTF-8 with replacement characters).
    """

    name: str
    type: str
    category: str
    values: list[str | None]


@dataclass(slots=True)
class TableBlock:
    """A block of sampled rows of one table, column by column. ``row_keys[i]`` names row ``i`` of every column.

    A row key is ``pk=value`` when the table has an integer primary key, otherwise ``row=N`` (1-based
    position in the sample): a non-integer key (an e-mail, a national id) would itself leak the data.
    """

    columns: list[ColumnSample]
    row_keys: list[str]
    key_columns: list[str] = field(default_factory=list)


class TableConnector(ABC):
    """A source of tables (SQL databases): one object per table, read as sampled rows, column by column.

    ``enumerate_objects`` yields one :class:`DiscoveredObject` per table, ``path`` = ``schema.table``, ``size``
    an estimate of the bytes a sample reads and ``mtime`` a number derived from the table's cheap change
    marker, so the incremental logic skips tables whose row count and marker did not change.
    """

    datasource_id: str

    @abstractmethod
    def enumerate_objects(self, batch_bytes: int, batch_objects: int) -> AsyncIterator[list[DiscoveredObject]]:
        """List the selected tables in batches, each bounded by estimated bytes and count."""

    @abstractmethod
    def read_table(self, obj: DiscoveredObject, *, include_numeric: bool = True) -> AsyncIterator[TableBlock]:
        """The sampled rows of one table in blocks, read only and within the table's query timeout.

        ``include_numeric`` false reads text columns only (when no enabled entity can be written as a bare
        number). Raises ObjectReadError when the table cannot be read (gone, timed out, permission denied);
        blocks already yielded stay valid.
        """

    async def exposure(self, obj: DiscoveredObject) -> Exposure:
        """Who may SELECT the table (:mod:`scanner.exposure`); never raises: ``unknown`` with the reason."""
        return unknown("this connector does not read grants")

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
