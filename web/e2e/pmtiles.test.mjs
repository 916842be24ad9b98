// `lieux serve --basemap-pmtiles FILE` end to end in headless Chromium: the map page and the
// embed draw the places over the archive lieux serves itself (`/basemap.pmtiles`, read by byte
// ranges), with the Protomaps style, say where the basemap comes from, and ask nothing of any
// other host (no glyphs, no sprites, no tiles from elsewhere).
//
// `cargo test` runs it (tests/page.rs writes the archive: land and a road named "Avenue de
// l'Essai" on every tile); by hand: `LIEUX_URL=… npm run e2e:pmtiles` in web/, against a server
// started with `--basemap-pmtiles`.

import assert from "node:assert/strict";
import { test } from "node:test";
import { browserForFile, newTab } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
if (!BASE) throw new Error("LIEUX_URL must name a lieux server started with --basemap-pmtiles");

const chromium = browserForFile(BASE);
const { foreignRequests, pageErrors } = chromium;

/** A new tab that records the answers of lieux to its ranges of the archive. */
async function newPage() {
  const page = await newTab(chromium.context, pageErrors);
  const ranges = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname !== "/basemap.pmtiles") return;
    ranges.push({ status: response.status(), range: response.request().headers().range ?? "" });
  });
  return { page, ranges };
}

/** Waits in `page` until its map has drawn the archive's road and land and our places; what
 * the map shows. */
async function drawn(page, embed) {
  await page.waitForFunction((embed) => {
    const m = embed ? window.lieuxEmbed.map : window.lieux.map;
    if (!m || !m.loaded()) return false;
    const land = m.queryRenderedFeatures({ layers: ["earth"] }).length;
    const roads = m.queryRenderedFeatures({ layers: ["roads_major"] }).length;
    return land > 0 && roads > 0 && m.queryRenderedFeatures({ layers: ["clusters", "places"] }).length > 0;
  }, embed);
  return page.evaluate((embed) => {
    const m = embed ? window.lieuxEmbed.map : window.lieux.map;
    const style = m.getStyle();
    const roads = m.queryRenderedFeatures({ layers: ["roads_major"] });
    return {
      layers: style.layers.map((l) => l.id),
      sources: Object.keys(style.sources),
      glyphs: style.glyphs ?? null,
      sprite: style.sprite ?? null,
      road: roads[0]?.properties.name ?? null,
      attribution: document.querySelector(".maplibregl-ctrl-attrib")?.textContent ?? "",
    };
  }, embed);
}

function checkBasemap(shown, ranges, where) {
  assert.ok(shown.sources.includes("protomaps") && !shown.sources.includes("communes"), `${where}: ${shown.sources}`);
  assert.ok(shown.layers.indexOf("roads_major") < shown.layers.indexOf("places"), `${where}: the places over the basemap`);
  assert.equal(shown.road, "Avenue de l'Essai", `${where}: the archive's road is drawn`);
  assert.equal(shown.glyphs, null, `${where}: no glyph server`);
  assert.equal(shown.sprite, null, `${where}: no sprite`);
  assert.match(shown.attribution, /OpenStreetMap/, `${where}: ${shown.attribution}`);
  assert.match(shown.attribution, /Protomaps/, `${where}: ${shown.attribution}`);
  assert.ok(ranges.length > 0, `${where}: the archive was read`);
  for (const { status, range } of ranges) {
    assert.equal(status, 206, `${where}: ${range}`);
    assert.match(range, /^bytes=\d+-\d+$/, `${where}: read by ranges`);
  }
}

test("the map page draws the places over the archive lieux serves, with its attribution", async () => {
  const { page, ranges } = await newPage();
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => window.lieux !== undefined);
  await page.evaluate(() => window.lieux.ready);
  await page.waitForFunction(() => document.body.dataset.basemap === "loaded");
  checkBasemap(await drawn(page, false), ranges, "the page");
  await page.close();
});

test("the embed draws it too, and nothing is asked of any other host", async () => {
  const { page, ranges } = await newPage();
  await page.goto(`${BASE}/embed?departement=49`);
  await page.waitForFunction(() => window.lieuxEmbed !== undefined);
  await page.evaluate(() => window.lieuxEmbed.ready);
  checkBasemap(await drawn(page, true), ranges, "the embed");
  await page.close();

  assert.deepEqual(foreignRequests, [], "no other host");
  assert.deepEqual(pageErrors, []);
});
