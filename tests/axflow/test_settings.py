"""Settings read from the environment: the read model follows the data directory unless its URL is
given explicitly."""

from pathlib import Path

import pytest

from axflow.config import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AXFLOW_DATA_DIR", "AXFLOW_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_the_default_database_lives_in_the_default_data_directory() -> None:
    assert Settings(_env_file=None).database_url == "sqlite:///.data/axflow.db"


def test_another_data_directory_moves_the_database_with_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AXFLOW_DATA_DIR", str(tmp_path))
    settings = Settings(_env_file=None)
    assert settings.data_dir == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path}/axflow.db"


def test_an_explicit_database_url_wins_over_the_data_directory(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    monkeypatch.setenv("AXFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AXFLOW_DATABASE_URL", "postgresql+psycopg://axflow@db:5432/axflow")
    assert Settings(_env_file=None).database_url == "postgresql+psycopg://axflow@db:5432/axflow"
