"""PostgreSQL reader: a table (``contacts`` or ``crm.contacts``) or a query, every value as text.

Rows are streamed with ``COPY (SELECT ...) TO STDOUT (FORMAT csv, FORCE_QUOTE *)`` inside a
read-only transaction and parsed by Polars with no type inference, so values are PostgreSQL's
own text output (timestamps ``2024-01-02 03:04:05+00``, arrays ``{a,b}``, json as JSON text);
booleans are cast to ``true``/``false``. FORCE_QUOTE keeps NULL (unquoted) apart from the
empty string (``""``).

The DSN is a secret: it is never printed. Errors name host, port, database and user only,
and any libpq text is scrubbed of the password.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import TYPE_CHECKING, Any

from contactops.errors import SourceError
from contactops.sources.base import RawBatch, as_strings, frame_sha256

if TYPE_CHECKING:
    import polars as pl
    import psycopg

    from contactops.config.loader import Project
    from contactops.config.pipeline import PostgresSource
    from contactops.engine.warehouse import Warehouse

CONNECT_TIMEOUT = 10
_BOOL_OID = 16
_IDENT = re.compile(r'"((?:[^"]|"")+)"|([^".]+)')
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def read(source: PostgresSource, project: Project,
         warehouse: Warehouse | None = None) -> RawBatch:
    """Read ``source.table`` or the result of ``source.query`` from PostgreSQL."""
    import psycopg
    from psycopg import sql

    dsn = source.dsn.get_secret_value()
    where, password = _describe(dsn)
    options: dict[str, Any] = {}
    if "connect_timeout" not in dsn:
        options["connect_timeout"] = CONNECT_TIMEOUT
    try:
        conn = psycopg.connect(dsn, **options)
    except Exception as exc:  # OperationalError, or ProgrammingError for a malformed DSN
        raise SourceError(
            f"source '{source.name}': cannot connect to postgres {where}: "
            f"{_mask(_first_line(exc), password)}; check the server is running and the "
            "dsn (set through the environment) is right") from None
    try:
        conn.read_only = True
        with conn.transaction():
            if source.table is not None:
                relation = _relation(conn, source, where)
                inner: sql.Composable = sql.SQL("SELECT * FROM {}").format(relation)
                location = f"table {source.table} on postgres {where}"
            else:
                inner = sql.SQL(str(source.query).strip().rstrip(";"))  # type: ignore[arg-type]
                location = f"query on postgres {where}"
            frame, text = _copy(conn, inner, source, where, password)
    except psycopg.Error as exc:
        raise SourceError(f"source '{source.name}': reading from postgres {where} failed: "
                          f"{_mask(_first_line(exc), password)}") from None
    finally:
        conn.close()
    digest = hashlib.sha256(f"{frame_sha256(frame)}\n{text}".encode()).hexdigest()
    return RawBatch(frame=as_strings(frame), rejects=[], content_hash=digest,
                    location=location,
                    details={"format": "postgres", "server": where, "sql": text,
                             "records": frame.height, "columns": len(frame.columns)})


def _copy(conn: psycopg.Connection[Any], inner: Any, source: PostgresSource, where: str,
          password: str | None) -> tuple[pl.DataFrame, str]:
    import polars as pl
    import psycopg
    from psycopg import sql

    text = inner.as_string(conn)
    with conn.cursor() as cur:
        try:
            with conn.transaction():  # a savepoint: a bad query leaves the outer one usable
                cur.execute(sql.SQL("SELECT * FROM ({}) AS q LIMIT 0").format(inner))
        except psycopg.Error as exc:
            what = "'table:'" if source.table is not None else "'query:'"
            raise SourceError(f"source '{source.name}': query on postgres {where} failed: "
                              f"{_mask(_first_line(exc), password)}; fix {what}") from None
        described = [(d.name, d.type_code) for d in cur.description or []]
        names = [n for n, _ in described]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise SourceError(
                f"source '{source.name}': query on postgres {where} returns the column "
                f"name(s) {', '.join(duplicates)} more than once; give each column a unique "
                "alias (SELECT a.id AS account_id, ...)")
        # a constant last column: a row whose only value is NULL would be an empty line,
        # which a CSV parser skips
        columns = sql.SQL(", ").join([
            *(sql.SQL("q.{}::text").format(sql.Identifier(n)) if oid == _BOOL_OID
              else sql.SQL("q.{}").format(sql.Identifier(n)) for n, oid in described),
            sql.SQL("1")])
        buffer = io.BytesIO()
        copy_sql = sql.SQL(
            "COPY (SELECT {} FROM ({}) AS q) TO STDOUT (FORMAT csv, HEADER false, "
            "FORCE_QUOTE *, ENCODING 'UTF8')").format(columns, inner)
        with cur.copy(copy_sql) as copy:
            for block in copy:
                buffer.write(block)
    schema = {n: pl.Utf8 for n in names}
    if buffer.tell() == 0:
        return pl.DataFrame(schema=schema), text
    buffer.seek(0)
    read_schema = {f"column_{i}": pl.Utf8 for i in range(len(names) + 1)}
    frame = pl.read_csv(buffer, has_header=False, schema=read_schema, quote_char='"')
    frame = frame.select(frame.columns[:-1])
    frame.columns = names
    return frame, text


def _relation(conn: psycopg.Connection[Any], source: PostgresSource, where: str) -> Any:
    """A quoted ``schema.table`` that exists, or a SourceError listing the tables there."""
    import difflib

    from psycopg import sql

    table = str(source.table)
    parts = [quoted.replace('""', '"') if quoted else bare.strip()
             for quoted, bare in _IDENT.findall(table)]
    if not 1 <= len(parts) <= 2:
        raise SourceError(f"source '{source.name}': table '{table}' is not a table name; "
                          "write 'contacts' or 'schema.contacts'")
    identifier = sql.Identifier(*parts)
    found = conn.execute("SELECT to_regclass(%s)", [identifier.as_string(conn)]).fetchone()
    if found and found[0] is not None:
        return identifier
    schema_filter = "table_schema = %s" if len(parts) == 2 else \
        "table_schema = ANY(current_schemas(false))"
    params = [parts[0]] if len(parts) == 2 else []
    rows = conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE "
        f"{schema_filter} ORDER BY 1, 2", params).fetchall()
    # unqualified: the tables on the search path, which is how the name is looked up
    names = list(dict.fromkeys(f"{s}.{n}" if len(parts) == 2 else n for s, n in rows))
    close = difflib.get_close_matches(table, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(names[:50]) + (", ..." if len(names) > 50 else "") if names else "(none)"
    raise SourceError(f"source '{source.name}': table '{table}' not found on postgres {where}; "
                      f"tables there: {shown}{hint}")


def _describe(dsn: str) -> tuple[str, str | None]:
    """("host H:P, database D as user U", password) from a DSN, without ever showing it."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(dsn)
    except Exception:
        return "(unparsable dsn)", None
    host = info.get("host") or info.get("hostaddr") or "localhost"
    port = info.get("port") or "5432"
    parts = [f"at {host}:{port}"]
    if info.get("dbname"):
        parts.append(f"database '{info['dbname']}'")
    if info.get("user"):
        parts.append(f"as user '{info['user']}'")
    password = info.get("password")
    return " ".join(parts), str(password) if password else None


def _mask(text: str, password: str | None) -> str:
    if password:
        text = text.replace(password, "***")
    text = _URL_PASSWORD.sub(r"\1***@", text)
    return _KV_PASSWORD.sub(r"\1***", text)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
