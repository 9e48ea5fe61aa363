"""The words people read, in their language: Korean first, English when a person chooses it.

Every message is written in Korean where it is used and marked for translation: `_()` in the page
templates and page modules (`N_()` / `NP_()` for a table built at import time and translated where
it is shown), `N_()` / `NP_()` from domain/words.py in the domain's registries, `{% trans %}` in
the notice templates (axflow/notices/templates), and the label tables of api/pages/shared/labels.py
as they are. Babel extracts them all into `api/locale/messages.pot` (pyproject.toml's
`[tool.babel]` says where and how), and each language has one catalogue updated from it,
`api/locale/<language>/LC_MESSAGES/messages.po`, holding the English. The .po is read when the app
(or the worker, for notices) starts: nothing compiled is kept. A message without English shows in
Korean, and tests/api/test_i18n.py fails on it.

The pages' language is the `axflow_lang` cookie, set by `GET /language/{code}` (the switch in every
page's header). `LanguageFromCookie` (plain ASGI) puts it in a context variable for the request, so
page code and templates ask `current_language()` instead of passing the request everywhere. A
notice is rendered in its reader's language (axflow/notices).

`python -m api.i18n update` re-extracts the .pot and updates the catalogues from it (what
`pybabel extract` then `pybabel update` do at the top of the checkout); `python -m api.i18n missing`
prints, as .po entries to fill in, every marked message without English."""

import importlib
import os
import sys
import tomllib
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from http.cookies import CookieError, SimpleCookie
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_python
from babel.messages.frontend import CommandLineInterface, parse_keywords
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.types import ASGIApp, Receive, Scope, Send

KOREAN, ENGLISH = "ko", "en"
LANGUAGES = (KOREAN, ENGLISH)
COOKIE = "axflow_lang"
ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"

_language: ContextVar[str] = ContextVar("axflow_language", default=KOREAN)


def current_language() -> str:
    return _language.get()


@contextmanager
def language(code: str) -> Iterator[None]:
    """Run a block in `code` (the tests, and anything rendering outside a request)."""
    token = _language.set(code if code in LANGUAGES else KOREAN)
    try:
        yield
    finally:
        _language.reset(token)


def catalogue_path(locale: str = ENGLISH) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


@cache
def translations(code: str) -> NullTranslations:
    """Korean is the source language: no catalogue. Another language compiles its .po (a fuzzy
    entry, proposed by `pybabel update` for a changed message, is not used until a person checks it)."""
    path = catalogue_path(code)
    if code == KOREAN or not path.is_file():
        return NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, read_catalogue(path, code))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _active() -> NullTranslations:
    return translations(_language.get())


def gettext(message: str) -> str:
    return _active().gettext(message) if message else message


def ngettext(singular: str, plural: str, count: int) -> str:
    return _active().ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    return str(_active().pgettext(context, message))


def npgettext(context: str, singular: str, plural: str, count: int) -> str:
    """`ngettext` with a context: one catalogue cannot hold a plural and a singular of the same Korean."""
    return _active().npgettext(context, singular, plural, count)


_ = gettext


def NP_(context: str, message: str) -> str:
    """`N_` for a message with a context: shown with `pgettext(context, message)`."""
    return message


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined (a table built at import time);
    it is translated where it is shown, with `_()`."""
    return message


def language_from_cookie_header(header: str | None) -> str:
    if not header:
        return KOREAN
    try:
        cookies = SimpleCookie(header)
    except CookieError:
        return KOREAN
    morsel = cookies.get(COOKIE)
    return morsel.value if morsel is not None and morsel.value in LANGUAGES else KOREAN


class LanguageFromCookie:
    """ASGI middleware: the request's language from its `axflow_lang` cookie (Korean without one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = next((value for name, value in scope["headers"] if name == b"cookie"), None)
        with language(language_from_cookie_header(cookie.decode("latin-1") if cookie else None)):
            await self.app(scope, receive, send)


def extract_labels(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
                   options: Any) -> Iterator[tuple[Any, ...]]:
    """Babel's extraction method for a labels module (pyproject.toml's [tool.babel]): its marked
    messages, and every Korean word of its `TABLES`, which need no marker."""
    source = fileobj.read()
    yield from extract_python(BytesIO(source), keywords, comment_tags, options)
    module = Path(fileobj.name).resolve().relative_to(ROOT).with_suffix("")
    lines = source.decode().splitlines()
    for table in importlib.import_module(".".join(module.parts)).TABLES:
        for context, korean in table.messages():
            line = next((n for n, text in enumerate(lines, 1) if f'"{korean}"' in text), 1)
            yield (line, "gettext", korean, []) if context is None else (line, "pgettext", (context, korean), [])


def _babel_settings() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["babel"]


@cache
def marked_messages() -> dict[tuple, list[tuple[str, int]]]:
    """Every message marked in the sources, as `pybabel extract` finds it → where it is (file, line),
    read once per process (the checks ask more than once). A key is (context, msgid), the msgid a
    (singular, plural) pair for ngettext; context is None but for pgettext."""
    settings = _babel_settings()
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(settings["extract_messages"]["keywords"].split())}
    method_map: list[tuple[str, str]] = []
    options_map: dict[str, dict[str, Any]] = {}
    for mapping in settings["mappings"]:
        patterns = mapping["pattern"] if isinstance(mapping["pattern"], list) else [mapping["pattern"]]
        for pattern in patterns:
            method_map.append((pattern, mapping["method"]))
            options_map[pattern] = {k: v for k, v in mapping.items() if k not in ("pattern", "method")}
    found: dict[tuple, list[tuple[str, int]]] = {}
    for filename, line, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords):
        found.setdefault((context, message), []).append((filename, line))
    return found


def template_messages() -> set[tuple]:
    """The messages of the committed .pot, keyed as `marked_messages`."""
    return {(message.context, message.id) for message in read_catalogue(TEMPLATE) if message.id}


def catalogue_entries(locale: str = ENGLISH) -> dict[tuple, object]:
    """Every entry of the locale's catalogue, keyed as `marked_messages`, → its translation (a
    plural's, a tuple); a fuzzy entry's translation counts as none."""
    return {(message.context, message.id): "" if message.fuzzy else message.string
            for message in read_catalogue(catalogue_path(locale), locale) if message.id}


def translated(string: object) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def missing(locale: str = ENGLISH) -> dict[tuple, list[tuple[str, int]]]:
    entries = catalogue_entries(locale)
    return {key: places for key, places in marked_messages().items() if not translated(entries.get(key, ""))}


def _po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def print_missing(locale: str = ENGLISH) -> int:
    """The missing messages as .po entries (with where they are), for a person to translate."""
    gaps = missing(locale)
    for (context, msgid), places in sorted(gaps.items(), key=lambda item: item[1][0]):
        print("#: " + " ".join(f"{name}:{line}" for name, line in places[:3]))
        if context:
            print(f"msgctxt {_po_string(context)}")
        if isinstance(msgid, tuple):
            print(f"msgid {_po_string(msgid[0])}\nmsgid_plural {_po_string(msgid[1])}\n"
                  'msgstr[0] ""\nmsgstr[1] ""\n')
        else:
            print(f"msgid {_po_string(msgid)}\nmsgstr \"\"\n")
    print(f"# {len(gaps)} message(s) without {locale}", file=sys.stderr)
    return 1 if gaps else 0


def update() -> int:
    """`pybabel extract` then `pybabel update`, with pyproject.toml's settings, from the checkout's top."""
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        for command in ("extract", "update"):
            CommandLineInterface().run(["pybabel", "--quiet", command])
    finally:
        os.chdir(here)
    return 0


if __name__ == "__main__":
    commands = {"update": update, "missing": print_missing}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print("usage: python -m api.i18n update | missing", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(commands[sys.argv[1]]())
