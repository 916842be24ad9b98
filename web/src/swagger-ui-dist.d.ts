// swagger-ui-dist ships no types; this is the one call the documentation page makes.
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const SwaggerUIBundle: (options: {
    url: string;
    dom_id: string;
    validatorUrl: string | null;
    deepLinking: boolean;
    tryItOutEnabled: boolean;
  }) => unknown;
  export default SwaggerUIBundle;
}
