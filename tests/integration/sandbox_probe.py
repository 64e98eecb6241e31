"""A compromised parser, for tests: run as the extraction process (``ContentExtractor(child_module=...)``).

It is the real child (:func:`scanner.extract.sandbox.main`: the same confinement, protocol and loop) with one
format handler replaced, the way a parser exploited by a hostile file would run the attacker's code after the
child confined itself. Object names choose what the attacker tries; every other name is extracted for real:

- ``probe-id``: report uid, gid and supplementary groups;
- ``probe-tcp-PORT``: open a TCP connection to 127.0.0.1:PORT;
- ``probe-write-PATH``: create the file PATH (hex-encoded, since it holds slashes);
- ``probe-import``: import a standard module nothing imported before;
- ``hostile-KIND``: answer the worker with a hostile reply instead of a message (see :func:`_hostile`), then
  wait to be killed.
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import struct
import sys

import msgspec

from scanner.extract import core, sandbox
from scanner.models import ContentComponent

_real_extract_bytes = core.extract_bytes


class _Payload:
    """Unpickling this creates the marker directory: proof that code ran in whoever unpickled it."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def _frame(body: bytes, size: int | None = None) -> bytes:
    return struct.pack("!Q", len(body) if size is None else size) + body


def _hostile(kind: str) -> bytes:
    enc = msgspec.msgpack.Encoder()
    if kind.startswith("pickle-"):  # the folder its unpickling would create, hex-encoded
        return _frame(pickle.dumps(_Payload(bytes.fromhex(kind[7:]).decode())))
    if kind == "garbage":
        return _frame(b"\xc1\xc1\xc1 not msgpack")
    if kind == "types":  # a batch whose component's text is a number
        return _frame(enc.encode(["More", [{"text": 4111111111111111}]]))
    if kind == "tag":  # an unknown message whose tag is a value the reason must not repeat
        return _frame(enc.encode(["4111111111111111", []]))
    if kind == "extra":  # a valid End with one element more than the message has
        return _frame(enc.encode(["End", [], [], 0, "4111111111111111"]))
    if kind == "huge":  # a length the worker must refuse before reading
        return _frame(b"", size=1 << 40)
    raise ValueError(kind)


def _probe(data: bytes, ctx: core.Ctx):
    name = ctx.name
    if name == "probe-id":
        text = f"uid={os.getuid()} euid={os.geteuid()} gid={os.getgid()} groups={os.getgroups()}"
    elif name.startswith("probe-tcp-"):
        try:
            socket.create_connection(("127.0.0.1", int(name[10:])), timeout=5).close()
            text = "tcp: connected"
        except OSError as exc:
            text = f"tcp: {exc.__class__.__name__}"
    elif name.startswith("probe-write-"):
        path = bytes.fromhex(name[12:]).decode()
        try:
            with open(path, "w") as f:
                f.write("written by the extraction process")
            text = "write: done"
        except OSError as exc:
            text = f"write: {exc.__class__.__name__}"
    elif name == "probe-import":
        import wave  # noqa: F401 - nothing in the extraction process imports it on its own

        text = "import: done"
    elif name.startswith("hostile-"):
        fd = int(sys.argv[1])
        with socket.socket(fileno=os.dup(fd)) as s:
            s.sendall(_hostile(name[8:]))
        signal.pause()  # the worker refuses the reply and kills us
        return
    else:
        yield from _real_extract_bytes(data, ctx)
        return
    yield ContentComponent(text)


core.extract_bytes = _probe

if __name__ == "__main__":
    sandbox.main(sys.argv[1:])
