"""A few parts of many startups' stored states, read in one pass over the rows.

A program's pages add up parts of every one of its startups' stored states (kilobytes each): the
appeals, the amendments, the budget's plans and totals. Reading the whole states and parsing them
in Python, or asking SQLAlchemy for each part (on SQLite `JSON_QUOTE(JSON_EXTRACT(...))` per part,
each decoded again in Python), cost the program dashboard most of its time at 1,000 startups. On
SQLite one `json_extract` with every path parses each state once and answers one small JSON array;
other databases (PostgreSQL) get the ordinary JSON index per part."""

import json
from collections.abc import Sequence
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, String, func
from sqlmodel import Session
from sqlmodel.sql.expression import Select

from store.db import table_of
from store.tables import StartupRow

Path = tuple[str, ...]


def _sqlite_path(path: Path) -> str:
    return "$" + "".join(f'."{key}"' for key in path)


def _part(element: ColumnElement[Any], key: str) -> ColumnElement[Any]:
    return element[key]


def state_parts(session: Session, paths: Sequence[Path], *where: ColumnElement[bool],
                columns: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """One tuple per startup row matching `where`: the `columns`' values, then the value at each
    of `paths` in the row's stored state (None where the state has none), in the database's order."""
    state: ColumnElement[Any] = table_of(StartupRow).c.state
    if session.get_bind().dialect.name != "sqlite":
        parts = [reduce(_part, path, state) for path in paths]
        found: Sequence[Any] = session.exec(Select(*columns, *parts).where(*where)).all()
        return [tuple(row) for row in found]
    # With two paths or more json_extract answers a JSON array; a single path is asked twice.
    asked = [_sqlite_path(path) for path in paths] * (2 if len(paths) == 1 else 1)
    extract = func.json_extract(state, *asked, type_=String)
    rows: Sequence[Any] = session.exec(Select(*columns, extract).where(*where)).all()
    return [(*row[:-1], *json.loads(row[-1])[:len(paths)]) for row in rows]
