"""The pages' language: Korean first, English when a person switches to it.

Page text is written in Korean in the templates and page modules, marked with `_()` (or `N_()` for
a table built at import time and translated when shown). The English for each Korean message lives
in gettext catalogues, `api/locale/en/*.po`, one file per area of the pages so that areas can be
translated side by side; they are read with Babel and merged when the app starts. A message
missing from the catalogues shows in Korean, and `tests/test_i18n.py` fails on it.

The language is the `axflow_lang` cookie, set by `GET /language/{code}` (the switch in every page's
header). `LanguageFromCookie` (plain ASGI) puts it in a context variable for the request, so page
code and templates ask `current_language()` instead of passing the request everywhere.

`python -m api.i18n missing` prints, as .po entries to fill in, every marked message without English."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from http.cookies import CookieError, SimpleCookie
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.types import ASGIApp, Receive, Scope, Send

KOREAN, ENGLISH = "ko", "en"
LANGUAGES = (KOREAN, ENGLISH)
COOKIE = "axflow_lang"
ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Where marked messages are: the pages' templates and the Python that builds page text.
SOURCES = (("api/templates/**.html", "jinja2"), ("api/**.py", "python"))
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None,
            "NP_": ((1, "c"), 2)}

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


def catalogue_files(locale: str = ENGLISH) -> list[Path]:
    return sorted((LOCALE_DIR / locale).glob("*.po"))


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=path.parent.name)


@cache
def translations(code: str) -> NullTranslations:
    """Korean is the source language: no catalogue. Another language merges its .po files."""
    if code == KOREAN:
        return NullTranslations()
    merged: Translations | None = None
    for path in catalogue_files(code):
        compiled = BytesIO()
        write_mo(compiled, read_catalogue(path))
        compiled.seek(0)
        part = Translations(compiled)
        merged = part if merged is None else merged.merge(part)
    return merged or NullTranslations()


def _active() -> NullTranslations:
    return translations(_language.get())


def gettext(message: str) -> str:
    return _active().gettext(message) if message else message


def ngettext(singular: str, plural: str, count: int) -> str:
    return _active().ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    return _active().pgettext(context, message)


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


def marked_messages() -> dict[tuple, list[tuple[str, int]]]:
    """Every message marked in the sources → where it is (file, line). A key is (context, msgid),
    the msgid a (singular, plural) pair for ngettext; context is None but for pgettext."""
    found: dict[tuple, list[tuple[str, int]]] = {}
    for filename, line, message, _comments, context in extract_from_dir(
            ROOT, SOURCES, keywords=KEYWORDS, options_map={"api/templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        found.setdefault((context, message), []).append((filename, line))
    from api.pages import labels  # its tables are messages without a marker (see api/pages/labels.py)
    for table in labels.TABLES:
        for key in table.messages():
            found.setdefault(key, []).append(("api/pages/labels.py", 0))
    return found


def catalogue_entries(locale: str = ENGLISH) -> dict[tuple, list[tuple[Path, object]]]:
    """Every entry of the locale's catalogues, keyed as `marked_messages`, → (file, translation)
    for each file that has it."""
    entries: dict[tuple, list[tuple[Path, object]]] = {}
    for path in catalogue_files(locale):
        for message in read_catalogue(path):
            if message.id:
                entries.setdefault((message.context, message.id), []).append((path, message.string))
    return entries


def translated(string: object) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def missing(locale: str = ENGLISH) -> dict[tuple, list[tuple[str, int]]]:
    entries = catalogue_entries(locale)
    return {key: places for key, places in marked_messages().items()
            if not any(translated(string) for _path, string in entries.get(key, []))}


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


if __name__ == "__main__":
    if sys.argv[1:] == ["missing"]:
        raise SystemExit(print_missing())
    print("usage: python -m api.i18n missing", file=sys.stderr)
    raise SystemExit(2)
