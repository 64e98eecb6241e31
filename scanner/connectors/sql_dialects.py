"""What the SQL connector sends, per dialect: catalog queries, change markers, session set-up and the sample.

Every statement is a SQLAlchemy construct. Identifiers read from the catalog (which may hold quotes, brackets,
dots, semicolons or worse) are data: each one is wrapped in ``quoted_name(..., quote=True)`` (:func:`ident`), so
the dialect always quotes it whole and escapes its quote character, and a schema is never handed to a dialect as
a plain string that it may split (SQLAlchemy's SQL Server dialect reads ``a.b`` or ``x].[y`` in a schema as
``database.owner`` and writes the pieces out unquoted). Names compared with the catalog are bound values. The only
raw SQL strings are the fixed session set-up statements, whose one variable part is a number we computed.

The connector executes these either through SQLAlchemy's async engines (asyncpg, aiomysql/asyncmy, aiosqlite)
or, for ODBC, compiled with :func:`compile_sql` and sent through aioodbc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    Text,
    Unicode,
    and_,
    bindparam,
    case,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    not_,
    select,
    table,
    tablesample,
    true,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement, quoted_name
from sqlalchemy.sql.selectable import FromClause, TableClause


def ident(name: str) -> quoted_name:
    """An identifier from the catalog, always quoted whole by the dialect (never split, never case-folded)."""
    return quoted_name(name, quote=True)


def _name_bind(key: str, value: str) -> Any:
    # Unicode: SQL Server then renders N'...' on the ODBC path, so a non-ASCII name still matches the catalog.
    return bindparam(key, value, type_=Unicode)


def _needs_quotes(part: str) -> bool:
    return part == "" or "." in part or '"' in part


def object_name(schema: str, name: str) -> str:
    """The object name of a table: ``schema.table``, a part double-quoted (``"`` doubled) when it is empty or
    holds a dot or a quote, so two tables never share a name (``"x.y".t`` and ``x."y.t"``)."""
    return ".".join('"' + p.replace('"', '""') + '"' if _needs_quotes(p) else p for p in (schema, name))


def split_object_name(path: str) -> tuple[str, str] | None:
    """:func:`object_name` read back into (schema, table); None when ``path`` is not such a name."""
    parts: list[str] = []
    i, n = 0, len(path)
    while True:
        if path.startswith('"', i):
            chunk: list[str] = []
            i += 1
            while True:
                j = path.find('"', i)
                if j < 0:
                    return None
                chunk.append(path[i:j])
                if not path.startswith('""', j):
                    break
                chunk.append('"')
                i = j + 2
            parts.append("".join(chunk))
            i = j + 1
        else:
            j = path.find(".", i)
            j = n if j < 0 else j
            parts.append(path[i:j])
            i = j
        if i >= n:
            break
        if path[i] != "." or len(parts) == 2:
            return None
        i += 1
    # Only the one spelling object_name() writes is accepted, so names and tables map one to one.
    if len(parts) != 2 or object_name(parts[0], parts[1]) != path:
        return None
    return parts[0], parts[1]


@dataclass(frozen=True, slots=True)
class TableRef:
    """One table or view found in the catalog."""

    schema: str
    name: str
    is_view: bool = False

    @property
    def path(self) -> str:
        """Its object name (:func:`object_name`): unambiguous, and plain ``schema.table`` for ordinary names."""
        return object_name(self.schema, self.name)

    @property
    def plain(self) -> str:
        """``schema.table`` as written by people (for globs); not unique when names hold dots."""
        return f"{self.schema}.{self.name}"


def sql_table(ref: TableRef, *columns: str) -> TableClause:
    """The table (and the columns we name) as a FROM clause, every identifier quoted by us."""
    if not ref.schema:
        # No database allows one, and SQLAlchemy would drop it and read the default schema's table instead.
        raise ValueError("empty schema name")
    return table(ident(ref.name), *[column(ident(c)) for c in columns], schema=ident(ref.schema))


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """One column: declared type, how we read it (``category``; None = not read) and its primary-key position."""

    name: str
    type: str
    category: str | None
    pk_pos: int = 0


_TEXT = frozenset({
    "char", "character", "varchar", "character varying", "text", "nchar", "nvarchar", "ntext", "tinytext",
    "mediumtext", "longtext", "citext", "clob", "nclob", "json", "jsonb", "xml", "enum", "set", "string",
    "bpchar", "name", "sysname", "national character", "national character varying", "varchar2", "nvarchar2",
})
# Types wide enough for a 9+ digit identifier written as a bare number (SSN, card, account, phone).
_INTEGER = frozenset({"int", "integer", "int4", "bigint", "int8"})
_DECIMAL = frozenset({"numeric", "decimal", "number", "dec"})
_BINARY = frozenset({"bytea", "blob", "tinyblob", "mediumblob", "longblob", "binary", "varbinary", "image",
                     "raw", "long raw"})


def categorize(dialect: str, declared: str) -> str | None:
    """``text``, ``integer``, ``decimal``, ``binary`` or None (dates, floats, booleans, uuids ... are not read)."""
    t = declared.strip().lower()
    if dialect == "sqlite":
        # SQLite's own affinity rules (https://sqlite.org/datatype3.html#determination_of_column_affinity),
        # except that an undeclared type is read as text: such columns usually hold text.
        if "int" in t:
            return "integer"
        if any(k in t for k in ("char", "clob", "text")):
            return "text"
        if "blob" in t:
            return "binary"
        if t == "":
            return "text"
        if any(k in t for k in ("real", "floa", "doub")):
            return None
        return "decimal"
    base = t.split("(")[0].strip()
    if base.endswith(" unsigned"):
        base = base[: -len(" unsigned")]
    if base in _TEXT:
        return "text"
    if base in _INTEGER:
        return "integer"
    if base in _DECIMAL:
        return "decimal"
    if base in _BINARY:
        return "binary"
    return None


def compile_sql(stmt: Any, dialect: Dialect) -> str:
    """A statement as the SQL text the dialect sends (bound values rendered as literals, as ODBC needs here)."""
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True, "render_postcompile": True}))


class SqlDialect:
    """The statements of one database family. Subclasses differ in catalog, markers, sampling and set-up."""

    name = "generic"
    system_schemas: tuple[str, ...] = ()
    random_fn = "random"
    upper_catalog = False       # information_schema spelled upper case (SQL Server's case-sensitive collations)
    supports_tablesample = False

    def __init__(self, sa_dialect: Dialect):
        self.sa = sa_dialect

    # ------------------------------------------------------------------------------------------------ catalog

    def _is(self, name: str, *cols: str) -> FromClause:
        up = self.upper_catalog
        return table(name.upper() if up else name, *[column(c.upper() if up else c) for c in cols],
                     schema="INFORMATION_SCHEMA" if up else "information_schema")

    def _c(self, t: FromClause, name: str) -> Any:
        return t.c[name.upper() if self.upper_catalog else name]

    def list_tables(self) -> Select[Any]:
        """(schema, table, table_type) of every table and view outside the system schemas."""
        t = self._is("tables", "table_schema", "table_name", "table_type")
        return (select(self._c(t, "table_schema"), self._c(t, "table_name"), self._c(t, "table_type"))
                .where(not_(self._c(t, "table_schema").in_(self.system_schemas)))
                .order_by(self._c(t, "table_schema"), self._c(t, "table_name")))

    def _columns_table(self) -> FromClause:
        return self._is("columns", "table_schema", "table_name", "column_name", "data_type", "ordinal_position")

    def list_columns(self) -> Select[Any]:
        """(schema, table, column, declared type, position) of every column outside the system schemas."""
        t = self._columns_table()
        return (select(self._c(t, "table_schema"), self._c(t, "table_name"), self._c(t, "column_name"),
                       self._type_expr(t), self._c(t, "ordinal_position"))
                .where(not_(self._c(t, "table_schema").in_(self.system_schemas)))
                .order_by(self._c(t, "table_schema"), self._c(t, "table_name"), self._c(t, "ordinal_position")))

    def _type_expr(self, t: FromClause) -> Any:
        return self._c(t, "data_type")

    def table_columns(self, ref: TableRef) -> Select[Any]:
        """(column, declared type, position) of one table."""
        t = self._columns_table()
        return (select(self._c(t, "column_name"), self._type_expr(t), self._c(t, "ordinal_position"))
                .where(self._c(t, "table_schema") == _name_bind("schema", ref.schema),
                       self._c(t, "table_name") == _name_bind("table", ref.name))
                .order_by(self._c(t, "ordinal_position")))

    def primary_key(self, ref: TableRef) -> Select[Any]:
        """(column, position in key) of one table's primary key."""
        tc = self._is("table_constraints", "constraint_schema", "constraint_name", "table_schema", "table_name",
                      "constraint_type")
        k = self._is("key_column_usage", "constraint_schema", "constraint_name", "table_schema", "table_name",
                     "column_name", "ordinal_position")
        return (select(self._c(k, "column_name"), self._c(k, "ordinal_position"))
                .select_from(k.join(tc, and_(self._c(k, "constraint_schema") == self._c(tc, "constraint_schema"),
                                             self._c(k, "constraint_name") == self._c(tc, "constraint_name"),
                                             self._c(k, "table_schema") == self._c(tc, "table_schema"),
                                             self._c(k, "table_name") == self._c(tc, "table_name"))))
                .where(self._c(tc, "constraint_type") == "PRIMARY KEY",
                       self._c(tc, "table_schema") == _name_bind("schema", ref.schema),
                       self._c(tc, "table_name") == _name_bind("table", ref.name))
                .order_by(self._c(k, "ordinal_position")))

    # ------------------------------------------------------------------------------------------------ markers

    def table_stats(self) -> Select[Any] | None:
        """(schema, table, estimated rows, change marker) for every table in one query, or None."""
        return None

    def count_rows(self, ref: TableRef) -> Select[Any]:
        """The exact row count of one table (the marker of last resort)."""
        return select(func.count()).select_from(sql_table(ref))

    def extra_markers(self, ref: TableRef, cols: list[ColumnInfo]) -> list[Select[Any]]:
        """Further per-table marker queries (SQL Server: the max rowversion)."""
        return []

    # ------------------------------------------------------------------------------------------------ reading

    def value_expr(self, c: ColumnElement[Any], category: str, max_chars: int) -> ColumnElement[Any]:
        """The column as read: text cut to ``max_chars`` by the server, numbers as they are."""
        if category in ("text", "binary"):
            return func.substr(c, 1, max_chars)
        return c

    def sample(self, ref: TableRef, cols: list[ColumnInfo], key_cols: list[str], n: int, sampling: str,
               est_rows: int, max_chars: int) -> Select[Any]:
        """The sampling query: ``n`` rows (0 = all), the first ones or random ones, of the selected columns.

        Random sampling on a table much larger than the sample uses the dialect's block sampling
        (``TABLESAMPLE SYSTEM``) first, so only a bounded part of the table is sorted by the random order.
        """
        t = sql_table(ref, *[c.name for c in cols], *key_cols)
        src: FromClause = t
        if n and sampling == "random" and self.supports_tablesample and est_rows > 4 * n:
            # Ask for about four times the sample so block clustering rarely leaves us short.
            pct = min(100.0, math.ceil(4 * n * 100_000 / est_rows) / 1000)
            src = tablesample(t, self._sample_pct(pct), name="s")
        exprs = [self.value_expr(src.c[c.name], c.category or "text", max_chars).label(f"__c_{i}")
                 for i, c in enumerate(cols)]
        exprs += [src.c[k].label(f"__key_{i}") for i, k in enumerate(key_cols)]
        stmt = select(*exprs).select_from(src)
        if n:
            if sampling == "random":
                stmt = stmt.order_by(getattr(func, self.random_fn)())
            stmt = stmt.limit(n)
        return stmt

    def _sample_pct(self, pct: float) -> Any:
        return pct

    def session_setup(self, timeout_s: float, flavor: str = "") -> list[str]:
        """Statements run at the start of every session: read only, bounded time."""
        return []

    # ------------------------------------------------------------------------------------------------ exposure

    def table_readers(self, ref: TableRef) -> Select[Any] | None:
        """(grantee, how, note) rows of who may SELECT one table, or None where the database has no grants
        (SQLite: the file's mode decides). ``how`` is read by :meth:`reader_kind`; ``note`` is true where
        row-level security narrows what each reader sees."""
        return None

    def reader_kind(self, grantee: str, how: str) -> str:
        """``public`` (anyone), ``admin`` (owner, superuser) or ``role`` for one row of :meth:`table_readers`."""
        return how if how in ("public", "admin") else "role"


class PostgresDialect(SqlDialect):
    """PostgreSQL: information_schema, ``pg_stat_user_tables`` counters, ``TABLESAMPLE SYSTEM``."""

    name = "postgresql"
    system_schemas = ("pg_catalog", "information_schema", "pg_toast")
    supports_tablesample = True

    def _columns_table(self) -> FromClause:
        return self._is("columns", "table_schema", "table_name", "column_name", "data_type", "ordinal_position",
                        "udt_name")

    def _type_expr(self, t: FromClause) -> Any:
        # Extensions' types (citext) are USER-DEFINED in data_type; their name is in udt_name.
        return func.coalesce(func.nullif(t.c.data_type, "USER-DEFINED"), t.c.udt_name)

    def primary_key(self, ref: TableRef) -> Select[Any]:
        # pg_catalog, not information_schema: table_constraints hides tables the user may only SELECT from.
        i = table("pg_index", column("indrelid"), column("indkey"), column("indisprimary"), schema="pg_catalog")
        a = table("pg_attribute", column("attrelid"), column("attnum"), column("attname"), schema="pg_catalog")
        rel = func.to_regclass(func.format("%I.%I", _name_bind("schema", ref.schema),
                                           _name_bind("table", ref.name)))
        return (select(a.c.attname, a.c.attnum)
                .select_from(i.join(a, and_(a.c.attrelid == i.c.indrelid, a.c.attnum == func.any(i.c.indkey))))
                .where(i.c.indisprimary, i.c.indrelid == rel)
                .order_by(a.c.attnum))

    def table_stats(self) -> Select[Any]:
        s = table("pg_stat_user_tables", column("schemaname"), column("relname"), column("n_live_tup"),
                  column("n_tup_ins"), column("n_tup_upd"), column("n_tup_del"), schema="pg_catalog")
        marker = func.concat_ws(":", s.c.n_tup_ins, s.c.n_tup_upd, s.c.n_tup_del)
        return select(s.c.schemaname, s.c.relname, s.c.n_live_tup, marker)

    def table_readers(self, ref: TableRef) -> Select[Any]:
        # Effective privileges, not the ACL as written: has_any_column_privilege follows role membership and
        # column grants, and ``public`` asks for the PUBLIC pseudo-role. A role must also reach the schema (USAGE).
        # pg_* predefined roles (pg_read_all_data ...) are administrators' tools and are left out.
        r = table("pg_roles", column("oid"), column("rolname"), column("rolsuper"), schema="pg_catalog")
        c = table("pg_class", column("oid"), column("relowner"), column("relnamespace"), column("relrowsecurity"),
                  schema="pg_catalog")
        rel = func.to_regclass(func.format("%I.%I", _name_bind("schema", ref.schema), _name_bind("table", ref.name)))
        rls = func.coalesce(c.c.relrowsecurity, false())
        roles = (select(r.c.rolname, case((r.c.rolsuper | (r.c.oid == c.c.relowner), "admin"), else_="role"), rls)
                 .select_from(r.join(c, true()))
                 .where(c.c.oid == rel, func.left(r.c.rolname, 3) != "pg_",
                        func.has_any_column_privilege(r.c.oid, c.c.oid, "SELECT"),
                        func.has_schema_privilege(r.c.oid, c.c.relnamespace, "USAGE")))
        public = (select(literal("PUBLIC"), literal("public"), rls)
                  .where(c.c.oid == rel, func.has_any_column_privilege("public", c.c.oid, "SELECT"),
                         func.has_schema_privilege("public", c.c.relnamespace, "USAGE")))
        return union_all(public, roles)  # type: ignore[return-value]

    def value_expr(self, c: ColumnElement[Any], category: str, max_chars: int) -> ColumnElement[Any]:
        if category == "text":
            return func.substr(cast(c, Text), 1, max_chars)  # json, xml, enums ... as text
        if category == "binary":
            return func.substr(c, 1, max_chars)
        return c

    def session_setup(self, timeout_s: float, flavor: str = "") -> list[str]:
        # Only for the ODBC path: asyncpg gets the same settings as server_settings when it connects.
        ms = max(1, int(timeout_s * 1000))
        # standard_conforming_strings: the literals compile_sql() renders never treat a backslash as an escape.
        return ["SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", f"SET statement_timeout = {ms}",
                f"SET lock_timeout = {ms}", "SET standard_conforming_strings = on"]


class MysqlDialect(SqlDialect):
    """MySQL and MariaDB: information_schema (with its estimates and UPDATE_TIME), ``ORDER BY RAND()``."""

    name = "mysql"
    system_schemas = ("mysql", "information_schema", "performance_schema", "sys")
    random_fn = "rand"

    def primary_key(self, ref: TableRef) -> Select[Any]:
        # COLUMNS.COLUMN_KEY, not TABLE_CONSTRAINTS: MariaDB hides constraints from a SELECT-only login.
        t = self._is("columns", "table_schema", "table_name", "column_name", "column_key", "ordinal_position")
        return (select(t.c.column_name, t.c.ordinal_position)
                .where(t.c.table_schema == _name_bind("schema", ref.schema),
                       t.c.table_name == _name_bind("table", ref.name), t.c.column_key == "PRI")
                .order_by(t.c.ordinal_position))

    def table_stats(self) -> Select[Any]:
        t = self._is("tables", "table_schema", "table_name", "table_rows", "data_length", "update_time",
                     "auto_increment", "table_type")
        marker = func.concat_ws(":", func.coalesce(t.c.table_rows, 0), func.coalesce(t.c.data_length, 0),
                                func.coalesce(t.c.update_time, ""), func.coalesce(t.c.auto_increment, 0))
        return (select(t.c.table_schema, t.c.table_name, func.coalesce(t.c.table_rows, 0), marker)
                .where(not_(t.c.table_schema.in_(self.system_schemas)), t.c.table_type == "BASE TABLE"))

    def value_expr(self, c: ColumnElement[Any], category: str, max_chars: int) -> ColumnElement[Any]:
        if category in ("text", "binary"):
            return func.substring(c, 1, max_chars)
        return c

    def table_readers(self, ref: TableRef) -> Select[Any]:
        # Grants at table, database and global level. information_schema shows other accounts' grants only to an
        # account that may read the mysql schema: a SELECT-only login sees its own (the caller notes it).
        tp = self._is("table_privileges", "grantee", "table_schema", "table_name", "privilege_type")
        sp = self._is("schema_privileges", "grantee", "table_schema", "privilege_type")
        up = self._is("user_privileges", "grantee", "privilege_type")
        return union_all(  # type: ignore[return-value]
            select(tp.c.grantee, literal("table"), literal(None))
            .where(tp.c.table_schema == _name_bind("schema", ref.schema),
                   tp.c.table_name == _name_bind("table", ref.name), tp.c.privilege_type == "SELECT"),
            select(sp.c.grantee, literal("database"), literal(None))
            .where(sp.c.table_schema == _name_bind("schema2", ref.schema), sp.c.privilege_type == "SELECT"),
            select(up.c.grantee, literal("global"), literal(None)).where(up.c.privilege_type == "SELECT"))

    def reader_kind(self, grantee: str, how: str) -> str:
        if grantee.startswith("''@"):
            return "public"  # the anonymous account: anyone who can reach the server
        return "admin" if how == "global" else "role"

    def session_setup(self, timeout_s: float, flavor: str = "") -> list[str]:
        out = ["SET SESSION TRANSACTION READ ONLY"]
        if flavor == "mariadb":
            out.append(f"SET SESSION max_statement_time = {max(0.001, timeout_s):.3f}")
        else:
            out.append(f"SET SESSION max_execution_time = {max(1, int(timeout_s * 1000))}")
        return out


class SqliteDialect(SqlDialect):
    """SQLite: ``sqlite_master`` and ``pragma_table_info``; the marker is the row count."""

    name = "sqlite"

    def list_tables(self) -> Select[Any]:
        m = table("sqlite_master", column("name"), column("type"))
        return (select(literal("main"), m.c.name, m.c.type)
                .where(m.c.type.in_(("table", "view")), not_(m.c.name.like("sqlite\\_%", escape="\\")))
                .order_by(m.c.name))

    def list_columns(self) -> Select[Any]:
        m = table("sqlite_master", column("name"), column("type"))
        p = func.pragma_table_info(m.c.name).table_valued("name", "type", "cid")
        return (select(literal("main"), m.c.name, p.c.name, p.c.type, p.c.cid + 1)
                .select_from(m).join(p, literal_column("1") == 1)
                .where(m.c.type.in_(("table", "view")), not_(m.c.name.like("sqlite\\_%", escape="\\")))
                .order_by(m.c.name, p.c.cid))

    def table_columns(self, ref: TableRef) -> Select[Any]:
        p = func.pragma_table_info(_name_bind("table", ref.name)).table_valued("name", "type", "cid")
        return select(p.c.name, p.c.type, p.c.cid + 1).order_by(p.c.cid)

    def primary_key(self, ref: TableRef) -> Select[Any]:
        p = func.pragma_table_info(_name_bind("table", ref.name)).table_valued("name", "pk")
        return select(p.c.name, p.c.pk).where(p.c.pk > 0).order_by(p.c.pk)

    def session_setup(self, timeout_s: float, flavor: str = "") -> list[str]:
        return ["PRAGMA query_only = ON"]


class MssqlDialect(SqlDialect):
    """SQL Server: INFORMATION_SCHEMA, ``sys.partitions`` row counts, ``sys.dm_db_index_usage_stats`` last update
    (when VIEW SERVER STATE allows it), ``MAX(rowversion)``; ``TOP n``, ``TABLESAMPLE SYSTEM (p PERCENT)``,
    ``ORDER BY NEWID()``."""

    name = "mssql"
    system_schemas = ("sys", "INFORMATION_SCHEMA")
    random_fn = "newid"
    upper_catalog = True
    supports_tablesample = True

    def table_stats(self) -> Select[Any]:
        p = table("partitions", column("object_id"), column("index_id"), column("rows", Integer), schema="sys")
        o = table("objects", column("object_id"), column("schema_id"), column("name"), column("type"),
                  column("modify_date"), schema="sys")
        s = table("schemas", column("schema_id"), column("name"), schema="sys")
        rows = func.sum(p.c.rows)
        # modify_date changes with the table's definition, not its data; the data marker comes from
        # usage_stats() or the rowversion, and the row count.
        marker = func.concat(cast(rows, String), ":", func.convert(literal_column("VARCHAR(33)"),
                                                                   func.max(o.c.modify_date), 126))
        return (select(s.c.name, o.c.name, rows, marker)
                .select_from(p.join(o, o.c.object_id == p.c.object_id).join(s, s.c.schema_id == o.c.schema_id))
                .where(p.c.index_id.in_((0, 1)), o.c.type == "U")
                .group_by(s.c.name, o.c.name))

    def usage_stats(self) -> Select[Any]:
        """(schema, table, last user update) from the index usage DMV; needs VIEW SERVER STATE."""
        u = table("dm_db_index_usage_stats", column("database_id"), column("object_id"), column("last_user_update"),
                  schema="sys")
        o = table("objects", column("object_id"), column("schema_id"), column("name"), column("type"),
                  schema="sys")
        s = table("schemas", column("schema_id"), column("name"), schema="sys")
        return (select(s.c.name, o.c.name, func.convert(literal_column("VARCHAR(33)"),
                                                        func.max(u.c.last_user_update), 126))
                .select_from(u.join(o, o.c.object_id == u.c.object_id).join(s, s.c.schema_id == o.c.schema_id))
                .where(u.c.database_id == func.db_id(), o.c.type == "U")
                .group_by(s.c.name, o.c.name))

    def table_readers(self, ref: TableRef) -> Select[Any]:
        # SELECT (or CONTROL) granted on the table, its schema or the whole database, and the members of the fixed
        # roles that read everything (db_datareader; db_owner administers). Denials are not subtracted: this errs
        # towards more exposure, never less.
        p = table("database_permissions", column("grantee_principal_id"), column("permission_name"),
                  column("state"), column("class"), column("major_id"), schema="sys")
        pr = table("database_principals", column("principal_id"), column("name"), schema="sys")
        rm = table("database_role_members", column("role_principal_id"), column("member_principal_id"), schema="sys")
        role = pr.alias("r")
        member = pr.alias("m")
        qualified = func.concat(func.quotename(_name_bind("schema", ref.schema)), ".",
                                func.quotename(_name_bind("table", ref.name)))
        on_object = and_(p.c["class"] == 1, p.c.major_id == func.object_id(qualified))
        on_schema = and_(p.c["class"] == 3, p.c.major_id == func.schema_id(_name_bind("schema2", ref.schema)))
        grants = (select(pr.c.name, literal("grant"), literal(None))
                  .select_from(p.join(pr, pr.c.principal_id == p.c.grantee_principal_id))
                  .where(p.c.permission_name.in_(("SELECT", "CONTROL")), p.c.state.in_(("G", "W")),
                         on_object | on_schema | (p.c["class"] == 0)))
        members = (select(member.c.name, role.c.name, literal(None))
                   .select_from(rm.join(role, role.c.principal_id == rm.c.role_principal_id)
                                .join(member, member.c.principal_id == rm.c.member_principal_id))
                   .where(role.c.name.in_(("db_datareader", "db_owner"))))
        return union_all(grants, members)  # type: ignore[return-value]

    def reader_kind(self, grantee: str, how: str) -> str:
        if grantee.lower() in ("public", "guest"):
            return "public"  # every user of the database (public), or any login at all (guest)
        return "admin" if how == "db_owner" or grantee.lower() == "dbo" else "role"

    def extra_markers(self, ref: TableRef, cols: list[ColumnInfo]) -> list[Select[Any]]:
        # rowversion columns appear as "timestamp" in INFORMATION_SCHEMA: every write bumps them.
        rv = [c.name for c in cols if c.type.lower() in ("timestamp", "rowversion")]
        if not rv:
            return []
        t = sql_table(ref, rv[0])
        return [select(func.convert(literal_column("VARCHAR(20)"), func.max(t.c[rv[0]]), 1))]

    def value_expr(self, c: ColumnElement[Any], category: str, max_chars: int) -> ColumnElement[Any]:
        if category == "text":
            # CONVERT first: SUBSTRING does not take xml, and ntext/text are deprecated large types.
            return func.substring(func.convert(literal_column("NVARCHAR(MAX)"), c), 1, max_chars)
        if category == "binary":
            return func.substring(func.convert(literal_column("VARBINARY(MAX)"), c), 1, max_chars)
        return c

    def _sample_pct(self, pct: float) -> Any:
        # T-SQL: TABLESAMPLE SYSTEM (p PERCENT); p is a number we computed, never user text.
        return func.system(literal_column(f"{pct:g} PERCENT"))

    def session_setup(self, timeout_s: float, flavor: str = "") -> list[str]:
        # SQL Server has no read-only transaction: the login should only hold db_datareader, and we only
        # SELECT. LOCK_TIMEOUT keeps us from queueing behind writers; the query timeout is set on the ODBC
        # connection (SQL_ATTR_QUERY_TIMEOUT).
        return ["SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
                f"SET LOCK_TIMEOUT {max(1, int(timeout_s * 1000))}"]


def dialect_for(backend: str) -> type[SqlDialect]:
    """The statement family for a URL backend name."""
    return {"postgresql": PostgresDialect, "mysql": MysqlDialect, "mariadb": MysqlDialect,
            "sqlite": SqliteDialect, "mssql": MssqlDialect}[backend]
