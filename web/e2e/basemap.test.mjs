// `lieux serve --basemap-style URL` end to end in headless Chromium: the map page and the embed
// draw the operator's MapLibre style (LIEUX_BASEMAP_STYLE, served by the test from another
// loopback port) under the places, show its attribution, and ask nothing of any host but
// lieux and the style's.
//
// `cargo test` runs it (tests/page.rs); by hand: `LIEUX_URL=… LIEUX_BASEMAP_STYLE=… npm run
// e2e:basemap` in web/, against a server started with that `--basemap-style`.

import assert from "node:assert/strict";
import { test } from "node:test";
import { browserForFile, newTab } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
const STYLE = process.env.LIEUX_BASEMAP_STYLE;
if (!BASE || !STYLE) throw new Error("LIEUX_URL must name a lieux server started with --basemap-style LIEUX_BASEMAP_STYLE");
/** What the test's style names (tests/page.rs writes it). */
const STYLE_LAYERS = ["fond-couleur", "fond-zone"];
const STYLE_ATTRIBUTION = "Fond de carte de test";

const chromium = browserForFile(BASE);
const { foreignRequests, pageErrors } = chromium;

const newPage = () => newTab(chromium.context, pageErrors);

/** Waits in `page` until its map (the embed's, or the page's) has drawn places over the style;
 * what the map holds. */
async function drawn(page, embed) {
  await page.waitForFunction((embed) => {
    const m = embed ? window.lieuxEmbed.map : window.lieux.map;
    return m && m.loaded() && m.queryRenderedFeatures({ layers: ["clusters", "places"] }).length > 0;
  }, embed);
  return page.evaluate((embed) => {
    const m = embed ? window.lieuxEmbed.map : window.lieux.map;
    const style = m.getStyle();
    return {
      layers: style.layers.map((l) => l.id),
      sources: Object.keys(style.sources),
      attribution: document.querySelector(".maplibregl-ctrl-attrib")?.textContent ?? "",
    };
  }, embed);
}

function checkStyle(shown, where) {
  for (const layer of [...STYLE_LAYERS, "places", "clusters"]) assert.ok(shown.layers.includes(layer), `${where}: ${layer} in ${shown.layers}`);
  assert.ok(shown.layers.indexOf("fond-zone") < shown.layers.indexOf("places"), `${where}: the places over the basemap`);
  assert.ok(!shown.sources.includes("communes"), `${where}: not the gazetteer's basemap`);
  assert.ok(shown.attribution.includes(STYLE_ATTRIBUTION), `${where}: the style's attribution: ${shown.attribution}`);
}

test("the map page draws the places over the operator's style, with its attribution", async () => {
  const page = await newPage();
  const requested = [];
  page.on("request", (request) => requested.push(request.url()));
  await page.goto(`${BASE}/`);
  assert.equal(await page.locator('meta[name="lieux-basemap-style"]').getAttribute("content"), STYLE);
  await page.waitForFunction(() => window.lieux !== undefined);
  await page.evaluate(() => window.lieux.ready);
  await page.waitForFunction(() => document.body.dataset.basemap === "loaded");
  checkStyle(await drawn(page, false), "the page");
  assert.ok(requested.includes(STYLE), "the page asked for the style");
  assert.ok(!requested.some((url) => url.includes("communes")), "the gazetteer is not fetched");
  await page.close();
});

test("the embed draws the operator's style too, and nothing is asked of any other host", async () => {
  const page = await newPage();
  await page.goto(`${BASE}/embed?departement=49`);
  await page.waitForFunction(() => window.lieuxEmbed !== undefined);
  await page.evaluate(() => window.lieuxEmbed.ready);
  checkStyle(await drawn(page, true), "the embed");
  await page.close();

  const styleOrigin = new URL(STYLE).origin;
  assert.ok(foreignRequests.includes(STYLE), `the style was asked: ${foreignRequests}`);
  assert.deepEqual(foreignRequests.filter((url) => new URL(url).origin !== styleOrigin), [], "only lieux and the style's host");
  assert.deepEqual(pageErrors, []);
});
