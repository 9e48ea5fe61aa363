"""Markers for the words the domain's registries give people (rule refusals, action and notice
labels). The registries hold the Korean; the pages translate it where they show it, and Babel
extracts these markers into the catalogues (api/i18n.py reads `domain/` too). No translation
happens here: the domain never depends on the web layer."""


def N_(message: str) -> str:
    """A Korean message for the catalogue, shown with `gettext(message)`."""
    return message


def NP_(context: str, message: str) -> str:
    """A Korean message with a gettext context (the same Korean naming different things), shown
    with `pgettext(context, message)`."""
    return message
