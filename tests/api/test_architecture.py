"""The web layer's shape: a page (api/pages/**) reads and acts through api/services/, never
through an API route module and never with a query of its own, so that a page and the API
answer from the same code (docs/development.md, "Services")."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "api" / "pages"


def trespasses(path: Path, root: Path = ROOT) -> list[str]:
    """Each import of api.routes and each select() call in one module, as `file:line what`."""
    found = []
    where = path.relative_to(root)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [f"{where}:{node.lineno} imports {alias.name}" for alias in node.names
                      if alias.name == "api.routes" or alias.name.startswith("api.routes.")]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "api.routes" or module.startswith("api.routes.") or (
                    module == "api" and any(alias.name == "routes" for alias in node.names)):
                found.append(f"{where}:{node.lineno} imports from {module}")
        elif isinstance(node, ast.Call):
            called = node.func
            name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", None)
            if name == "select":
                found.append(f"{where}:{node.lineno} runs a query of its own (select)")
    return found


def test_pages_read_and_act_through_services_only() -> None:
    modules = sorted(PAGES.rglob("*.py"))
    assert len(modules) > 20, "the page modules were not found"
    found = [line for module in modules for line in trespasses(module)]
    assert not found, "a page calls api/services/ instead:\n" + "\n".join(found)


def test_the_check_finds_each_way_a_page_could_trespass(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text("from api.routes.startups import get_startup\nimport api.routes.users\n"
                    "from api import routes\nrows = session.exec(select(Row))\nquery = sqlmodel.select(Row)\n",
                    encoding="utf-8")
    assert sorted(line.split(" ", 1)[0] for line in trespasses(page, tmp_path)) == [
        "page.py:1", "page.py:2", "page.py:3", "page.py:4", "page.py:5"]
