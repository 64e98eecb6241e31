"""What every connector offers the worker. Connectors know nothing of the store or the classifier."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator

from scanner.models import DiscoveredObject


class FileConnector(ABC):
    """A source of file-like objects (local folders; SMB shares in a later issue)."""

    datasource_id: str

    @abstractmethod
    def enumerate_objects(self, batch_bytes: int, batch_objects: int) -> AsyncIterator[list[DiscoveredObject]]:
        """Walk the source and yield batches of objects, each batch bounded by bytes and count."""

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

    async def close(self) -> None:  # noqa: B027 - optional hook, most connectors hold nothing
        """Release sessions and handles."""
