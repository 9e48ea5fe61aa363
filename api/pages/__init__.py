"""Server-rendered pages of the console and the portal (Jinja2, Korean first, no JavaScript needed)."""
