"""Checks for the pages' English: what Korean is left on a page shown in English."""

import re
from collections.abc import Iterable
from html.parser import HTMLParser

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]+")
ENGLISH_COOKIE = {"axflow_lang": "en"}


class _VisibleText(HTMLParser):
    """The text a person sees or hears: element text and the attributes read aloud or shown
    (alt, title, placeholder, aria-label, value of buttons); not scripts or styles, and not what
    the page itself marks as Korean (`lang="ko"`: the switch back to 한국어, Korean data)."""

    SPOKEN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._korean_tag: str | None = None
        self._korean_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self._korean_tag == tag:
            self._korean_depth += 1
        elif self._korean_tag is None and found.get("lang") == "ko" and tag != "html":
            self._korean_tag, self._korean_depth = tag, 1
        if tag in ("script", "style"):
            self._skipping += 1
        if self._korean_tag is not None:
            return
        self.parts += [found[name] or "" for name in self.SPOKEN_ATTRIBUTES if name in found]
        if tag == "input" and found.get("type") in ("submit", "button"):
            self.parts.append(found.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1
        if tag == self._korean_tag:
            self._korean_depth -= 1
            if not self._korean_depth:
                self._korean_tag = None

    def handle_data(self, data: str) -> None:
        if not self._skipping and self._korean_tag is None:
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
