"""A real Samba server for tests: its own smb.conf in a temp folder, ``smbd`` on a free loopback port.

Started in the foreground in its own process group (no systemd, no daemon), so the whole server (the parent
and its per-connection children) can be killed at once and started again on the same port. Under ``CI=true`` a
missing ``smbd`` fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

USER = "dsmbtest"
PASSWORD = "Sm8-test-pw!"   # a throwaway account of the test server only
SMBD = shutil.which("smbd") or "/usr/sbin/smbd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class SambaServer:
    """One smbd; ``shares`` maps a share name to (a folder name under ``root``, extra smb.conf options).

    ``guest=True`` maps a rejected user name to the guest account (``map to guest = Bad User``), and a share whose
    options say ``guest ok = yes`` admits it: the only way to get an unsigned SMB2 session out of Samba.
    """

    def __init__(self, root: Path, shares: dict[str, tuple[str, str]], guest: bool = False,
                 global_options: str = ""):
        self.root = root
        self.port = _free_port()
        self.conf = root / "smb.conf"
        self.proc: subprocess.Popen[bytes] | None = None
        for d in ("lock", "state", "cache", "pid", "private", "ncalrpc", "log"):
            (root / d).mkdir(exist_ok=True)
        lines = [
            "[global]",
            "   server role = standalone server",
            "   interfaces = lo 127.0.0.1",
            "   bind interfaces only = yes",
            f"   smb ports = {self.port}",
            "   disable netbios = yes",
            *(f"   {k} = {root / d}" for k, d in (
                ("lock directory", "lock"), ("state directory", "state"), ("cache directory", "cache"),
                ("pid directory", "pid"), ("private dir", "private"), ("ncalrpc dir", "ncalrpc"))),
            f"   log file = {root}/log/log.%m",
            "   log level = 1",
            f"   passdb backend = tdbsam:{root}/private/passdb.tdb",
            "   load printers = no",
            "   printing = bsd",
            "   printcap name = /dev/null",
            "   disable spoolss = yes",
            "   server min protocol = SMB2_02",
            f"   map to guest = {'Bad User' if guest else 'never'}",
            *(f"   {line.strip()}" for line in global_options.splitlines() if line.strip()),
        ]
        for name, (folder, extra) in shares.items():
            path = root / folder
            path.mkdir(exist_ok=True)
            path.chmod(0o755)
            lines += [f"[{name}]", f"   path = {path}", "   read only = yes"]
            if "guest ok" not in extra:
                lines.append(f"   valid users = {USER}")
            lines += [f"   {line.strip()}" for line in extra.splitlines() if line.strip()]
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self) -> None:
        """Start smbd and wait until its port accepts connections."""
        log = open(self.root / "log" / "smbd.out", "ab")  # noqa: SIM115 - kept open for the server's lifetime
        self.proc = subprocess.Popen(
            [SMBD, "--foreground", "--no-process-group", "-s", str(self.conf), "--debug-stdout"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 30
        while not port_open(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"smbd exited with {self.proc.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"smbd did not listen on port {self.port}: {self.log_tail()}")
            time.sleep(0.02)  # polling interval of the wait for the port, not a stand-in for synchronisation

    def kill(self) -> None:
        """SIGKILL the whole server (parent and per-connection children) and wait until the port is closed."""
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while port_open(self.port):
            assert time.monotonic() < deadline, "smbd's port stayed open after SIGKILL"
            time.sleep(0.02)  # polling interval

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def sessions(self) -> int:
        """How many SMB sessions the server has right now, counted by smbstatus against this config."""
        r = subprocess.run(["smbstatus", "-s", str(self.conf), "-b", "--fast"], capture_output=True, text=True,
                           timeout=30)
        return sum(1 for line in r.stdout.splitlines() if f" {USER} " in f" {line} ")

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted((self.root / "log").glob("*")) if p.is_file())

    def log_tail(self) -> str:
        return self.log_text()[-2000:]


def _ensure_user() -> bool:
    """Create the Unix account smbd maps the SMB user to; True when this call created it."""
    try:
        pwd.getpwnam(USER)
        return False
    except KeyError:
        subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", USER], check=True, capture_output=True)
        return True


def samba_or_skip() -> None:
    """Fail under CI, skip elsewhere, when this machine cannot run the test server."""
    problem = None
    if not os.path.exists(SMBD):
        problem = "smbd is not installed (make test installs samba)"
    elif os.geteuid() != 0:
        problem = "the Samba tests need root (smbd switches to the test user; useradd)"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)


def make_server(shares: dict[str, tuple[str, str]], guest: bool = False,
                global_options: str = "") -> Iterator[SambaServer]:
    """Create the user, write the config (``global_options``: extra [global] lines), start smbd; stop it and
    remove everything afterwards."""
    samba_or_skip()
    root = Path(tempfile.mkdtemp(prefix="datascan-smbd-"))
    root.chmod(0o755)  # the share folders below it must be reachable by the test user
    created = _ensure_user()
    server = SambaServer(root, shares, guest, global_options)
    try:
        subprocess.run(["smbpasswd", "-c", str(server.conf), "-s", "-a", USER], input=f"{PASSWORD}\n{PASSWORD}\n",
                       text=True, check=True, capture_output=True)
        server.start()
        yield server
    finally:
        server.stop()
        if created:
            subprocess.run(["userdel", USER], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def set_security_descriptor(server: SambaServer, share: str, name: str, owner: str, group: str,
                            aces: list[tuple[str, int]]) -> None:
    """Write a file's owner, group and DACL (allow ACEs of (SID, access mask)) over SMB, as Windows Explorer would:
    SET_INFO with a security descriptor built by smbprotocol. ``share`` must let the test user write security
    (``admin users``); Samba's ``acl_xattr`` VFS keeps the descriptor as is."""
    import uuid

    from smbprotocol.connection import Connection
    from smbprotocol.file_info import FileAttributes, InfoType
    from smbprotocol.open import (
        CreateDisposition,
        CreateOptions,
        FilePipePrinterAccessMask,
        ImpersonationLevel,
        InfoAdditionalInformation,
        Open,
        ShareAccess,
        SMB2SetInfoRequest,
    )
    from smbprotocol.security_descriptor import AccessAllowedAce, AclPacket, SIDPacket, SMB2CreateSDBuffer
    from smbprotocol.session import Session
    from smbprotocol.tree import TreeConnect

    def sid(text: str) -> SIDPacket:
        p = SIDPacket()
        p.from_string(text)
        return p

    conn = Connection(uuid.uuid4(), "127.0.0.1", server.port)
    conn.connect()
    try:
        sess = Session(conn, USER, PASSWORD)
        sess.connect()
        tree = TreeConnect(sess, rf"\\127.0.0.1\{share}")
        tree.connect()
        h = Open(tree, name)
        h.create(ImpersonationLevel.Impersonation, FilePipePrinterAccessMask.WRITE_DAC
                 | FilePipePrinterAccessMask.WRITE_OWNER | FilePipePrinterAccessMask.READ_CONTROL,
                 FileAttributes.FILE_ATTRIBUTE_NORMAL, ShareAccess.FILE_SHARE_READ, CreateDisposition.FILE_OPEN,
                 CreateOptions.FILE_NON_DIRECTORY_FILE)
        sd = SMB2CreateSDBuffer()
        sd["control"].set_flag(0x8000)  # self-relative
        sd.set_owner(sid(owner))
        sd.set_group(sid(group))
        acl = AclPacket()
        entries = []
        for who, mask in aces:
            ace = AccessAllowedAce()
            ace["mask"] = mask
            ace["sid"] = sid(who)
            entries.append(ace)
        acl["aces"] = entries
        sd.set_dacl(acl)
        req = SMB2SetInfoRequest()
        req["info_type"] = InfoType.SMB2_0_INFO_SECURITY
        req["file_info_class"] = 0
        req["additional_information"] = (InfoAdditionalInformation.OWNER_SECURTIY_INFORMATION
                                         | InfoAdditionalInformation.GROUP_SECURITY_INFORMATION
                                         | InfoAdditionalInformation.DACL_SECURITY_INFORMATION)
        req["file_id"] = h.file_id
        req["buffer"] = sd
        conn.receive(conn.send(req, sess.session_id, tree.tree_connect_id))
        h.close()
    finally:
        conn.disconnect(True)
