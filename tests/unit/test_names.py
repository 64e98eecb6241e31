"""The stored form of outside names (lossless, plain text) and their terminal form (nothing that drives a terminal)."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from scanner.names import escape_name, printable, unescape_name

REPL = "\ufffd"


def test_a_non_utf8_posix_name_has_a_stated_stored_form():
    name = os.fsdecode(b"bad\xff\xfe.txt")  # what os.scandir gives: surrogateescape
    stored = escape_name(name)
    assert stored == f"bad{REPL}FF{REPL}FE.txt"
    stored.encode("utf-8")  # storable: no surrogate left
    assert os.fsencode(unescape_name(stored)) == b"bad\xff\xfe.txt"


def test_valid_names_are_stored_unchanged_and_a_literal_replacement_character_is_doubled():
    for name in ("plain.txt", "dir/sub/x.csv", "caf\u00e9 \u2603.docx", "100% [final].xlsx"):
        assert escape_name(name) == name
    assert escape_name(f"x{REPL}FF.txt") == f"x{REPL}{REPL}FF.txt"
    assert unescape_name(f"x{REPL}{REPL}FF.txt") == f"x{REPL}FF.txt"


def test_an_unpaired_utf16_surrogate_from_smb_round_trips():
    name = "a\ud800b"
    stored = escape_name(name)
    assert stored == f"a{REPL}uD800b"
    assert unescape_name(stored) == name


@given(st.lists(st.one_of(st.characters(), st.sampled_from(["\udcff", "\udc80", "\ud800", REPL, "/"]))))
def test_escaping_is_lossless_and_storable(chars):
    name = "".join(chars)
    stored = escape_name(name)
    stored.encode("utf-8")
    assert unescape_name(stored) == name


def test_printable_escapes_terminal_controls_and_bidi_overrides():
    shown = printable("\x1b[31mred\x1b[0m \u202etxt.exe\x07\x9b")
    assert shown == "\\x1b[31mred\\x1b[0m \\u202etxt.exe\\x07\\x9b"
    assert printable("caf\u00e9 [bold]x[/] \u2603") == "caf\u00e9 [bold]x[/] \u2603"
