"""The portal's pages (a startup's side: /portal, /calls); their templates are in api/templates/portal/.
A portal module imports from here and from api.pages.shared, never from api.pages.console."""
