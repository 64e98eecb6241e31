"""Names from a scanned database are data: every statement the SQL connector compiles, for every dialect, quotes
each hostile schema, table and column name whole (SQL Server included, which no server here can run: this is
where its statements are checked); table object names are unambiguous; row keys never show a value that could
be the data; a password holding ``@`` stays a password.

The executed half (PostgreSQL, MariaDB and SQLite running the statements) is tests/reliability/test_hostile_sql.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from scanner.classify.masking import value_hash
from scanner.connectors.sql_dialects import (
    ColumnInfo,
    TableRef,
    compile_sql,
    dialect_for,
    object_name,
    split_object_name,
)
from scanner.dburl import parse_url, redacted
from scanner.runtime.columns import ColumnVerdict, column_text, table_findings
from scanner.store.interface import normalise_url
from tests.integration.sql_servers import HOSTILE_NAMES, hostile_sql_dialects, read_sql

DIALECTS = hostile_sql_dialects()
KEY = b"k" * 32


def _statements(name: str, ref: TableRef, cols: list[ColumnInfo], key: str) -> list[tuple[bool, object]]:
    """(reads the table itself, statement): the catalog look-ups compare the names as values instead."""
    d = dialect_for(name)(DIALECTS[name])
    return [(False, d.table_columns(ref)), (False, d.primary_key(ref)), (True, d.count_rows(ref)),
            (True, d.sample(ref, cols, [key], 1000, "top", 10**6, 1024)),
            (True, d.sample(ref, cols, [key], 1000, "random", 10**8, 1024)),  # TABLESAMPLE where there is one
            (True, d.sample(ref, cols, [], 0, "top", 10, 1024)),
            *[(True, q) for q in d.extra_markers(ref, [*cols, ColumnInfo(key, "timestamp", None)])]]


def _check(dialect: str, stmt: object, names: set[str]) -> tuple[str, list[str], list[str]]:
    sql = compile_sql(stmt, DIALECTS[dialect])
    rest, idents, literals = read_sql(sql, dialect)
    # Outside quoted identifiers and literals nothing of a name is left: no statement separator, no comment.
    assert ";" not in rest and "--" not in rest and "/*" not in rest, sql
    assert not re.search(r"delete|drop|victim|evil|\bdb\b", rest, re.I), sql
    # Each identifier in the statement is one of ours, whole (never a piece of a split name).
    assert set(idents) <= names | {"INFORMATION_SCHEMA", "COLUMNS", "TABLE_CONSTRAINTS", "KEY_COLUMN_USAGE",
                                   "TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "ORDINAL_POSITION",
                                   "CONSTRAINT_SCHEMA", "CONSTRAINT_NAME", "CONSTRAINT_TYPE"}, (idents, sql)
    return rest, idents, literals


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_quoted_whole_in_every_statement(dialect, name):
    ref = TableRef(name, name)
    cols = [ColumnInfo(name, "nvarchar", "text"), ColumnInfo(name + "#2", "bigint", "integer")]
    names = {name, name + "#2", name + "#k"}
    for reads_table, stmt in _statements(dialect, ref, cols, name + "#k"):
        rest, idents, literals = _check(dialect, stmt, names)
        # The name is there, whole: as schema and table of the FROM clause, or as a value compared with the catalog.
        if reads_table:
            assert re.search(r"FROM\s+I\s*\.\s*I\b", rest) and idents.count(name) >= 2, (rest, idents)
        else:
            assert name in literals, (rest, literals)


def test_the_reviewed_sql_server_schema_reads_one_table():
    """The review's example: a sampling statement whose schema hid a DELETE, and a schema named like db.owner."""
    d = dialect_for("mssql")(DIALECTS["mssql"])
    cols = [ColumnInfo("email", "nvarchar", "text")]
    sql = compile_sql(d.sample(TableRef(HOSTILE_NAMES[0], "t"), cols, ["id"], 10, "top", 100, 1024), d.sa)
    assert sql.endswith("FROM ['), 1, 1) AS z; DELETE FROM dbo.victim; --.[a]].[b]].dbo].[t]")
    sql = compile_sql(d.count_rows(TableRef("evil.db", "t")), d.sa)
    assert sql.endswith("FROM [evil.db].[t]")


_NASTY = st.text(alphabet=st.sampled_from(list("ab.'\"`[]];;--/**%?$:\\ \n\tü名")), max_size=12)


@settings(max_examples=300, deadline=None)
@given(schema=_NASTY.filter(bool), name=_NASTY, col=_NASTY, dialect=st.sampled_from(sorted(DIALECTS)))
def test_property_any_name_is_one_identifier(schema, name, col, dialect):
    d = dialect_for(dialect)(DIALECTS[dialect])
    stmt = d.sample(TableRef(schema, name), [ColumnInfo(col, "text", "text")], [], 5, "top", 10, 64)
    rest, idents, _ = _check(dialect, stmt, {schema, name, col})
    assert idents[-2:] == [schema, name] and col in idents and re.search(r"FROM\s+I\s*\.\s*I", rest), rest


# ------------------------------------------------------------------------------------------------ object names

def test_two_tables_never_share_an_object_name():
    a, b = TableRef("x.y", "a'b"), TableRef("x", "y.a'b")
    assert a.plain == b.plain == "x.y.a'b"  # what both were called before
    assert a.path == "\"x.y\".a'b" and b.path == "x.\"y.a'b\""
    assert split_object_name(a.path) == ("x.y", "a'b") and split_object_name(b.path) == ("x", "y.a'b")
    assert TableRef("public", "customers").path == "public.customers"  # ordinary names are unchanged


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='ab."', max_size=6), st.text(alphabet='ab."', max_size=6),
       st.text(alphabet='ab."', max_size=6), st.text(alphabet='ab."', max_size=6))
def test_property_object_names_are_one_to_one(s1, t1, s2, t2):
    assert split_object_name(object_name(s1, t1)) == (s1, t1)
    if (s1, t1) != (s2, t2):
        assert object_name(s1, t1) != object_name(s2, t2)


# ------------------------------------------------------------------------------------------------ URLs

def test_an_at_sign_in_the_password_stays_in_the_password():
    url = parse_url("postgresql+asyncpg://scan:Winter@Secret@127.0.0.1:5432/hr")
    assert (url.username, url.password, url.host, url.port, url.database) == \
        ("scan", "Winter@Secret", "127.0.0.1", 5432, "hr")
    shown = redacted("postgresql+asyncpg://scan:Winter@Secret@127.0.0.1:5432/hr")
    assert "Winter" not in shown and "Secret" not in shown
    # An "@" after the host (in the query) is not part of the user; an escaped one keeps working.
    url = parse_url("mssql+aioodbc://u:p%40w@h/db?driver=X&app=a@b")
    assert (url.password, url.host, url.query["app"]) == ("p@w", "h", "a@b")
    # The store's URL, as given to --db: every later parse (engine, lock, messages) sees the same parts.
    store = make_url(normalise_url("postgresql://scan:Winter@Secret@db01:5432/datascan"))
    assert (store.drivername, store.password, store.host) == ("postgresql+asyncpg", "Winter@Secret", "db01")


# ------------------------------------------------------------------------------------------------ row keys

class _Det:
    """A detection as the classifier hands it to a column verdict."""

    def __init__(self, entity: str, start: int, value: str):
        self.entity, self.start, self.score = entity, start, 0.9
        self.masked, self.value_hash, self.value = "j***@example.com", value_hash(KEY, entity, value), None


def _verdict(name: str, keys: list[str], entity: str | None = "EMAIL_ADDRESS") -> ColumnVerdict:
    """A column whose every row holds ``entity`` (or nothing), rows named by ``keys``."""
    keys = keys or ["row=1"]
    values = [f"a{i}@example.com" for i in range(len(keys))]
    text, line_rows = column_text(values)
    dets = [_Det(entity, text.index(v), v) for v in values] if entity else []
    v = ColumnVerdict(name, "text", "text")
    v.add(values, keys, dets, text, line_rows)
    return v


def _keys(findings, entity="EMAIL_ADDRESS") -> str:
    (f,) = [f for f in findings if f.entity == entity]
    return f.location.split(";keys=", 1)[1]


def test_row_keys_that_could_be_the_data_are_hashed():
    # An SSN stored as the integer primary key: no rule finds bare 9-digit SSNs with confidence, yet it is one.
    ssn_keys = ["ssn=536904397", "ssn=102111001", "ssn=103121002"]
    out = table_findings("db", "main.people", [_verdict("email", ssn_keys), _verdict("ssn", [], None)],
                         ["EMAIL_ADDRESS", "US_SSN"], KEY, ["ssn"])
    shown = _keys(out)
    assert "536904397" not in shown and shown.startswith("ssn=#")
    # The same value under a harmless column name, but long enough to be one: hashed too.
    out = table_findings("db", "main.p", [_verdict("email", ["id=536904397"])], ["EMAIL_ADDRESS"], KEY, ["id"])
    assert "536904397" not in _keys(out)
    # Short integer keys of a column known to hold nothing are shown as they are (they name the row).
    out = table_findings("db", "main.p", [_verdict("email", ["id=17", "id=42"]), _verdict("id", [], None)],
                         ["EMAIL_ADDRESS"], KEY, ["id"])
    assert _keys(out) == "id=17|id=42"
    # A key column that holds an entity itself is never shown, however short its values.
    out = table_findings("db", "main.p", [_verdict("c", ["k=17"]), _verdict("k", ["k=17"], "PHONE_NUMBER")],
                         ["EMAIL_ADDRESS", "PHONE_NUMBER"], KEY, ["k"])
    assert _keys(out) == f"k=#{value_hash(KEY, 'ROW_KEY', '17')[:12]}"
    # Composite keys: each part on its own.
    out = table_findings("db", "main.p", [_verdict("email", ["a=1,b=123456789"])], ["EMAIL_ADDRESS"], KEY, ["a", "b"])
    assert _keys(out).startswith("a=1,b=#") and "123456789" not in _keys(out)
