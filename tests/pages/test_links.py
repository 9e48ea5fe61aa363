"""The pages link by route name, never by a path written by hand: every `url_for` in api/templates
names a route of the app with the parameters that route takes, and no template spells out a path of
this site (that each route's name is its own is tests/pages/test_page_layout.py's)."""

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import NoMatchFound

from api.main import create_app
from api.templating import TEMPLATES_DIR
from axflow.config import Settings

URL_FOR = re.compile(r"""url_for\(\s*['"](?P<name>[A-Za-z_]+)['"](?P<args>[^)]*)\)""")
KEYWORD = re.compile(r"\b([a-z_]+)\s*=(?!=)")
# A path of this site written by hand: an attribute starting with "/", or a quoted "/…" in a tag.
HAND_WRITTEN = re.compile(r"""(?:href|action|formaction|src|value|data-[a-z-]+)="/|[(\[,]\s*['"]/[a-z]""")


def _templates() -> list[Path]:
    return sorted(TEMPLATES_DIR.rglob("*.html"))


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(Settings())


def test_every_url_for_names_a_route_with_its_parameters(app: Any) -> None:
    calls = [(path.relative_to(TEMPLATES_DIR), call.group("name"), KEYWORD.findall(call.group("args")))
             for path in _templates() for call in URL_FOR.finditer(path.read_text())]
    assert len(calls) > 150, "the templates link through url_for"
    unresolved = []
    for template, name, params in calls:
        try:
            app.url_path_for(name, **{param: "x" for param in params})
        except NoMatchFound:
            unresolved.append(f"{template}: url_for({name!r}, {', '.join(params)})")
    assert not unresolved, "url_for names no route (or not with these parameters):\n" + "\n".join(unresolved)


def test_no_template_writes_a_path_of_this_site_by_hand() -> None:
    written = [f"{path.relative_to(TEMPLATES_DIR)}:{number}: {line.strip()[:120]}"
               for path in _templates() for number, line in enumerate(path.read_text().splitlines(), 1)
               if HAND_WRITTEN.search(line)]
    assert not written, "use url_for('<route name>', …) instead of a path:\n" + "\n".join(written)
