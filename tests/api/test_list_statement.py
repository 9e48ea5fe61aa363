"""The API's list with its built statements (api/services/startups.py `api_page`) finds what the
shared query (`summary_query` + `listed`) finds: the same rows in the same order, for every set of
filters, a staff reader and a startup (bound or not), after a cursor and within a limit. And the
console's page numbers (`listed` with an offset, which seeks the page's first id) find what an
OFFSET over the same query finds, searches included, past the last page none."""

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col

from api.services.startups import api_page, listed, summary_of, summary_query
from domain.phases import Phase, Role, Stage
from domain.state import Actor
from store.db import make_engine, migrate
from store.tables import StartupRow

BRNS = ["1248100998", "2208162517", "1018200123"]


def _rows() -> list[StartupRow]:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    return [StartupRow(startup_id=f"startup:p{n % 2}:{BRNS[n % 3]}-{n}", program_id=f"p{n % 2}", brn=BRNS[n % 3],
                       company_name=f"회사 {n}", stage=Stage.MICRO.value if n % 4 else Stage.CHOGYEOKCHA.value,
                       phase=[Phase.UNDER_REVIEW, Phase.IN_POC, Phase.SELECTED][n % 3].value,
                       sector=["smart_factory", "bio", None][n % 3], region=["경북", "서울"][n % 2],
                       task_id="SF-01", overdue=n % 5 == 0, next_deadline_at=at + timedelta(days=n) if n % 2 else None,
                       applied_at=at, updated_at=at + timedelta(hours=n), average_score=80.5 if n % 3 else None,
                       paid_total=n * 1000, state={}) for n in range(24)]


@pytest.fixture
def listed_rows(tmp_path: Path) -> Iterator[Engine]:
    """A read model holding `_rows()`."""
    url = f"sqlite:///{tmp_path}/list.db"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        session.add_all(_rows())
        session.commit()
    yield engine
    engine.dispose()


def test_the_api_page_finds_what_the_shared_query_finds(listed_rows: Engine) -> None:
    engine = listed_rows
    actors = [Actor(id="u-officer", name="officer", role=Role.PROGRAM_OFFICER),
              Actor(id="u-ceo", name="ceo", role=Role.STARTUP, brn=BRNS[1]),
              Actor(id="u-unbound", name="unbound", role=Role.STARTUP, brn=None)]
    choices = {"program_id": [None, "p0", "p1", "nobody"], "stage": [None, Stage.MICRO],
               "phase": [None, Phase.IN_POC], "sector": [None, "bio"], "region": [None, "서울"],
               "overdue": [None, True, False]}
    compared = 0
    with Session(engine, expire_on_commit=False) as session:
        for actor, values in itertools.product(actors, itertools.product(*choices.values())):
            filters = dict(zip(choices, values, strict=True))
            for after, limit in ((None, 51), (None, 2), ("startup:p0:2208162517-4", 3)):
                expected = listed(session, summary_query(actor, filters), after=after, limit=limit)
                assert api_page(session, actor, filters, after=after, limit=limit) == expected
                compared += bool(expected)
    assert compared > 100  # not only empty pages


def test_a_page_by_number_holds_the_rows_an_offset_finds(listed_rows: Engine) -> None:
    engine = listed_rows
    actors = [Actor(id="u-officer", name="officer", role=Role.PROGRAM_OFFICER),
              Actor(id="u-ceo", name="ceo", role=Role.STARTUP, brn=BRNS[1])]
    views = [({}, None), ({"program_id": "p1"}, None), ({"phase": Phase.IN_POC}, None), ({}, "회사 1"),
             ({"region": "서울"}, "220816")]
    pages = 0
    with Session(engine, expire_on_commit=False) as session:
        for actor, (filters, search) in itertools.product(actors, views):
            query = summary_query(actor, filters, search)
            everything = [summary_of(r) for r in session.exec(query.order_by(col(StartupRow.startup_id))).all()]
            for size in (1, 5):
                for offset in range(0, len(everything) + size, size):
                    assert listed(session, query, offset=offset, limit=size) == everything[offset:offset + size]
                    pages += 1
    assert pages > 60
