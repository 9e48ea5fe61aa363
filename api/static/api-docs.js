// Starts Swagger UI (from the pinned swagger-ui-bundle package) on /docs; the page's CSP allows
// no inline script, so this file does what FastAPI's built-in page would do inline.
(function () {
  var me = document.currentScript;
  window.ui = SwaggerUIBundle({
    url: me.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout"
  });
})();
