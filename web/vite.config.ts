// The pages are served by `lieux` itself (see src/assets.rs): `index.html` at `/`, `embed.html`
// (the map for other sites' iframes) at `/embed`, `api.html` at `/api`, `admin.html`
// (moderation) at `/admin/`, and every other file under `/assets/` with a content hash in its
// name, so the server can cache them for a year. `npm run dev` proxies the API to a `lieux
// serve` on port 8080 (or $LIEUX_API); there the moderation page is `/admin.html`, since
// `/admin/…` is the admin API's, and the embed `/embed.html`.
import { defineConfig } from "vite";

const api = process.env.LIEUX_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    // MapLibre alone is about 1 MB: the warning would only repeat that.
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
    // Four pages: the map (`/`), the embed (`/embed`), the API's documentation (`/api`),
    // moderation (`/admin/`).
    rollupOptions: {
      input: { index: "index.html", embed: "embed.html", api: "api.html", admin: "admin.html" },
      // MapLibre's worker is a module (`.mjs`), which some static hosts serve as bytes (Debian's
      // nginx 1.22 names no type for `.mjs`), and a browser runs no worker of that type: named
      // `.js`, it is JavaScript on any host that the page is copied to (`lieux export --site`).
      output: {
        assetFileNames: (asset) =>
          asset.names?.some((name) => name.endsWith(".mjs")) ? "assets/[name]-[hash].js" : "assets/[name]-[hash][extname]",
      },
    },
  },
  server: {
    // The basemap's gazetteer is imported from ../data.
    fs: { allow: [".."] },
    proxy: Object.fromEntries(
      [
        "/tiles.json",
        "/tiles",
        "/clusters",
        "/search",
        "/suggest",
        "/places",
        "/nearest",
        "/health",
        "/openapi.json",
        "/contributions",
        // The admin API, not the page path `/admin/` itself.
        "/admin/contributions",
        "/admin/places",
        "/admin/conflicts",
        "/admin/reload",
      ].map(
        // The Host header is kept, so that /tiles.json names tiles on this dev server.
        (route) => [route, { target: api, changeOrigin: false }],
      ),
    ),
  },
});
