"""The README and docs/*.md: every relative link (and #anchor) resolves, the README keeps the two
commands and links every page in docs/, and docs/settings.md is what the Settings class says."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "BENCHMARKS.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def without_fences(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where a bracket is no link."""
    return re.sub(r"`[^`\n]*`", "", without_fences(text))


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", without_fences(page.read_text()), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return found


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto: are not ours to check
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{page.name}: {target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{page.name}: {target} (no such heading)")
    return broken


def test_every_relative_link_in_the_readme_and_docs_resolves() -> None:
    assert [problem for page in PAGES for problem in broken_links(page)] == []


def test_the_link_check_can_fail(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Top\n\n## After `make demo`\n\n[ok](#top) [gone](missing.md) [no heading](page.md#nowhere)\n"
                    "[code in a heading](#after-make-demo) `[code](not-a-link.md)`\n")
    assert broken_links(page) == ["page.md: missing.md (no such file)", "page.md: page.md#nowhere (no such heading)"]


def test_the_readme_is_a_front_door_to_every_page_in_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme and "make demo" in readme
    linked = {target.partition("#")[0] for target in LINK.findall(readme)}
    assert [page.name for page in sorted((ROOT / "docs").glob("*.md"))
            if f"docs/{page.name}" not in linked] == []
    assert "BENCHMARKS.md" in linked
    assert len(readme.splitlines()) < 200


def named_paths(text: str) -> set[str]:
    """The files and folders a page names in inline code (`api/pages/portal/`, `domain/rules.py`):
    a relative path without spaces, placeholders or a scheme."""
    return {token for token in re.findall(r"`([A-Za-z_.][\w./-]*/[\w./-]*)`", text) if ":" not in token}


def test_the_map_names_only_files_that_exist() -> None:
    """docs/map.md is where a newcomer looks first: a row that names a file moved away misleads."""
    gone = sorted(path for path in named_paths((ROOT / "docs" / "map.md").read_text()) if not (ROOT / path).exists())
    assert gone == [], f"docs/map.md names what does not exist: {gone}"


def test_the_maps_patch_list_is_the_lifecycles() -> None:
    declared = re.findall(r'^[A-Z_]+ = "([a-z0-9-]+)"', (ROOT / "workflows/lifecycle/patches.py").read_text(), re.M)
    patches = (ROOT / "docs" / "map.md").read_text().partition("\n## Patches\n")[2].partition("\n## ")[0]
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", patches, re.M)
    assert listed == declared, "docs/map.md's patch list: one row per id in workflows/lifecycle/patches.py, in order"
