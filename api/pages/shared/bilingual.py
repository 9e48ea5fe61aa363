"""Words in the page's language from text the domain or the directory wrote in both ("Korean
(English)"), and the words of a mail a person asked for from a page. The portal's pages and one's
account pages (api/routes/account.py, password_reset.py) use them alike."""

import re

from api.i18n import ENGLISH, current_language

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
# "Korean (English)" or "English (Korean)": the last parenthesis closes the message.
_PAIRED = re.compile(r"^(?P<outer>.*?\S)\s*\((?P<inner>[^()]*)\)[.\s]*$", re.S)


def one_language(message: str) -> str:
    """A refusal that the domain or the directory wrote in both languages, "Korean (English)" or
    "English (Korean)", in the page's language alone; several joined by "; " each so. A message in
    one language (or another shape) is shown as it is."""
    parts = []
    for part in message.split("; "):
        found = _PAIRED.match(part.strip())
        if found:
            outer, inner = found["outer"].strip(), found["inner"].strip()
            if bool(HANGUL.search(outer)) != bool(HANGUL.search(inner)):
                korean, english = (outer, inner) if HANGUL.search(outer) else (inner, outer)
                part = english if current_language() == ENGLISH else korean
        parts.append(part)
    return "; ".join(parts)


def in_page_language(korean: str, english: str) -> str:
    """Words of a mail a person asked for from a page (a verification, a reset, an invitation they
    send), in that page's language: one language per message, like the notices."""
    return english if current_language() == ENGLISH else korean
