"""Where a page sends the browser after a form: a route named like every link of the templates
(`url_for` in api/templating.py, whose cached path patterns this shares), never a path written by
hand, so a route that moves takes its redirects with it (tests/pages/test_links.py checks the pages'
Python for hand-written paths as it checks the templates)."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from api.templating import path_for


def page_path(request: Request, name: str, /, *, query: Mapping[str, object] | None = None, fragment: str = "",
              **path_params: Any) -> str:
    """The path of the route named `name` (a path, not an absolute URL), with a query and a fragment."""
    path = path_for(request.app, name, **path_params)
    if query:
        path += "?" + urlencode({key: str(value) for key, value in query.items()})
    return path + (f"#{fragment}" if fragment else "")


def see_other(request: Request, name: str, /, *, query: Mapping[str, object] | None = None, fragment: str = "",
              **path_params: Any) -> RedirectResponse:
    """303 See Other to the route named `name`: the answer to a form posted to a page."""
    return RedirectResponse(page_path(request, name, query=query, fragment=fragment, **path_params), status_code=303)
