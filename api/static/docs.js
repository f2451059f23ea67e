/* Starts Swagger UI on /docs with the gateway's own OpenAPI document. A file rather than an
 * inline script, so the page works under the gateway's Content-Security-Policy; validatorUrl is
 * off because Swagger UI would otherwise send the document to a third-party validator. */
"use strict";
window.ui = window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
