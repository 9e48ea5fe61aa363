"""Checks for the pages' English: what Korean is left on a page shown in English."""

import re
from collections.abc import Iterable
from html.parser import HTMLParser

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]+")
ENGLISH_COOKIE = {"axflow_lang": "en"}


class _VisibleText(HTMLParser):
    """The text a person sees or hears: element text and the attributes read aloud or shown
    (alt, title, placeholder, aria-label, value of buttons); not scripts or styles."""

    SPOKEN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        found = dict(attrs)
        self.parts += [found[name] or "" for name in self.SPOKEN_ATTRIBUTES if name in found]
        if tag == "input" and found.get("type") in ("submit", "button"):
            self.parts.append(found.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def korean_left(html: str, data: Iterable[str] = ()) -> list[str]:
    """The Korean words on a page shown in English, once the data it shows (company names, the
    program's title, regions, people: `data`) is taken out. An English page has none."""
    parser = _VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for value in sorted((d for d in data if d), key=len, reverse=True):
        text = text.replace(value, " ")
    return HANGUL.findall(text)
