"""Archives: ZIP, TAR (plain, gz, bz2, xz), single-file gz/bz2/xz, 7z (py7zr) and RAR (rarfile + bsdtar).

Members are read into memory through counting readers, never written to the file system under their own names
(no zip slip possible); link members are not followed; every inflated byte is charged to the object's budget
as it is produced, so a bomb stops at the limit instead of after inflating. The only temporary files are the
ones rarfile needs to hand a compressed RAR to bsdtar: they live in a private directory removed afterwards.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from scanner.exceptions import ExtractionError
from scanner.extract.core import Ctx, check_depth, extract_member
from scanner.extract.limits import READ_CHUNK, LimitExceeded, safe_member_name
from scanner.models import ContentComponent

DECOMPRESS_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, lzma.LZMAError, NotImplementedError,
                      ValueError)


# ---------------------------------------------------------------------------------------------------------- zip

def check_zip_overlap(zf: zipfile.ZipFile) -> None:
    """Refuse archives whose entries share bytes (the "better zip bomb" makes thousands of entries of one kernel)."""
    infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
    for a, b in zip(infos, infos[1:], strict=False):
        # 30 bytes of fixed local header precede the data; a's data must end before b's header starts.
        if a.header_offset + 30 + a.compress_size > b.header_offset:
            raise LimitExceeded("zip bomb limit exceeded: archive entries overlap")


def read_zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, ctx: Ctx) -> bytes:
    """A member's bytes, charged chunk by chunk to the budget (header sizes are not trusted)."""
    out = bytearray()
    with zf.open(info) as f:
        while chunk := f.read(READ_CHUNK):
            out += chunk
            ctx.budget.inflate(len(chunk), compressed=info.compress_size, produced=len(out))
    return bytes(out)


def extract_zip_archive(zf: zipfile.ZipFile, ctx: Ctx) -> Iterator[ContentComponent]:
    """A generic ZIP archive: every member extracted recursively."""
    check_zip_overlap(zf)
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if infos and all(i.flag_bits & 0x1 for i in infos):
        raise ExtractionError("password-protected archive (every member is encrypted)")
    if not check_depth(ctx):
        return
    for info in infos:
        ctx.budget.count_member()
        name = safe_member_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            ctx.budget.note(f"link member not followed: {name}")
            continue
        if info.flag_bits & 0x1:
            ctx.budget.note(f"encrypted member skipped: {name}")
            continue
        try:
            data = read_zip_member(zf, info, ctx)
        except LimitExceeded as exc:
            if str(exc).startswith(("uncompressed size limit", "member count limit")):
                raise
            ctx.budget.note(f"{name}: {exc}")
            continue
        except DECOMPRESS_ERRORS as exc:
            ctx.budget.note(f"{name}: cannot decompress ({exc.__class__.__name__})")
            continue
        yield from extract_member(data, ctx.child(info.filename))


# ---------------------------------------------------------------------------------------------------------- tar

class _CountingReader(io.RawIOBase):
    """Reads a decompressing file object, charging every produced byte (and the ratio) to the budget."""

    def __init__(self, f: Any, src: io.BytesIO, ctx: Ctx):
        self.f, self.src, self.ctx = f, src, ctx
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.f.read(len(b))
        n = len(data)
        b[:n] = data
        self.produced += n
        self.ctx.budget.inflate(n, compressed=self.src.tell(), produced=self.produced)
        return n


def _read_bounded(f: Any, ctx: Ctx, name: str) -> bytes:
    out = bytearray()
    while chunk := f.read(READ_CHUNK):
        out += chunk
        if len(out) > ctx.budget.max_member_bytes:
            raise LimitExceeded(f"member larger than max_file_mb ({ctx.cfg.max_file_mb:g} MB)")
    return bytes(out)


def _tar_members(tf: tarfile.TarFile, ctx: Ctx, count_bytes: bool) -> Iterator[ContentComponent]:
    if not check_depth(ctx):
        return
    for m in tf:
        if m.isdir():
            continue
        ctx.budget.count_member()
        name = safe_member_name(m.name)
        if m.issym() or m.islnk():
            ctx.budget.note(f"link member not followed: {name}")
            continue
        if not m.isreg():
            continue  # devices and FIFOs hold no content
        if m.size > ctx.budget.max_member_bytes:
            ctx.budget.note(f"{name}: member larger than max_file_mb ({ctx.cfg.max_file_mb:g} MB)")
            continue
        f = tf.extractfile(m)
        if f is None:
            continue
        data = _read_bounded(f, ctx, name)
        if count_bytes:  # plain tar: nothing inflated, but the bytes still count towards the object's work
            ctx.budget.inflate(len(data))
        yield from extract_member(data, ctx.child(m.name))


def extract_tar(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """An uncompressed TAR archive."""
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
    except tarfile.TarError as exc:
        raise ExtractionError(f"not a readable tar archive ({exc.__class__.__name__})") from None
    with tf:
        try:
            yield from _tar_members(tf, ctx, count_bytes=True)
        except tarfile.TarError as exc:
            ctx.budget.note(f"tar archive damaged, read up to the damage ({exc.__class__.__name__})")


_STREAMS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "gzip": (lambda f: gzip.GzipFile(fileobj=f, mode="rb"), (".tgz", ".gz")),
    "bzip2": (lambda f: bz2.BZ2File(f, mode="rb"), (".tbz2", ".tbz", ".bz2")),
    "xz": (lambda f: lzma.LZMAFile(f, mode="rb"), (".txz", ".xz")),
}


def _member_name(name: str, suffixes: tuple[str, ...]) -> str:
    """``report.csv.gz`` holds ``report.csv``; a name without the usual suffix gets a neutral one."""
    base = name.rsplit("/", 1)[-1]
    for s in suffixes:
        if base.lower().endswith(s) and len(base) > len(s):
            return base[: -len(s)] + (".tar" if s.startswith(".t") else "")
    return base + ".decompressed"


def extract_compressed(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """gzip / bzip2 / xz: a compressed TAR is read as a stream; any other content is one member."""
    from scanner.extract.detect import sniff

    opener, suffixes = _STREAMS[sniff(ctx.name, data[:16])]
    src = io.BytesIO(data)
    reader = io.BufferedReader(_CountingReader(opener(src), src, ctx), buffer_size=READ_CHUNK)
    try:
        head = reader.peek(512)
    except DECOMPRESS_ERRORS as exc:
        raise ExtractionError(f"cannot decompress ({exc.__class__.__name__})") from None
    if head[257:262] == b"ustar":
        try:
            tf = tarfile.open(fileobj=reader, mode="r|")
            with tf:
                yield from _tar_members(tf, ctx, count_bytes=False)
        except (tarfile.TarError, *DECOMPRESS_ERRORS) as exc:
            ctx.budget.note(f"compressed tar damaged, read up to the damage ({exc.__class__.__name__})")
        return
    if not check_depth(ctx, "compressed file"):
        return
    ctx.budget.count_member()
    try:
        inner = _read_bounded(reader, ctx, ctx.name)
    except DECOMPRESS_ERRORS as exc:
        raise ExtractionError(f"cannot decompress ({exc.__class__.__name__})") from None
    yield from extract_member(inner, ctx.child(_member_name(ctx.name, suffixes)))


# ----------------------------------------------------------------------------------------------------------- 7z

def extract_7z(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """A 7z archive, decompressed by py7zr into counting in-memory buffers."""
    import py7zr
    from py7zr.io import Py7zIO, WriterFactory

    budget = ctx.budget

    class _Counting(Py7zIO):
        def __init__(self) -> None:
            self.buf = io.BytesIO()

        def write(self, s: bytes | bytearray) -> int:
            factory.total += len(s)
            budget.inflate(len(s), compressed=len(data), produced=factory.total)
            if self.buf.tell() + len(s) > budget.max_member_bytes:
                raise LimitExceeded(f"member larger than max_file_mb ({ctx.cfg.max_file_mb:g} MB)")
            return self.buf.write(s)

        def read(self, size: int | None = None) -> bytes:
            return self.buf.read(size)

        def seek(self, offset: int, whence: int = 0) -> int:
            return self.buf.seek(offset, whence)

        def flush(self) -> None:
            return None

        def size(self) -> int:
            return len(self.buf.getbuffer())

    class _Factory(WriterFactory):
        def __init__(self) -> None:
            self.products: dict[str, _Counting] = {}
            self.total = 0

        def create(self, filename: str) -> Py7zIO:
            p = self.products[filename] = _Counting()
            return p

    factory = _Factory()
    try:
        z = py7zr.SevenZipFile(io.BytesIO(data), mode="r")
    except py7zr.exceptions.PasswordRequired:
        raise ExtractionError("password-protected archive (encrypted)") from None
    except Exception as exc:  # noqa: BLE001 - py7zr raises many unrelated types on damaged input
        raise ExtractionError(f"not a readable 7z archive ({exc.__class__.__name__})") from None
    with z:
        if z.needs_password():
            raise ExtractionError("password-protected archive (encrypted)")
        if not check_depth(ctx):
            return
        targets = []
        for f in z.files:
            if f.is_directory:
                continue
            budget.count_member()
            if f.is_symlink:
                budget.note(f"link member not followed: {safe_member_name(f.filename)}")
                continue
            targets.append(f.filename)
        if not targets:
            return
        try:
            z.extract(targets=targets, factory=factory)
        except LimitExceeded:
            raise
        except Exception as exc:  # noqa: BLE001
            budget.note(f"7z archive damaged, read up to the damage ({exc.__class__.__name__})")
    for name, product in factory.products.items():
        yield from extract_member(product.buf.getvalue(), ctx.child(name))


# ---------------------------------------------------------------------------------------------------------- rar

def extract_rar(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """A RAR archive: stored members are read by rarfile itself, compressed ones through bsdtar."""
    import rarfile

    with tempfile.TemporaryDirectory(prefix="datascan-rar-") as tmp:
        # rarfile writes the archive to a temporary file to hand it to the external tool: keep that private.
        rarfile.HACK_TMP_DIR = tmp
        try:
            rf = rarfile.RarFile(io.BytesIO(data))
        except rarfile.PasswordRequired:
            raise ExtractionError("password-protected archive (encrypted)") from None
        except rarfile.Error as exc:
            raise ExtractionError(f"not a readable rar archive ({exc.__class__.__name__})") from None
        with rf:
            if rf.needs_password():
                raise ExtractionError("password-protected archive (encrypted)")
            if not check_depth(ctx):
                return
            for info in rf.infolist():
                if info.is_dir():
                    continue
                ctx.budget.count_member()
                name = safe_member_name(info.filename)
                if info.is_symlink():
                    ctx.budget.note(f"link member not followed: {name}")
                    continue
                if info.needs_password():
                    ctx.budget.note(f"encrypted member skipped: {name}")
                    continue
                try:
                    out = bytearray()
                    with rf.open(info) as f:
                        while chunk := f.read(READ_CHUNK):
                            out += chunk
                            ctx.budget.inflate(len(chunk), compressed=info.compress_size, produced=len(out))
                except LimitExceeded as exc:
                    if str(exc).startswith(("uncompressed size limit", "member count limit")):
                        raise
                    ctx.budget.note(f"{name}: {exc}")
                    continue
                except rarfile.RarCannotExec:
                    raise ExtractionError("compressed RAR needs bsdtar (Debian package libarchive-tools)") from None
                except (rarfile.Error, OSError) as exc:
                    ctx.budget.note(f"{name}: cannot decompress ({exc.__class__.__name__})")
                    continue
                yield from extract_member(bytes(out), ctx.child(info.filename))
