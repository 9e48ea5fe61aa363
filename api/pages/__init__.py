"""Server-rendered pages of the console and the portal (Jinja2, Korean first, no JavaScript needed),
in three folders like their templates: console/, portal/ and shared/ (docs/development.md, "Pages")."""
