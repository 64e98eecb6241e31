"""The HMAC key's life cycle: where it comes from, how long it must be, and which store it belongs to.

Every value hash in a store is made with one key; a run with another key would make identical data look new (and
old findings resolved), stop hash suppressions from hiding their value, and mix two keys' hashes among carried
findings. So the store records the key's fingerprint (an HMAC of a fixed label under the key: it tells keys apart
and reveals nothing of the key) on its first run, and a run with a key of another fingerprint is refused (exit 2)
with how to get the right key back, or how to rotate. A key file that has gone missing is not silently replaced
when the store already names a key. ``datascan key rotate`` makes the current key the store's key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scanner.classify.masking import key_from_env_value, load_or_create_key
from scanner.exceptions import ConfigError
from scanner.store import DatabaseInterface

ENV_VAR = "DATASCAN_HMAC_KEY"
MIN_KEY_BYTES = 16  # 128 bits: a 1-byte key would make every value hash a lookup away from its value
_LABEL = b"datascan HMAC key fingerprint v1"
_SHOWN = 16  # hex digits of a fingerprint shown in messages
GENERATE_HINT = "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"


class KeyMismatchError(ConfigError):
    """The HMAC key in use is not the one the store's hashes were made with."""


@dataclass(frozen=True, slots=True)
class KeySource:
    """Where the key comes from: the environment variable, or a key file (created on first use)."""

    env_value: str | None
    file: Path

    @property
    def where(self) -> str:
        return f"${ENV_VAR}" if self.env_value else str(self.file)


def key_source(env: Mapping[str, str]) -> KeySource:
    """``$DATASCAN_HMAC_KEY``, else ``$XDG_CONFIG_HOME/datascan/hmac.key`` (default ``~/.config/...``)."""
    config = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return KeySource(env.get(ENV_VAR) or None, Path(config) / "datascan" / "hmac.key")


def fingerprint(key: bytes) -> str:
    """A key's fingerprint: hex HMAC-SHA256 of a fixed label under the key."""
    return hmac.new(key, _LABEL, hashlib.sha256).hexdigest()


def shown(fp: str) -> str:
    """A fingerprint as messages show it."""
    return fp[:_SHOWN]


def _checked(key: bytes, where: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"the HMAC key from {where} is {len(key)} byte(s): at least {MIN_KEY_BYTES} are needed "
                          f"(64 hex digits give 32); {GENERATE_HINT}")
    return key


def load_key(src: KeySource, *, create: bool = True) -> bytes | None:
    """The key (checked for length); a missing key file is created unless ``create`` is False (then None)."""
    if src.env_value:
        return _checked(key_from_env_value(src.env_value), src.where)
    if not create and not src.file.exists():
        return None
    return _checked(load_or_create_key(src.file), src.where)


def _mismatch(src: KeySource, recorded: str, found: str, db_url: str) -> KeyMismatchError:
    return KeyMismatchError(
        f"the HMAC key from {src.where} (fingerprint {shown(found)}) is not the key this store's value hashes were "
        f"made with (fingerprint {shown(recorded)}): with it, unchanged data would show as new, suppressions by "
        "hash would stop matching and carried findings would mix two keys. Use the original key (restore the key "
        f"file, or set ${ENV_VAR}), or, to start using this key for good, run `datascan key rotate --db {db_url}` "
        "(README: Keys and raw values)")


async def key_for_store(db_url: str, src: KeySource) -> bytes:
    """The key to hash with for this store: refused (KeyMismatchError, exit 2) unless it is the store's key.

    A store that names no key yet takes this one. A key file that does not exist is created only when the store
    names no key; otherwise it is reported missing rather than replaced by a new one.
    """
    db = await DatabaseInterface.open(db_url)
    try:
        key = load_key(src, create=False)
        if key is None:
            recorded = await db.key_fingerprint()
            if recorded is not None:
                raise KeyMismatchError(
                    f"the HMAC key file {src.file} does not exist, but this store's value hashes were made with the "
                    f"key of fingerprint {shown(recorded)}: restore that key file (or set ${ENV_VAR} to that key); "
                    f"a new key would make every finding look new. To start over with a new key on purpose, run "
                    f"`datascan key rotate --db {db_url}` (README: Keys and raw values)")
            key = load_key(src)
            assert key is not None
        fp = fingerprint(key)
        recorded = await db.claim_key_fingerprint(fp)
        if recorded != fp:
            raise _mismatch(src, recorded, fp, db_url)
        return key
    finally:
        await db.close()


@dataclass(frozen=True, slots=True)
class Rotation:
    """What ``datascan key rotate`` changed."""

    old: str | None
    new: str
    jobs_before: int
    hash_suppressions: int


async def rotate(db_url: str, src: KeySource) -> Rotation:
    """Make the current key (created if missing) the store's key.

    Hashes already stored cannot be re-made (the values are not kept), so the jobs run before stay readable with
    their old hashes and are no longer compared with later runs: the next run of every job scans everything, and
    hash suppressions made before match nothing until they are made again from a new export.
    """
    key = load_key(src)
    assert key is not None
    new = fingerprint(key)
    db = await DatabaseInterface.open(db_url)
    try:
        old, jobs = await db.replace_key_fingerprint(new)
        sups = sum(1 for s in await db.list_suppressions() if s.kind == "hash") if jobs else 0
        return Rotation(old, new, jobs, sups)
    finally:
        await db.close()


__all__ = ["ENV_VAR", "KeyMismatchError", "KeySource", "MIN_KEY_BYTES", "Rotation", "fingerprint", "key_for_store",
           "key_source", "load_key", "rotate", "shown"]
