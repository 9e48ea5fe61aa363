"""`make test` runs two shards side by side (tests/run.py): every test file is in exactly one of
them (the browser walks spread over both), and the tests that strand workflows with the fuzzer that
must run before them."""

from pathlib import Path

from tests.run import LATE, shards

TESTS = Path(__file__).resolve().parent


def test_every_test_file_runs_in_exactly_one_shard() -> None:
    early, late = shards()
    files = {p.relative_to(TESTS).as_posix() for p in TESTS.rglob("test_*.py")}
    assert sorted(early + late) == sorted(files) and not set(early) & set(late)
    assert set(LATE) <= set(late) and "browser/test_portal.py" in early + late
