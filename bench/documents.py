"""Documents: one large file uploaded and downloaded through the API (its own process), against a
plain file copy on the same machine in the same run.

Measured: the API process's resident memory growth while the file goes through (sampled from /proc
every 10 ms; target under 30 MB whatever the size: the upload is streamed to storage and the
download streamed from it), and the time of each against copying the same file on the same disk
(read, write, fsync, as the store does; target within 2×).
"""

import hashlib
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.stack import BenchStack, rss_mb
from domain.phases import Role

CHUNK = 1024 * 1024
# The API must accept a file this large: the bench stack inherits this from the bench's environment.
ENV = {"AXFLOW_DOCUMENT_MAX_BYTES": str(512 * 1024 * 1024)}


class PeakRss:
    """Samples a process's RSS in a thread until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.running = pid, rss_mb(pid), True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.01)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak


def make_file(path: Path, size_mb: int) -> str:
    """A file the API accepts as a PDF (its signature, then random bytes); returns its SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as f:
        for i in range(size_mb):
            chunk = (b"%PDF-1.7\n" + os.urandom(CHUNK - 9)) if i == 0 else os.urandom(CHUNK)
            f.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def plain_copy(source: Path, target: Path) -> float:
    started = time.perf_counter()
    with source.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
        dst.flush()
        os.fsync(dst.fileno())
    return time.perf_counter() - started


async def measure(stack: BenchStack, http: httpx.AsyncClient, startup_id: str, size_mb: int) -> dict[str, Any]:
    work = stack.settings.data_dir / "bench-documents"
    work.mkdir(exist_ok=True)
    source = work / "large.pdf"
    sha256 = make_file(source, size_mb)
    headers = {"Authorization": f"Bearer {stack.token(Role.PROGRAM_OFFICER, 'bench.officer')}"}
    api_pid = stack.procs["api"].pid

    copy_s = plain_copy(source, work / "copy.pdf")
    (work / "copy.pdf").unlink()

    before_upload = rss_mb(api_pid)
    sampler = PeakRss(api_pid)
    started = time.perf_counter()
    with source.open("rb") as f:
        response = await http.post(f"/startups/{startup_id}/documents", headers=headers, data={"kind": "other"},
                                   files={"file": ("large.pdf", f, "application/pdf")}, timeout=600)
    upload_s = time.perf_counter() - started
    upload_peak = sampler.stop()
    assert response.status_code == 201, response.text[:500]
    created = response.json()
    assert created["sha256"] == sha256, "the API hashed other bytes than were sent"

    before_download = rss_mb(api_pid)
    sampler = PeakRss(api_pid)
    started = time.perf_counter()
    with (work / "downloaded.pdf").open("wb") as out:
        async with http.stream("GET", f"/documents/{created['id']}", headers=headers, timeout=600) as download:
            assert download.status_code == 200
            async for chunk in download.aiter_bytes():
                out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    download_s = time.perf_counter() - started
    download_peak = sampler.stop()
    # Checked after the clock stops: the plain copy it is compared with hashes nothing either.
    received = hashlib.sha256()
    with (work / "downloaded.pdf").open("rb") as f:
        while chunk := f.read(CHUNK):
            received.update(chunk)
    assert received.hexdigest() == sha256, "the download differs from the upload"
    shutil.rmtree(work, ignore_errors=True)

    def mb_s(seconds: float) -> float:
        return round(size_mb / seconds, 1)

    return {"size_mb": size_mb, "copy_s": round(copy_s, 2), "copy_mb_s": mb_s(copy_s),
            "upload_s": round(upload_s, 2), "upload_mb_s": mb_s(upload_s), "upload_ratio": round(upload_s / copy_s, 2),
            "download_s": round(download_s, 2), "download_mb_s": mb_s(download_s),
            "download_ratio": round(download_s / copy_s, 2),
            "api_rss_mb_before": round(before_upload, 1),
            "upload_rss_growth_mb": round(upload_peak - before_upload, 1),
            "download_rss_growth_mb": round(download_peak - before_download, 1)}
