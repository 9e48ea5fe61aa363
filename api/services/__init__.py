"""The reads and the command plumbing that the console's and portal's pages (api/pages/) and the
HTTP API's routes (api/routes/) share: plain functions taking a session (and the Temporal client
where they need it), one module per resource. A page or a route never runs its own query; it
calls these (docs/development.md, "Services")."""
