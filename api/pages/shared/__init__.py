"""What the console, the portal and one's account pages share: the viewer, rendering, the write
session and mail (common), the words (labels, rule and refusal text, form errors, document words,
bilingual refusals), formatting, the language switch and the notification pages. Nothing here
imports from api.pages.console or api.pages.portal (tests/pages/test_page_layout.py)."""
