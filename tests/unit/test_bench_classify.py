"""The classify benchmark's scoring: precision and recall by span against a corpus manifest, and its slices."""

from benchmarks.bench_classify import differing, make_slice, planted_spans, score
from benchmarks.corpus import Manifest, Planted

TEXT = ("id,email,card\n"
        "1,ann@x.com,4111111111111111\n"
        "2,bob@x.com,\n"
        "3,cy@x.com,cc: cy@x.com\n")


def manifest() -> Manifest:
    return Manifest(seed=None, files=1, total_bytes=len(TEXT), planted=[
        Planted("f.csv", "EMAIL_ADDRESS", "ann@x.com", 2),
        Planted("f.csv", "CREDIT_CARD", "4111111111111111", 2),
        Planted("f.csv", "EMAIL_ADDRESS", "bob@x.com", 3),
        Planted("f.csv", "EMAIL_ADDRESS", "cy@x.com", 4),
        Planted("f.csv", "EMAIL_ADDRESS", "cy@x.com", 4),  # the same value twice on a line: two places
    ])


def span(value: str, nth: int = 0) -> tuple[int, int]:
    pos = -1
    for _ in range(nth + 1):
        pos = TEXT.index(value, pos + 1)
    return pos, pos + len(value)


def test_planted_values_get_their_own_places() -> None:
    spans = planted_spans({"f.csv": TEXT}, manifest())["f.csv"]
    assert spans == [("EMAIL_ADDRESS", *span("ann@x.com")), ("CREDIT_CARD", *span("4111111111111111")),
                     ("EMAIL_ADDRESS", *span("bob@x.com")), ("EMAIL_ADDRESS", *span("cy@x.com")),
                     ("EMAIL_ADDRESS", *span("cy@x.com", 1))]


def test_precision_and_recall_by_overlap_and_entity() -> None:
    planted = planted_spans({"f.csv": TEXT}, manifest())
    s, e = span("4111111111111111")
    found = {"f.csv": [
        ("EMAIL_ADDRESS", *span("ann@x.com"), 1.0),
        ("EMAIL_ADDRESS", *span("ann@x.com"), 0.9),       # the same span twice counts once
        ("CREDIT_CARD", s + 2, e - 2, 1.0),                # a partial overlap is a hit
        ("PHONE_NUMBER", s, e, 0.5),                       # the wrong entity on a planted span: a false positive
        ("EMAIL_ADDRESS", *span("cy@x.com", 1), 1.0),
        ("US_BANK_NUMBER", s, e, 0.5),                     # outside the scored entities: ignored
    ]}
    got = score(found, planted, None, ("EMAIL_ADDRESS", "CREDIT_CARD", "PHONE_NUMBER"))
    assert got["reported"] == 4 and got["planted"] == 5
    assert got["precision"] == 0.75
    assert got["recall"] == 0.6
    assert got["recall_per_entity"] == {"CREDIT_CARD": 1.0, "EMAIL_ADDRESS": 0.5}


def test_a_slice_scores_only_the_values_inside_it() -> None:
    planted = planted_spans({"f.csv": TEXT}, manifest())
    limits = {"f.csv": TEXT.index("2,bob")}  # the header and the first row
    found = {"f.csv": [("EMAIL_ADDRESS", *span("ann@x.com"), 1.0)]}
    got = score(found, planted, limits, ("EMAIL_ADDRESS", "CREDIT_CARD"))
    assert (got["precision"], got["recall"], got["planted"]) == (1.0, 0.5, 2)


def test_slice_takes_whole_files_then_cuts_at_a_line_end() -> None:
    files = [("a", "x" * 9 + "\n"), ("b", "one\ntwo\nthree\n"), ("c", "more\n")]
    assert make_slice(files, 0.5) == {"a": 10, "b": 4}
    assert make_slice(files, 1.0) == {"a": 10, "b": 14, "c": 5}


def test_differing_counts_findings_on_one_side_only() -> None:
    b = {"f": [["EMAIL_ADDRESS", 1, 5, 1.0], ["CREDIT_CARD", 7, 9, 1.0]]}
    c = {"f": [["EMAIL_ADDRESS", 1, 5, 1.0], ["CREDIT_CARD", 7, 9, 0.9]], "g": [["IP_ADDRESS", 0, 7, 0.6]]}
    assert differing(b, b) == 0
    assert differing(b, c) == 3
