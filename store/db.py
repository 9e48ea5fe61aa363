"""Engines, sessions and migrations, for SQLite (embedded) and PostgreSQL (production)."""

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic_core import from_json, to_json
from sqlalchemy import Engine, Table, event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, create_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# SQLite plans a query from the table statistics ANALYZE keeps in sqlite_stat1. Without them it
# cannot tell a filter that keeps one row in ten (a program) from one that keeps nineteen in twenty
# (not overdue) and may walk the wrong index. Connections here live as long as their process, so
# each one follows SQLite's advice for long-lived connections: `PRAGMA optimize=0x10002` when it
# opens (SQLite >= 3.46 then analyzes every table whose statistics are missing or stale; older
# versions ignore the 0x10000 bit and have nothing to do yet) and a plain `PRAGMA optimize` now
# and then, which analyzes the tables the connection has queried whose statistics are missing or
# whose size changed 25-fold since (all versions), and loads the new statistics into it.
OPTIMIZE_EVERY_S = 300.0
# Rows per index an ANALYZE looks at: bounded work on a large table (SQLite >= 3.46's optimize
# uses this bound by itself), still enough to tell selective filters from unselective ones.
ANALYSIS_LIMIT = 2000


def json_text(value: Any) -> str:
    """A JSON column's text, written by pydantic's serializer rather than the standard library's:
    a lifecycle's whole state (up to ~9 KB) is written with every projection, and this takes about a
    third of the CPU (bench/optimizations.md). Text is kept as UTF-8 where the standard library
    escapes every Hangul syllable (\\uXXXX); either reads back as the same value."""
    return to_json(value).decode()


def json_value(text: str | bytes) -> Any:
    """A JSON column's value, parsed by pydantic's parser (the projection reads the row's state)."""
    return from_json(text)


# Both databases' engines read and write JSON columns so.
_JSON_COLUMNS: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": json_value}


# A connection execution option: this transaction begins with SQLite's write lock (begin_write).
WRITE_LOCK_AT_BEGIN = "axflow_write_lock_at_begin"


# A statement that writes nothing, by its first word (a read, or the BEGIN of `begin_write`);
# anything else begins a reader's write transaction.
_WRITES_NOTHING = re.compile(r"\s*(SELECT|PRAGMA|EXPLAIN|BEGIN)\b", re.IGNORECASE)


def make_engine(url: str, *, writer: bool = False, pool: dict[str, Any] | None = None) -> Engine:
    """An engine for `url`. `writer=True` is for the worker, which appends to the audit chain:
    on SQLite its transactions take the write lock at BEGIN, so that two appenders never read
    the same chain head.

    A reader's (the API's) transaction on SQLite reads as PostgreSQL's READ COMMITTED does, each
    statement the latest committed data, and takes the write lock at its first write, where it
    waits its turn. A deferred BEGIN would hold a snapshot from the first read instead, and a
    write after another connection's commit then fails at once ("database is locked"), which
    no waiting helps: under the worker's steady writes, any request that reads and then writes.
    Code that must read under the write lock (an audit row links to the chain's head) asks for
    it with `begin_write`, as PostgreSQL's code takes its advisory lock.
    `pool`: SQLite's pool other than SQLAlchemy's default (5 + 10 overflow, 30 s to wait), e.g. a
    small one for a test that many requests at once never run it dry."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **_JSON_COLUMNS, **(pool or {}))

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA foreign_keys=ON")
            dbapi_conn.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            _optimize(dbapi_conn, record, "PRAGMA optimize=0x10002")

        @event.listens_for(engine, "checkout")
        def _sqlite_checkout(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
            if time.monotonic() >= record.info.get("optimize_due", 0.0):
                _optimize(dbapi_conn, record, "PRAGMA optimize")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            if writer or conn.get_execution_options().get(WRITE_LOCK_AT_BEGIN, False):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            # A reader's SQLite transaction begins at its first write (below).

        if not writer:
            @event.listens_for(engine, "before_cursor_execute")
            def _sqlite_write_begins(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
                dbapi_conn = conn.connection.dbapi_connection
                if not dbapi_conn.in_transaction and not _WRITES_NOTHING.match(statement):
                    dbapi_conn.execute("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **_JSON_COLUMNS)


def _optimize(dbapi_conn: sqlite3.Connection, record: Any, pragma: str) -> None:
    """Run an optimize pragma. It may ANALYZE, which takes the write lock; statistics only make
    plans better, so while another connection writes it waits for nothing and is left to the next
    turn rather than holding up the request that checked the connection out."""
    record.info["optimize_due"] = time.monotonic() + OPTIMIZE_EVERY_S
    (waits_ms,) = dbapi_conn.execute("PRAGMA busy_timeout").fetchone()
    dbapi_conn.execute("PRAGMA busy_timeout=0")
    try:
        dbapi_conn.execute(pragma).fetchall()
    except sqlite3.OperationalError:
        pass  # the database was busy
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout={int(waits_ms)}")


def release(session: Session) -> None:
    """End the session's read transaction, so that its connection goes back to the pool while the
    request waits on Temporal (an Update can take seconds); the session takes one again if used."""
    session.commit()


def begin_write(session: Session) -> None:
    """End the session's transaction and begin one that holds SQLite's write lock from its BEGIN,
    for a reader's write whose reads must not change before it writes (an audit row links to the
    chain's head; no other appender may read the same head). Objects read before are read again
    when next used. PostgreSQL: a fresh transaction (its code takes an advisory lock)."""
    release(session)
    session.expire_all()
    session.connection(execution_options={WRITE_LOCK_AT_BEGIN: True})


def add_once(session: Session, row: SQLModel, taken: Exception) -> None:
    """Insert `row` in a transaction of its own; `taken` is raised when a unique constraint says a
    racing request inserted it first, after the caller's own check found nothing."""
    release(session)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        raise taken from None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def at_head(engine: Engine, url: str) -> bool:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def engine_of(session: Session) -> Engine:
    """The engine a session was opened on, for work in a transaction of its own (a refusal's
    record, an idempotency claim). Every session here is opened on an engine, never on a connection."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        raise TypeError("this session is bound to a connection, not to an engine")
    return bind


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for statements over its columns. Every `table=True` class has
    one, set by SQLAlchemy's declarative mapping, but SQLModel does not declare it for type checkers."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # see the docstring
    return table


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: datetime | None) -> datetime | None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; everything stored is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
