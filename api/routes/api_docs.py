"""The API's interactive documentation at /docs: Swagger UI 5 (which reads OpenAPI 3.1) from the
static files of the pinned `fastapi-offline` package (nothing else of it is used), served from
this origin under a strict CSP (nothing from a CDN, no inline script). Off in production unless
`AXFLOW_API_DOCS=true` (Settings.docs_enabled)."""

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
# Swagger UI sets its styles through the DOM (allowed) and draws its icons from data: URIs.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>axflow API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="{ASSETS}/favicon.png">
</head>
<body>
<main id="swagger-ui"></main>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js" data-openapi-url="/openapi.json"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """/docs and its assets; the caller decides whether the API documents itself at all."""
    app.mount(ASSETS, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"content-security-policy": DOCS_CSP})
