"""scripts/prerequisites.sh: what `make run` and `make test` check before building anything.

The machine's PATH is replaced by a folder holding only the tools the check itself uses, so the
things it looks for (chromium, apt-get, fc-list) are absent whatever this machine has installed."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "prerequisites.sh"


def bare_path(tmp_path: Path, *tools: str) -> str:
    folder = tmp_path / "bin"
    folder.mkdir()
    # The interpreter itself, not .venv's launcher, so it can answer for ensurepip like a bare python3.
    (folder / "python3").symlink_to(Path(sys.executable).resolve())
    for tool in ("grep", "id", *tools):
        found = shutil.which(tool)
        assert found, tool
        (folder / tool).symlink_to(found)
    return str(folder)


def check(path: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/sh", str(SCRIPT), *args], env={**os.environ, "PATH": path},
                          capture_output=True, text=True, timeout=60)


def test_the_suite_stops_with_one_command_naming_chromium_and_the_korean_fonts(tmp_path: Path) -> None:
    run = check(bare_path(tmp_path), "suite", "python3")
    assert run.returncode == 1 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert [line for line in lines if line.startswith("  ")] == [
        "  chromium: the browser tests drive Debian's Chromium (/usr/bin/chromium)",
        "  nginx: the production topology test puts Debian's nginx (TLS) in front of two API replicas",
        "  fonts-noto-cjk: pages and the generated agreement render Korean with Noto CJK"]
    sudo = "" if os.getuid() == 0 else "sudo "
    assert lines[-1] == f"Install with: {sudo}apt-get install -y chromium nginx fonts-noto-cjk"


def test_the_stack_needs_only_python_and_names_a_missing_interpreter(tmp_path: Path) -> None:
    path = bare_path(tmp_path)
    assert check(path, "stack", "python3").returncode == 0  # no browser needed for make run
    run = check(path, "stack", "python9")
    assert run.returncode == 1
    assert "python3: there is no python9 to build .venv with" in run.stderr
    assert run.stderr.strip().endswith("apt-get install -y python3")


def test_an_old_python_is_named_with_its_version(tmp_path: Path) -> None:
    old = tmp_path / "python3.9"
    old.write_text("#!/bin/sh\n# a stand-in answering as Python 3.9 would\n"
                   "case \"$2\" in *version_info*) exit 1;; *) echo 3.9.2;; esac\n")
    old.chmod(0o755)
    run = check(bare_path(tmp_path), "stack", str(old))
    assert run.returncode == 1
    assert f"{old} is 3.9.2 but axflow needs Python 3.11 or later" in run.stderr
