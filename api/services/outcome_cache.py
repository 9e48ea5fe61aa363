"""The outcome report's figures kept per program while its follow-up data has not changed.

Computing a program's figures reads every recorded year (48,000 at 10,000 companies × 5 years,
about a second of CPU), while they change only when a year is recorded, a few times a year per
company. So each read first takes the program's follow-up version (store/followup_tables.py: one key
lookup, moved in the same transaction as every year written) and reuses the figures computed under
that version. The key is read on every request, before the years, so an answer is never older than
the data: a year recorded by the workflow's activity (or rewritten) moves the version and the next
read computes again. Per process and small (the programs read last): each API replica keeps its own.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Figures = TypeVar("Figures")

PROGRAMS_KEPT = 16


class VersionedCache(Generic[Figures]):
    """Per program, the last figures computed and the version (and settings) they were computed at."""

    def __init__(self, kept: int = PROGRAMS_KEPT) -> None:
        self._kept = kept
        self._entries: OrderedDict[str, tuple[object, Figures]] = OrderedDict()
        self._lock = threading.Lock()  # requests run on the server's worker threads

    def get(self, program_id: str, key: object, compute: Callable[[], Figures]) -> Figures:
        """The figures kept for `program_id` under `key`, or `compute()`'s, then kept."""
        with self._lock:
            entry = self._entries.get(program_id)
            if entry is not None and entry[0] == key:
                self._entries.move_to_end(program_id)
                return entry[1]
        figures = compute()  # outside the lock: another program's read need not wait for this one
        with self._lock:
            self._entries[program_id] = (key, figures)
            self._entries.move_to_end(program_id)
            while len(self._entries) > self._kept:
                self._entries.popitem(last=False)
        return figures

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
