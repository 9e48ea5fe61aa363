"""What a simulator received, kept in a small SQLite file so that people and tests can look and
so that idempotency survives a restart."""

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("CREATE TABLE IF NOT EXISTS record (key TEXT PRIMARY KEY, seq INTEGER, body TEXT)")
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM record WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, body: dict[str, Any]) -> None:
        with self._lock:
            seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM record").fetchone()[0]
            self._db.execute(
                "INSERT INTO record (key, seq, body) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET body = excluded.body",
                (key, seq, json.dumps(body, ensure_ascii=False)),
            )

    def count(self) -> int:
        with self._lock:
            found: int = self._db.execute("SELECT COUNT(*) FROM record").fetchone()[0]
        return found

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM record ORDER BY seq").fetchall()
        return [json.loads(r[0]) for r in rows]

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM record")
