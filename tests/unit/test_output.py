"""The plain aligned columns of `jobs list` and `templates show`: one line per row whatever the output is."""

from __future__ import annotations

from scanner.output import aligned


def test_columns_line_up_with_wide_characters_and_numbers_right():
    lines = aligned([["id", "name", "findings"], ["7", "営業-share", "12"], ["10", "hr", "3"]], right={0, 2})
    assert lines == ["id  name        findings",
                     " 7  営業-share        12",
                     "10  hr                 3"]


def test_the_last_column_is_not_padded():
    assert aligned([["a", "long text"], ["bbb", "x"]]) == ["a    long text", "bbb  x"]
