"""Masks and keyed hashes of detected values, and the per-installation HMAC key.

A finding never carries the raw value (unless the job stores raw values): it carries a mask that shows at
most a card's BIN and last four digits, and an HMAC-SHA256 of the normalised value, so the same value can be
recognised across objects, runs and exports without being recoverable by anyone who lacks the key.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import secrets
import stat
import string
import time
import unicodedata
from pathlib import Path

from scanner.exceptions import ClassificationError, ConfigError

logger = logging.getLogger(__name__)

KEY_BYTES = 32

# Entities whose value is an identifier printed with arbitrary separators ("4111 1111-1111 1111"): only their
# letters and digits identify them.
ALNUM_ENTITIES = frozenset({
    "CREDIT_CARD", "US_SSN", "IBAN_CODE", "PHONE_NUMBER", "US_BANK_NUMBER", "US_PASSPORT", "US_ITIN",
    "US_DRIVER_LICENSE", "ABA_ROUTING_NUMBER", "UK_NHS", "UK_NINO",
})
# Credentials (the ``secrets`` template, and any entity named like one): a mask keeps at most a 4-character
# prefix, which names the kind of token (``ghp_****``, ``AKIA****``) and nothing of its secret part.
SECRET_ENTITIES = frozenset({
    "PRIVATE_KEY", "AWS_ACCESS_KEY_ID", "GITHUB_TOKEN", "GITLAB_TOKEN", "SLACK_TOKEN", "SLACK_WEBHOOK_URL",
    "GENERIC_SECRET",
})
_SECRET_SUFFIXES = ("_TOKEN", "_SECRET", "_PASSWORD", "PRIVATE_KEY", "_API_KEY", "_ACCESS_KEY")
_SECRET_PREFIX = 4
_SECRET_MIN_CHARS = 12  # shorter values show no prefix at all: 4 characters would be a third of them
_HEX = frozenset(string.hexdigits)
_MIN_HEX_KEY_CHARS = 32  # shorter hex-looking strings are taken as passphrases, byte for byte


def _alnum_upper(value: str) -> str:
    # NFKC first so full-width digits hash like ASCII ones.
    return "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isalnum()).upper()


def normalise(entity: str, value: str) -> str:
    """Form hashed for ``entity``: identifiers keep letters and digits, upper-cased; e-mail lower-cased."""
    if entity in ALNUM_ENTITIES:
        return _alnum_upper(value)
    if entity == "EMAIL_ADDRESS":
        return value.strip().lower()
    return value.strip()


def value_hash(key: bytes, entity: str, value: str) -> str:
    """Hex HMAC-SHA256 under ``key`` of ``entity + ":" + normalise(entity, value)``."""
    msg = f"{entity}:{normalise(entity, value)}".encode()
    return hmac.digest(key, msg, "sha256").hex()  # OpenSSL's one-shot HMAC: the same bytes as hmac.new's


def _mask_generic(value: str) -> str:
    if len(value) <= 4:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def _mask_card(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    n = len(digits)
    if n >= 13:  # a real card length: BIN and last four, at least three digits hidden
        return digits[:6] + "*" * (n - 10) + digits[-4:]
    if n >= 9:
        return "*" * (n - 4) + digits[-4:]
    return "*" * n


def _mask_email(value: str) -> str:
    local, at, domain = value.strip().rpartition("@")
    if not at or not local:
        return _mask_generic(value.strip())
    return f"{local[0]}***@{domain}"


def _mask_ssn(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 9:
        return _mask_generic(value.strip())
    return f"***-**-{digits[-4:]}"


def _mask_iban(value: str) -> str:
    compact = _alnum_upper(value)
    if len(compact) < 12:  # not an IBAN length: showing 8 of it would show too much
        return _mask_generic(compact)
    return compact[:4] + "*" * (len(compact) - 8) + compact[-4:]


def is_secret_entity(entity: str) -> bool:
    """True for credential entities, masked with :func:`_mask_secret`."""
    return entity in SECRET_ENTITIES or entity.endswith(_SECRET_SUFFIXES)


def _mask_secret(value: str) -> str:
    value = value.strip()
    if len(value) < _SECRET_MIN_CHARS:
        return "****"
    return value[:_SECRET_PREFIX] + "****"  # a fixed tail: the mask does not tell the secret's length


def mask(entity: str, value: str) -> str:
    """A display form of ``value`` that reveals little.

    At most: a card's first 6 and last 4 digits, an e-mail's first character and domain, an SSN's last 4, an
    IBAN's country, check digits and last 4; a credential's first 4 characters (``ghp_****``); otherwise the
    first and last character (nothing when the value has 4 characters or fewer).
    """
    if is_secret_entity(entity):
        return _mask_secret(value)
    if entity == "CREDIT_CARD":
        return _mask_card(value)
    if entity == "EMAIL_ADDRESS":
        return _mask_email(value)
    if entity == "US_SSN":
        return _mask_ssn(value)
    if entity == "IBAN_CODE":
        return _mask_iban(value)
    return _mask_generic(value.strip())


def key_from_env_value(s: str) -> bytes:
    """The HMAC key from a configured string: hex (even length, >= 32 digits) decoded, anything else UTF-8."""
    text = s.strip()
    if not text:
        raise ConfigError("the HMAC key is empty")
    if len(text) >= _MIN_HEX_KEY_CHARS and len(text) % 2 == 0 and all(c in _HEX for c in text):
        return bytes.fromhex(text)
    return text.encode()


def load_or_create_key(path: str | os.PathLike[str]) -> bytes:
    """Read the 32-byte key at ``path``, or create it (mode 0600) from ``secrets.token_bytes(32)``.

    Creation is race-free: the key is written to a private temporary file and then hard-linked into place,
    which fails if another process got there first; the loser then reads the winner's key. Readers therefore
    never see a half-written file.
    """
    p = Path(path)
    key = _read_key(p, wait_s=2.0)
    if key is not None:
        return key
    p.parent.mkdir(parents=True, exist_ok=True)
    candidate = secrets.token_bytes(KEY_BYTES)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.write(fd, candidate)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, p)
        except FileExistsError:
            pass  # another process won the race: use its key
        except OSError:
            # No hard links on this file system: fall back to an exclusive create of the final name.
            _create_exclusive(p, candidate)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    key = _read_key(p, wait_s=2.0)
    if key is None:
        raise ClassificationError(f"HMAC key file {p} could not be created")
    return key


def _create_exclusive(p: Path, key: bytes) -> None:
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_key(p: Path, wait_s: float = 0.0) -> bytes | None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            return None
        if len(data) == KEY_BYTES:
            break
        # Only the no-hard-link fallback can expose a file still being written: give its writer a moment.
        if time.monotonic() >= deadline:
            raise ClassificationError(
                f"HMAC key file {p} must hold exactly {KEY_BYTES} bytes (it has {len(data)})"
            )
        time.sleep(0.01)
    mode = stat.S_IMODE(p.stat().st_mode)
    if mode & 0o077:
        logger.warning("HMAC key file %s is readable by other users (mode %o); it should be 0600", p, mode)
    return data
