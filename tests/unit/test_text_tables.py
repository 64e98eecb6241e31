"""Tables written in running text (:class:`scanner.runtime.columns.TextTables`): which header words hold for a
value, and what is not a table."""

from __future__ import annotations

import pytest

from scanner.runtime.columns import TextTables


def _words(text: str, needle: str) -> tuple[str, ...]:
    return TextTables(text).words_at(text.index(needle))


@pytest.mark.parametrize("text", [
    "Intro.\n| Name | Passport no. | Office |\n|---|:---:|---|\n| A B | x1 | L |\n"
    "| Richard King | 651466244 | Atlanta |\n",
    "Name\tPassport no.\tOffice\nA B\tx1\tL\nRichard King\t651466244\tAtlanta\n",
    "Name            Passport no.   Office\nA B             x1             L\nRichard King    651466244      Atlanta\n",
])
def test_a_cell_gets_its_column_header(text: str) -> None:
    assert _words(text, "651466244") == ("passport", "no")
    assert _words(text, "Atlanta") == ("office",)
    assert _words(text, "Richard") == ("name",)


def test_a_repeated_header_starts_the_next_table() -> None:
    text = "Name\tSSN\tOffice\nDavid\t546-00-1075\tDublin\nName\tPassport no.\tOffice\nPriya\t828895859\tAustin\n"
    assert _words(text, "546-00-1075") == ("ssn",)
    assert _words(text, "828895859") == ("passport", "no")


@pytest.mark.parametrize("text", [
    # columns not shown: single spaces (a PDF's text), one cell per line (a document's table)
    "It was agreed.\nName Phone Office\nMary Taylor 404-359-5358 Boston\nPriya Sanchez 2017618897 Chicago\n",
    "Checklist\n\nName\nPhone\nOffice\nSarah Kowalski\n1-204-472-3409\nSeattle\nPriya Sanchez\n2017618897\nChicago",
])
def test_values_under_label_lines_get_every_label(text: str) -> None:
    assert "phone" in _words(text, "2017618897")


def test_label_runs_stop_at_the_next_labels_and_at_prose() -> None:
    text = ("Name IBAN Office\nDonna HR84 0419 5858 6533 2439 7 Rotterdam\nName Passport no. Office\n"
            "Mary 470856655 Boston\nPlease submit the forecast for the Orchard project by Friday 12 May 2025.\n")
    assert _words(text, "470856655") == ("name", "passport", "no", "office")
    assert "iban" in _words(text, "HR84")
    assert _words(text, "Orchard") == ()


@pytest.mark.parametrize("text", [
    "A sentence.  Another one after two spaces, as some type.\nAnd a third line 4043595358 of prose here.\n",
    "Prose with one | pipe 4043595358\n",
    "Call me.\n4043595358\n",
])
def test_prose_is_no_table(text: str) -> None:
    assert _words(text, "4043595358") == ()


def test_fast_path_equals_whole_chunks_with_text_tables() -> None:
    """The exactness contract holds with a text's table headers as context (prefilter gates use them too)."""
    from scanner.classify.engine import Classifier
    from scanner.config import ClassificationConfig

    text = ("Minutes.\n| Name | Passport no. | Office |\n|---|---|---|\n| Richard King | 651466244 | Atlanta |\n\n"
            "Name\tSSN\tOffice\nAnthony Hall\t490210673\tMadrid\n\nName  Password  Office\n"
            "William Tanaka  L1s6%JvGZtVlXNNCU~ZBre  Madrid\n\nName\nPhone\nOffice\nPriya Sanchez\n2017618897\n"
            "Chicago\n\nInvoice 4043595358 and order 536221234 were paid.\n")
    cfg = ClassificationConfig(template=["pii", "secrets"])
    fast = Classifier(cfg, b"k" * 32).detect(text, TextTables(text))
    whole = Classifier(cfg, b"k" * 32, prefilter=False).detect(text, TextTables(text))
    assert [(d.entity, d.start, d.end, d.score) for d in fast] == [(d.entity, d.start, d.end, d.score) for d in whole]
    assert {d.entity for d in fast} == {"US_PASSPORT", "US_SSN", "GENERIC_SECRET", "PHONE_NUMBER"}
    assert not [d for d in fast if d.start >= text.index("Invoice")]
