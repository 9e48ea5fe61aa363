"""/docs is Swagger UI from the pinned package on this origin, under a CSP that allows nothing
else; in production it is off unless enabled, and /metrics answers only its token or the
monitoring network."""

import re

import httpx
import pytest

from api.main import create_app
from tests.conftest import Stack

TOKEN = "metrics-token-for-the-test-0123456789"


async def test_docs_come_from_this_origin_under_a_strict_policy(stack: Stack) -> None:
    page = await stack.http.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp and "default-src 'none'" in csp
    assert len(page.headers.get_list("content-security-policy")) == 1
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert "<script>" not in page.text  # no inline script for the policy to have to allow
    for source in sources:
        asset = await stack.http.get(source)
        assert asset.status_code == 200 and len(asset.content) > 0, source
    assert "SwaggerUIBundle" in (await stack.http.get("/docs/assets/swagger-ui-bundle.js")).text
    assert (await stack.http.get("/openapi.json")).json()["info"]["title"] == "axflow"
    assert (await stack.http.get("/metrics")).status_code == 200  # development: open


@pytest.fixture
def production(stack: Stack):  # type: ignore[no-untyped-def]
    """The app as production builds it. Its lifespan (which refuses the test stack's SQLite and
    webhook secret, tested in test_deployment) is not run: the routes read only the settings."""

    def build(**settings: object) -> httpx.AsyncClient:
        configured = stack.settings.model_copy(update={"env": "production", **settings})
        app = create_app(configured)
        app.state.settings = configured
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.5.7", 40000)),
                                 base_url="https://axflow.example")
    return build


async def test_production_turns_docs_off_and_closes_metrics(production) -> None:  # type: ignore[no-untyped-def]
    async with production(metrics_token=TOKEN) as http:
        for path in ("/docs", "/openapi.json", "/redoc", "/docs/assets/swagger-ui-bundle.js"):
            assert (await http.get(path)).status_code == 404, path
        closed = await http.get("/metrics")
        assert closed.status_code == 403 and closed.json()["error"]["details"]["rule"] == "metrics_access"
        assert (await http.get("/metrics", headers={"authorization": "Bearer wrong"})).status_code == 403
        scraped = await http.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200 and "axflow_http_requests_total" in scraped.text
    async with production(metrics_networks=["10.0.5.0/24"], api_docs=True) as http:
        assert (await http.get("/metrics")).status_code == 200  # from the monitoring network
        assert (await http.get("/docs")).status_code == 200  # enabled on purpose
    async with production(metrics_networks=["10.0.6.0/24"]) as http:
        assert (await http.get("/metrics")).status_code == 403  # another network
