"""Masks, normalisation, keyed hashes and the HMAC key file."""

from __future__ import annotations

import hashlib
import hmac
import logging
import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from scanner.classify.masking import key_from_env_value, load_or_create_key, mask, normalise, value_hash
from scanner.exceptions import ClassificationError, ConfigError

KEY = b"k" * 32


@pytest.mark.parametrize(("entity", "value", "expected"), [
    ("CREDIT_CARD", "4111111111111111", "411111******1111"),
    ("CREDIT_CARD", "4111 1111 1111 1111", "411111******1111"),
    ("CREDIT_CARD", "4111-1111-1111-1111", "411111******1111"),
    ("CREDIT_CARD", "378282246310005", "378282*****0005"),
    ("CREDIT_CARD", "4222222222222", "422222***2222"),        # 13 digits: still three hidden
    ("CREDIT_CARD", "1234567890", "******7890"),               # too short for a BIN and last four
    ("CREDIT_CARD", "12345678", "********"),
    ("EMAIL_ADDRESS", "john.doe@example.com", "j***@example.com"),
    ("EMAIL_ADDRESS", " a@b.org ", "a***@b.org"),
    ("US_SSN", "123-45-6789", "***-**-6789"),
    ("US_SSN", "123 45 6789", "***-**-6789"),
    ("US_SSN", "123456789", "***-**-6789"),
    ("IBAN_CODE", "DE89 3704 0044 0532 0130 00", "DE89**************3000"),
    ("IBAN_CODE", "gb82west12345698765432", "GB82**************5432"),
    ("PHONE_NUMBER", "212-555-0173", "2**********3"),
    ("US_PASSPORT", "C03005988", "C*******8"),
    ("IP_ADDRESS", "10.0.0.1", "1******1"),
    ("EMPLOYEE_ID", "EMP-1", "E***1"),
    ("EMPLOYEE_ID", "ABCD", "****"),
    ("EMPLOYEE_ID", "A", "*"),
])
def test_mask(entity: str, value: str, expected: str) -> None:
    assert mask(entity, value) == expected


@pytest.mark.parametrize(("entity", "value"), [
    ("CREDIT_CARD", "4111 1111 1111 1111"),
    ("US_SSN", "536-22-1234"),
    ("IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
    ("EMAIL_ADDRESS", "john.doe@example.com"),
    ("PHONE_NUMBER", "+44 20 7946 0958"),
    ("US_BANK_NUMBER", "000123456789"),
])
def test_mask_never_reveals_more_than_allowed(entity: str, value: str) -> None:
    masked = mask(entity, value)
    compact = normalise(entity, value)
    shown = sum(1 for ch in masked if ch.isalnum())
    limits = {"CREDIT_CARD": 10, "US_SSN": 4, "IBAN_CODE": 8, "PHONE_NUMBER": 2, "US_BANK_NUMBER": 2}
    if entity == "EMAIL_ADDRESS":
        assert masked.startswith(value[0] + "***@")
    else:
        assert shown <= limits[entity]
        assert compact not in masked


@pytest.mark.parametrize(("entity", "value", "expected"), [
    ("CREDIT_CARD", "4111-1111 1111.1111", "4111111111111111"),
    ("US_SSN", "536 22 1234", "536221234"),
    ("IBAN_CODE", "gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"),
    ("PHONE_NUMBER", "+1 (212) 555-0173", "12125550173"),
    ("US_BANK_NUMBER", "0001 2345 6789", "000123456789"),
    ("CREDIT_CARD", "４１１１ 1111 1111 1111", "4111111111111111"),  # full-width digits hash like ASCII
    ("EMAIL_ADDRESS", "  John.Doe@Example.COM ", "john.doe@example.com"),
    ("EMPLOYEE_ID", " EMP-123456 ", "EMP-123456"),
])
def test_normalise(entity: str, value: str, expected: str) -> None:
    assert normalise(entity, value) == expected


def test_value_hash_is_hmac_sha256_of_entity_and_normalised_value() -> None:
    expected = hmac.new(KEY, b"CREDIT_CARD:4111111111111111", hashlib.sha256).hexdigest()
    assert value_hash(KEY, "CREDIT_CARD", "4111 1111 1111 1111") == expected
    assert value_hash(KEY, "CREDIT_CARD", "4111-1111-1111-1111") == expected  # deterministic across formats
    assert len(expected) == 64


def test_value_hash_separates_keys_and_entities() -> None:
    h = value_hash(KEY, "US_BANK_NUMBER", "123456789")
    assert value_hash(b"other-key" * 4, "US_BANK_NUMBER", "123456789") != h
    assert value_hash(KEY, "US_PASSPORT", "123456789") != h
    assert value_hash(KEY, "US_BANK_NUMBER", "123456780") != h


def test_key_file_is_created_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "hmac.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key  # read back, not recreated
    assert [p.name for p in path.parent.iterdir()] == ["hmac.key"]  # no temporary file left behind


def test_key_file_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(src: object, dst: object) -> None:
        raise PermissionError("no hard links here")

    monkeypatch.setattr(os, "link", no_link)
    path = tmp_path / "hmac.key"
    key = load_or_create_key(path)
    assert path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_key_file_of_wrong_size(tmp_path: Path) -> None:
    path = tmp_path / "hmac.key"
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(ClassificationError, match="exactly 32 bytes"):
        load_or_create_key(path)


def test_key_file_readable_by_others_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "hmac.key"
    path.write_bytes(b"x" * 32)
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="scanner.classify.masking"):
        assert load_or_create_key(path) == b"x" * 32
    assert "0600" in caplog.text


def _race(paths: list[str], barrier: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue) -> None:
    keys = []
    for p in paths:
        barrier.wait()
        keys.append(load_or_create_key(p).hex())
    out.put(keys)


def test_concurrent_creation_yields_one_key(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    n_procs = 3
    paths = [str(tmp_path / f"key{i}") for i in range(5)]
    barrier = ctx.Barrier(n_procs)
    out = ctx.Queue()
    procs = [ctx.Process(target=_race, args=(paths, barrier, out)) for _ in range(n_procs)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for i, path in enumerate(paths):
        seen = {r[i] for r in results}
        assert seen == {Path(path).read_bytes().hex()}, f"{path}: processes disagree"
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(p).name for p in paths)


def test_key_from_env_value() -> None:
    hex_key = "00112233445566778899aabbccddeeff" * 2
    assert key_from_env_value(hex_key) == bytes.fromhex(hex_key)
    assert key_from_env_value(hex_key.upper() + "\n") == bytes.fromhex(hex_key)
    assert key_from_env_value("correct horse battery staple") == b"correct horse battery staple"
    assert key_from_env_value("deadbeef") == b"deadbeef"  # short hex is a passphrase, byte for byte
    assert key_from_env_value("é") == "é".encode()
    with pytest.raises(ConfigError, match="empty"):
        key_from_env_value("  ")


@pytest.mark.parametrize(("entity", "value", "expected"), [
    ("GITHUB_TOKEN", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "ghp_****"),
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AKIA****"),
    ("PRIVATE_KEY", "-----BEGIN RSA PRIVATE KEY-----", "----****"),
    ("GENERIC_SECRET", 'password = "Xk9mQ2vL7pW4zR"', "pass****"),
    ("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/XXXX", "http****"),
    ("GENERIC_SECRET", "pw=abc", "****"),                 # too short to show even a prefix
    ("MY_API_KEY", "k-1234567890abcdef", "k-12****"),      # named like a credential: masked like one
    ("DB_PASSWORD", "hunter2hunter2", "hunt****"),
])
def test_mask_secrets_keeps_at_most_a_4_character_prefix(entity: str, value: str, expected: str) -> None:
    masked = mask(entity, value)
    assert masked == expected
    assert len(masked.rstrip("*")) <= 4
