"""Diff of two runs' findings: matched by datasource, object, entity and value hash, never by location."""

from __future__ import annotations

from scanner.report.diff import diff_findings
from scanner.report.triage import Suppressions, check_suppression
from scanner.store.interface import SuppressionInfo


def _f(obj: str, entity: str, h: str, loc: str = "line=1,col=1", ds: str = "ds") -> dict:
    return {"datasource": ds, "object": obj, "entity": entity, "value_hash": h, "location": loc, "masked": "*"}


def test_new_resolved_unchanged():
    old = [_f("a.txt", "CREDIT_CARD", "h1"), _f("b.txt", "EMAIL_ADDRESS", "h2"), _f("c.txt", "US_SSN", "h3")]
    new = [_f("a.txt", "CREDIT_CARD", "h1", loc="line=9,col=4"),  # moved down the file: the same finding
           _f("b.txt", "EMAIL_ADDRESS", "h9"),                     # another address in the same file: new
           _f("d.txt", "US_SSN", "h3"),                            # the same value in another file: new
           _f("c.txt", "US_SSN", "h3", ds="other")]                # same path, other datasource: new
    d = diff_findings(old, new, 1, 2)
    assert [(f["object"], f["value_hash"]) for f in d.unchanged] == [("a.txt", "h1")]
    assert sorted((f["datasource"], f["object"]) for f in d.new) == [("ds", "b.txt"), ("ds", "d.txt"),
                                                                     ("other", "c.txt")]
    assert sorted(f["object"] for f in d.resolved) == ["b.txt", "c.txt"]
    assert d.counts() == {"new": 3, "resolved": 2, "unchanged": 1}
    assert [r["change"] for r in d.rows()] == ["new"] * 3 + ["resolved"] * 2 + ["unchanged"]


def test_repeated_value_and_empty_sides():
    old = [_f("a.txt", "EMAIL_ADDRESS", "h1", loc=f"line={i},col=1") for i in range(3)]
    d = diff_findings(old, old[:1])
    assert d.counts() == {"new": 0, "resolved": 0, "unchanged": 1}
    assert diff_findings([], old).counts() == {"new": 3, "resolved": 0, "unchanged": 0}
    assert diff_findings(old, []).counts() == {"new": 0, "resolved": 3, "unchanged": 0}


def test_suppressions_match_hash_glob_entity_and_archive_members():
    rules = [SuppressionInfo(1, "hash", "h1", None, "public", 0.0),
             SuppressionInfo(2, "object", "fixtures/**", "EMAIL_ADDRESS", "test data", 0.0),
             SuppressionInfo(3, "object", "**/*.zip", None, "old archives", 0.0)]
    s = Suppressions(rules)
    assert s.match(_f("x/y.txt", "CREDIT_CARD", "h1", ds="any")).id == 1
    assert s.match(_f("fixtures/a/b.txt", "EMAIL_ADDRESS", "h2")).id == 2
    assert s.match(_f("fixtures/a/b.txt", "CREDIT_CARD", "h2")) is None  # the glob is for e-mail only
    assert s.match(_f("src/fixtures/b.txt", "EMAIL_ADDRESS", "h2")) is None  # anchored at the root
    assert s.match(_f("backup/old.zip!/inner/a.txt", "US_SSN", "h3")).id == 3
    assert s.match(_f("a.txt", "US_SSN", "h4")) is None


def test_suppress_requests_are_checked():
    assert check_suppression("AB" * 32, None, None, "why") == ("hash", "ab" * 32)
    assert check_suppression(None, " docs/** ", "EMAIL_ADDRESS", "why") == ("object", "docs/**")
    for args, msg in [((None, None, None, "r"), "exactly one"), (("ab" * 32, "x", None, "r"), "exactly one"),
                      (("ab" * 32, None, None, " "), "--reason"), (("4111111111111111zz", None, None, "r"), "--hash"),
                      ((None, "x", "email", "r"), "--entity")]:
        try:
            check_suppression(*args)
        except Exception as exc:  # noqa: BLE001 - the message is what is checked
            assert msg in str(exc)
        else:
            raise AssertionError(f"{args} accepted")
