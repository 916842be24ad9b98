// The API's documentation page (`/api`): Swagger UI over the server's own `/openapi.json`
// (made from the routes' declarations, see src/openapi.rs). Everything it loads is built into
// the page: no outside host is asked for anything, not even the validator badge.
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import "swagger-ui-dist/swagger-ui.css";

SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#api",
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: true,
});
