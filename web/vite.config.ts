// The page is served by `lieux` itself (see src/assets.rs): `index.html` at `/` and every
// other file under `/assets/` with a content hash in its name, so the server can cache them
// for a year. `npm run dev` proxies the API to a `lieux serve` on port 8080.
import { defineConfig } from "vite";

const api = "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    // MapLibre alone is about 1 MB: the warning would only repeat that.
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
  server: {
    proxy: Object.fromEntries(
      ["/tiles.json", "/tiles", "/clusters", "/search", "/suggest", "/places", "/nearest", "/health"].map(
        (route) => [route, api],
      ),
    ),
  },
});
