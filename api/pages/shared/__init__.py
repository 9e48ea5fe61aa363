"""What the console and the portal share: the viewer and rendering (common), the words (labels,
rule and refusal text), formatting, the language switch and the notification pages. Nothing here
imports from api.pages.console or api.pages.portal."""
