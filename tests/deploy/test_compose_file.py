"""docker-compose.yml cannot run here (no Docker engine): hold it to the app instead. Every
service has an image or a build, every axflow command exists, every AXFLOW_ variable is a
setting, dependencies name real services, and the search attributes match the code's."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from typer.main import get_command

from axflow.cli import app
from axflow.config import Settings
from workflows.search_attributes import ALL

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_every_service_is_buildable_and_depends_on_real_services() -> None:
    assert {"proxy", "api-1", "api-2", "worker", "migrate", "postgresql", "temporal-db", "temporal", "temporal-ui",
            "minio", "minio-setup", "finance-sim", "notify-sim"} <= set(SERVICES)
    for name, service in SERVICES.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, (name, dependency)
    assert SERVICES["finance-sim"]["profiles"] == ["simulators"]
    assert "profiles" not in SERVICES["worker"] and "ports" not in SERVICES["worker"]  # scalable
    # The proxy is the one door (the Temporal UI only on the host's loopback); every long-running
    # part says whether it is healthy; axflow's services run the production image, simulators the local one.
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published <= {"proxy", "temporal-ui", "finance-sim", "notify-sim", "tax-sim", "mail-sim"}
    assert all(port.startswith("127.0.0.1:") for port in SERVICES["temporal-ui"]["ports"])
    for name in ("proxy", "api-1", "api-2", "worker", "postgresql", "temporal-db", "temporal", "minio"):
        assert "healthcheck" in SERVICES[name], name
    for name, service in SERVICES.items():
        if "build" in service:
            assert service["build"]["target"] == ("local" if service.get("profiles") else "production"), name
    assert "replicas" in SERVICES["worker"]["deploy"]


def compose_environment(service: str) -> dict[str, str]:
    """A service's AXFLOW_ environment as compose would give it, every required secret filled in."""
    def resolve(match: re.Match[str]) -> str:
        name, rule, default = match.group(1), match.group(2) or "", match.group(3) or ""
        if name == "AXFLOW_PUBLIC_HOST":
            return "axflow.agency.example"
        if name == "AXFLOW_IDENTITY_ISSUER":
            return "https://id.agency.example"
        return default if rule.startswith(":-") else "s" * 40
    return {key: re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", resolve, str(value))
            for key, value in SERVICES[service]["environment"].items() if key.startswith("AXFLOW_")}


def test_compose_satisfies_the_production_checks_and_the_proxy_knows_both_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    from axflow.production import production_problems

    for service in ("api-1", "api-2", "worker", "migrate"):
        for key, value in compose_environment(service).items():
            monkeypatch.setenv(key, value)
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        assert production_problems(settings, None) == [], service
        assert settings.public_url == "https://axflow.agency.example" and settings.document_storage == "s3"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy api-1:8000 api-2:8000" in caddyfile and "health_uri /readyz" in caddyfile
    assert SERVICES["proxy"]["networks"]["backend"]["ipv4_address"] in compose_environment("api-1")[
        "AXFLOW_TRUSTED_PROXIES"]


def test_axflow_commands_and_settings_exist() -> None:
    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    fields = {f"AXFLOW_{name.upper()}" for name in Settings.model_fields}
    for name, service in SERVICES.items():
        command = service.get("command")
        if isinstance(command, list) and command[0] == "axflow":
            assert command[1] in commands, (name, command)
            for key in service.get("environment", {}):
                if key.startswith("AXFLOW_"):
                    assert key in fields, (name, key)
    assert "443:443" in SERVICES["proxy"]["ports"]
    # The finance callback goes through the proxy's internal listener; the simulators' addresses
    # agree with their ports.
    env = SERVICES["worker"]["environment"]
    assert env["AXFLOW_API_URL"].endswith("http://proxy:8080}")
    assert str(Settings.model_fields["finance_port"].default) in env["AXFLOW_FINANCE_URL"]


def test_search_attributes_registered_in_compose_match_the_code() -> None:
    command = " ".join(SERVICES["temporal-setup"]["command"])
    registered = dict(re.findall(r"(Ax\w+)=(\w+)", command))
    assert registered == {key.name: {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}[
        key.indexed_value_type.name] for key in ALL}


def test_the_dockerfile_copies_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("axflow", "domain", "workflows", "activities", "api", "store", "simulators", "migrations"):
        assert f"COPY {package} {package}" in dockerfile
    production = dockerfile.split("AS production")[1].split("AS local")[0]
    assert "USER 10001" in production and "pip install -e" not in dockerfile


def test_every_setting_is_documented_in_docs_settings() -> None:
    # docs/settings.md is generated from Settings (python -m axflow.settings_doc); a setting added
    # since, or a default changed, makes it stale.
    from axflow.settings_doc import main

    assert main(["--check"]) == 0, "docs/settings.md is stale: run .venv/bin/python -m axflow.settings_doc"
    listed = (ROOT / "docs" / "settings.md").read_text()
    assert [name for name in Settings.model_fields if f"| `AXFLOW_{name.upper()}` |" not in listed] == []


def test_production_refuses_demo_secrets_and_sqlite(tmp_path: Path) -> None:
    from axflow.production import production_problems
    from domain.phases import Role
    from store.db import make_engine, migrate, session_scope
    from store.tokens import create_token

    url = f"sqlite:///{tmp_path}/p.db"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        create_token(session, Role.ADMIN, "admin")
    problems = production_problems(Settings(env="production", database_url=url, api_url="http://api:8000",
                                            api_replicas=2), engine)
    # Each problem named, in one refusal: secrets at their development values, SQLite, links to an
    # internal plain-HTTP host, the identity provider's simulator, documents one replica cannot share.
    assert [p.split()[0] for p in problems] == [
        "AXFLOW_FINANCE_WEBHOOK_SECRET", "AXFLOW_AUDIT_KEY", "AXFLOW_DATABASE_URL", "AXFLOW_PUBLIC_URL",
        "AXFLOW_IDENTITY_ISSUER", "AXFLOW_IDENTITY_CLIENT_SECRET", "AXFLOW_DOCUMENT_STORAGE", "demo"]
    assert "demo tokens are live (admin)" in problems[-1] and "AXFLOW_API_REPLICAS=2" in problems[-2]
    assert "AXFLOW_API_URL (where the finance system calls back) is unset" in production_problems(
        Settings(env="production"), None)
    safe = Settings(env="production", database_url="postgresql+psycopg://x/y", finance_webhook_secret="s" * 40,
                    audit_key="k" * 40, public_url="https://axflow.agency.example", api_url="http://api:8000",
                    identity_issuer="https://id.example", identity_client_secret="i" * 40, api_replicas=2,
                    document_storage="s3")
    assert production_problems(safe, None) == []
    assert production_problems(safe.model_copy(update={"public_url": "http://axflow.agency.example"}), None) == [
        "AXFLOW_PUBLIC_URL (the address people open from mail) is unset or not https://"]
    with pytest.raises(ValidationError, match="env"):
        Settings(env="prod")  # a typo is refused, never development mode in disguise
    assert production_problems(Settings(database_url=url), engine) == []  # dev mode allows the demo


def test_links_people_open_use_the_public_url_and_the_finance_callback_does_not() -> None:
    from activities.notifications import link_for
    from api.pages.shared.common import portal_link
    from axflow.identity import redirect_url
    from domain.notifications import NotificationEvent

    settings = Settings(api_url="http://api:8000", public_url="https://axflow.agency.example/")
    assert portal_link(settings, "/portal/verify?token=t") == "https://axflow.agency.example/portal/verify?token=t"
    assert redirect_url(settings) == "https://axflow.agency.example/portal/company/identity"
    assert Settings(api_url="http://127.0.0.1:9").public_base() == "http://127.0.0.1:9"  # development: one address
    event = NotificationEvent(key="s:n1", kind="k", recipients=["startup"], startup_id="p:1234567890",
                              program_id="p", brn="1234567890", at=datetime.now(UTC))
    assert link_for(settings, event, staff=False) == "https://axflow.agency.example/portal/my"


def test_a_process_left_in_development_mode_says_so() -> None:
    from structlog.testing import capture_logs

    from axflow.production import warn_development_mode

    with capture_logs() as logs:
        warn_development_mode(Settings(), "api")
        warn_development_mode(Settings(env="production"), "api")
    assert [(log["event"], log["log_level"], log["command"]) for log in logs] == [("development mode", "warning", "api")]
    assert "AXFLOW_ENV=production" in logs[0]["fix"]
