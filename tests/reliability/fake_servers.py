"""Impostor database servers on loopback, for the TLS-downgrade cases: what a machine in the middle (or a hostile
server) can do before any login succeeds. They speak just enough of each wire protocol to refuse TLS and ask for
the password in the form they can read, and record every password answer they receive. No real server can be made
to behave like this, hence fakes; the clients talking to them are the real drivers and the real datascan CLI.

- :class:`FakePostgres`: answers ``N`` to SSLRequest (and GSSENCRequest), then asks for a clear-text password
  (AuthenticationCleartextPassword) or an MD5 one, records the reply and fails the login (SQLSTATE 28P01).
- :class:`FakeMysql`: a MySQL 8 handshake without the SSL capability; then either switches the client to
  ``mysql_clear_password``, or asks for ``caching_sha2_password`` full authentication and hands out its own RSA
  key, decrypting what comes back. It records the password it could read and fails the login (1045).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import struct
import threading
from collections.abc import Iterator


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("client went away")
        buf += chunk
    return buf


class _Server:
    """A listening socket on 127.0.0.1 and a thread per connection; ``received`` holds what logins sent."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._handle_safely, args=(conn,), daemon=True).start()

    def _handle_safely(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError, ConnectionError, struct.error):
            conn.settimeout(30)
            self.handle(conn)

    def record(self, payload: bytes) -> None:
        with self._lock:
            self.received.append(payload)

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.sock.close()


# ------------------------------------------------------------------------------------------------ PostgreSQL

_SSL_REQUEST, _GSSENC_REQUEST, _PROTOCOL_3 = 80877103, 80877104, 196608


def pg_md5(password: str, user: str, salt: bytes) -> bytes:
    """What a PostgreSQL client answers to an MD5 request for ``password``."""
    inner = hashlib.md5((password + user).encode()).hexdigest()
    return b"md5" + hashlib.md5(inner.encode() + salt).hexdigest().encode()


class FakePostgres(_Server):
    """Refuses TLS, asks for the password in clear text (``auth="cleartext"``) or as MD5 (``auth="md5"``)."""

    SALT = b"\x01\x02\x03\x04"

    def __init__(self, auth: str = "cleartext"):
        self.auth = auth
        self.users: list[str] = []
        super().__init__()

    def handle(self, conn: socket.socket) -> None:
        while True:
            length, code = struct.unpack("!ii", _recv_exact(conn, 8))
            if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                conn.sendall(b"N")  # "no TLS here": the downgrade
                continue
            if code != _PROTOCOL_3:
                return
            params = _recv_exact(conn, length - 8).split(b"\0")
            fields = dict(zip(params[0::2], params[1::2], strict=False))
            self.users.append(fields.get(b"user", b"").decode())
            break
        if self.auth == "md5":
            conn.sendall(b"R" + struct.pack("!ii", 12, 5) + self.SALT)
        else:
            conn.sendall(b"R" + struct.pack("!ii", 8, 3))
        kind = _recv_exact(conn, 1)
        (length,) = struct.unpack("!i", _recv_exact(conn, 4))
        payload = _recv_exact(conn, length - 4)
        if kind == b"p":
            self.record(payload.rstrip(b"\0"))
        error = b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed\0\0"
        conn.sendall(b"E" + struct.pack("!i", len(error) + 4) + error)

    def readable(self, password: str) -> int:
        """How many answers gave the password away: whole, or (MD5) as the hash a replay needs."""
        secrets = {password.encode()} | {pg_md5(password, u, self.SALT) for u in self.users}
        return sum(1 for r in self.received if r in secrets)


# ------------------------------------------------------------------------------------------------ MySQL

_CAPS = (0x1 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000 | 0x200000)  # no 0x800: CLIENT_SSL is not offered


def _packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def _read_packet(conn: socket.socket) -> tuple[int, bytes]:
    head = _recv_exact(conn, 4)
    length = int.from_bytes(head[:3], "little")
    return head[3], _recv_exact(conn, length)


class FakeMysql(_Server):
    """``mode="clear"``: switch the client to mysql_clear_password. ``mode="rsa"``: caching_sha2_password full
    authentication with our own RSA key, whose private half decrypts the answer."""

    def __init__(self, mode: str = "clear"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.mode = mode
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        super().__init__()

    def handle(self, conn: socket.socket) -> None:
        salt = bytes(b % 94 + 33 for b in os.urandom(20))  # printable, no NUL, as servers send it
        plugin = b"caching_sha2_password" if self.mode == "rsa" else b"mysql_native_password"
        greeting = (b"\x0a" + b"8.0.99-impostor\0" + struct.pack("<I", 7) + salt[:8] + b"\0"
                    + struct.pack("<H", _CAPS & 0xFFFF) + bytes([33]) + struct.pack("<H", 2)
                    + struct.pack("<H", _CAPS >> 16) + bytes([21]) + b"\0" * 10 + salt[8:] + b"\0" + plugin + b"\0")
        conn.sendall(_packet(0, greeting))
        seq, _response = _read_packet(conn)
        if self.mode == "rsa":
            conn.sendall(_packet(seq + 1, b"\x01\x04"))  # "perform full authentication"
            seq, answer = _read_packet(conn)
            if answer in (b"\x02", b"\x01"):  # the client asks for our public key: here it is
                conn.sendall(_packet(seq + 1, b"\x01" + self.public_pem))
                seq, answer = _read_packet(conn)
                self.record(self._decrypt(answer, salt))
            elif answer.endswith(b"\0"):
                self.record(answer[:-1])
        else:
            conn.sendall(_packet(seq + 1, b"\xfe" + b"mysql_clear_password\0"))
            seq, answer = _read_packet(conn)
            self.record(answer.rstrip(b"\0"))
        conn.sendall(_packet(seq + 1, b"\xff" + struct.pack("<H", 1045) + b"#28000Access denied"))

    def _decrypt(self, data: bytes, salt: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            plain = self.key.decrypt(data, padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()),
                                                        algorithm=hashes.SHA1(), label=None))
        except ValueError:
            return b""
        # The client XORs "password\0" with the salt before encrypting it.
        return bytes(b ^ salt[i % len(salt)] for i, b in enumerate(plain)).rstrip(b"\0")

    def readable(self, password: str) -> int:
        return sum(1 for r in self.received if r == password.encode())


@contextlib.contextmanager
def running(server: _Server) -> Iterator[_Server]:
    """The server for the block; its socket closed afterwards."""
    try:
        yield server
    finally:
        server.close()
