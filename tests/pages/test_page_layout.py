"""The pages' folders hold: the console's and the portal's page modules (api/pages/console/,
api/pages/portal/) and templates (api/templates/console/, portal/) never reach into each other,
what both use lives in shared/ and reaches into neither, and every route has a name of its own,
so that a template's url_for(name) means one page (docs/development.md, "Pages")."""

import ast
import re
from pathlib import Path

from api.main import create_app
from axflow.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "api" / "pages"
TEMPLATES = ROOT / "api" / "templates"
# Which folders a folder's modules (and templates) may not use.
FORBIDDEN = {"console": ("portal",), "portal": ("console",), "shared": ("console", "portal")}
TEMPLATE_FORBIDDEN = FORBIDDEN | {"notifications": ("console", "portal")}
# {% import "x" %}, {% from "x" import ... %}, {% include "x" %}, {% extends "x" %}
TEMPLATE_USE = re.compile(r"{%-?\s*(?:import|from|include|extends)\s+[\"']([^\"']+)[\"']")


def module_crossings(path: Path, folder: str, root: Path = ROOT) -> list[str]:
    """Each import in one page module of a page folder it may not use, as `file:line module`."""
    where = path.relative_to(root)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if any(name == f"api.pages.{other}" or name.startswith(f"api.pages.{other}.")
                   for other in FORBIDDEN[folder]):
                found.append(f"{where}:{node.lineno} imports {name}")
                break
    return found


def template_crossings(path: Path, folder: str, root: Path = TEMPLATES) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [f"{path.relative_to(root)} uses {used}" for used in TEMPLATE_USE.findall(text)
            if used.split("/", 1)[0] in TEMPLATE_FORBIDDEN[folder]]


def test_page_modules_stay_in_their_folder() -> None:
    modules = {folder: sorted((PAGES / folder).glob("*.py")) for folder in FORBIDDEN}
    assert all(len(found) > 3 for found in modules.values()), "the page folders were not found"
    found = [line for folder, paths in modules.items() for path in paths for line in module_crossings(path, folder)]
    assert not found, "a page module uses another folder's (move what both need to api/pages/shared/):\n" + \
        "\n".join(found)


def test_templates_stay_in_their_folder() -> None:
    found = [line for folder in TEMPLATE_FORBIDDEN for path in sorted((TEMPLATES / folder).rglob("*.html"))
             for line in template_crossings(path, folder)]
    assert not found, "a template uses another folder's (shared macros go in api/templates/shared/):\n" + \
        "\n".join(found)


def test_the_checks_find_a_crossing(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text("from api.pages.console.startup import x\nimport api.pages.portal.common\n"
                    "from api.pages.console import finance\nfrom api.pages import console\n"
                    "from api.pages.shared.common import render\n", encoding="utf-8")
    assert [line.split(" ", 1)[0] for line in module_crossings(page, "shared", tmp_path)] == [
        "page.py:1", "page.py:2", "page.py:3", "page.py:4"]
    template = tmp_path / "my.html"
    template.write_text('{% extends "portal/layout.html" %}\n{% import "console/forms.html" as forms %}\n'
                        '{%- from "console/x.html" import y %}{% include "shared/forms.html" %}', encoding="utf-8")
    assert template_crossings(template, "portal", tmp_path) == ["my.html uses console/forms.html",
                                                               "my.html uses console/x.html"]


def routes(container: object) -> list:
    """Every route of an app or router, through the routers included in it."""
    found = []
    for route in getattr(container, "routes", []):
        included = getattr(route, "original_router", None)  # a router included as a whole
        found += routes(included) if included is not None else [route]
    return found


def test_every_route_has_a_name_of_its_own() -> None:
    app = create_app(Settings())
    named = [(route.name, getattr(route, "path", "")) for route in routes(app) if getattr(route, "name", None)]
    assert len(named) > 100, "the app's routes were not found"
    paths: dict[str, list[str]] = {}
    for name, path in named:
        paths.setdefault(name, []).append(path)
    shared = {name: where for name, where in paths.items() if len(where) > 1}
    assert not shared, f"routes sharing a name (give one a name=...): {shared}"
    startup = app.url_path_for("startup_page", startup_id="startup:p:1248100998")
    assert startup == "/console/startups/startup:p:1248100998"
