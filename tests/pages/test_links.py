"""The pages link by route name, never by a path written by hand: every `url_for` in api/templates
names a route of the app with the parameters that route takes, no template spells out a path of
this site, and no page module redirects to one (`see_other(request, name, …)` /
`page_path` of api/pages/shared/redirects.py instead); that each route's name is its own is
tests/pages/test_page_layout.py's."""

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
# A redirect of a page module to a path written by hand: RedirectResponse("/…"), see_other/page_path("/…"),
# a Location header "/…" (f-strings too); a path computed from a route name passes.
HAND_REDIRECT = re.compile(r"""(?:RedirectResponse\(|see_other\(|page_path\(|["']Location["']\s*:)\s*f?["']/""")
ROOT = Path(__file__).resolve().parents[2]
PAGES_DIR = ROOT / "api" / "pages"


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


def test_no_page_redirects_to_a_path_written_by_hand() -> None:
    caught = ['return RedirectResponse(f"/portal/my/{startup_id}?done=withdrawn", 303)',
              'headers={"Location": "/portal/company"}', 'return RedirectResponse("/portal/my", status_code=303)']
    assert all(HAND_REDIRECT.search(line) for line in caught)
    assert not HAND_REDIRECT.search('return see_other(request, "workspace", startup_id=startup_id)')
    written = [f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
               for path in sorted(PAGES_DIR.rglob("*.py")) for number, line in enumerate(path.read_text().splitlines(), 1)
               if HAND_REDIRECT.search(line)]
    assert not written, "redirect with see_other(request, '<route name>', …) instead of a path:\n" + "\n".join(written)
