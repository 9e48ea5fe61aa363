"""The console's pages (staff desks under /console and the staff home), one router or helper per module;
their templates are in api/templates/console/."""
