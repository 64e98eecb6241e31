"""A TCP proxy in front of a real server that cuts a connection at a chosen request, for tests of lost
connections and lost acknowledgements: nothing on the server side is simulated."""

from __future__ import annotations

import asyncio


class CuttingProxy:
    """Forwards 127.0.0.1:<port> to ``target``. ``arm(pattern)``: the next request whose bytes contain ``pattern``
    is passed to the server, and that connection is then cut instead of passing the server's answer back (so
    the server has done what was asked, and the client never hears of it)."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.pattern: bytes | None = None
        self.cuts = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        """Start listening; returns the proxy's port."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    def arm(self, pattern: bytes) -> None:
        self.pattern = pattern

    def close(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _serve(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        try:
            sr, sw = await asyncio.open_connection(*self.target)
        except OSError:
            cw.transport.abort()
            return
        cut = asyncio.Event()

        async def up() -> None:  # client -> server
            while data := await cr.read(65536):
                if self.pattern is not None and self.pattern in data:
                    self.pattern = None
                    cut.set()  # before the server can answer: that answer is the one dropped
                sw.write(data)
                await sw.drain()

        async def down() -> None:  # server -> client
            while data := await sr.read(65536):
                if cut.is_set():
                    self.cuts += 1
                    return
                cw.write(data)
                await cw.drain()

        tasks = [asyncio.create_task(up()), asyncio.create_task(down())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            for w in (cw, sw):
                w.transport.abort()
