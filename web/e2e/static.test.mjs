// A map published with no lieux running: `lieux export --pmtiles site/lieux.pmtiles --site site`
// served by Debian's nginx on loopback (tests/pmtiles.rs starts it, and no lieux server). The
// page draws the places from the archive, read by byte ranges, and says that search and details
// need the server; `?tiles=URL` makes a copy of the page without the archive's `<meta>` draw it.
//
// `cargo test` runs it; by hand: `LIEUX_URL=http://127.0.0.1:PORT npm run e2e:static` in web/,
// against a static host serving such a directory at its root (and `bare/`, a copy of the page
// written without the archive).

import assert from "node:assert/strict";
import { test } from "node:test";
import { browserForFile, newTab } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
if (!BASE) throw new Error("LIEUX_URL must name a static host serving a site of lieux export --site");

const chromium = browserForFile(BASE);
const { foreignRequests, pageErrors } = chromium;

/** Opens `path` and waits until the map has drawn places from the archive; what it shows, and
 * the answers to the archive's ranges. */
async function drawnFrom(path) {
  const page = await newTab(chromium.context, pageErrors);
  const ranges = [];
  page.on("response", (response) => {
    if (!new URL(response.url()).pathname.endsWith(".pmtiles")) return;
    ranges.push({ status: response.status(), range: response.request().headers().range ?? "" });
  });
  await page.goto(`${BASE}${path}`);
  await page.waitForFunction(() => window.lieux !== undefined);
  await page.evaluate(() => window.lieux.ready);
  await page.waitForFunction(() => {
    const m = window.lieux.map;
    return m.loaded() && m.queryRenderedFeatures({ layers: ["clusters", "places"] }).length > 0;
  });
  const shown = await page.evaluate(() => ({
    serverless: window.lieux.serverless(),
    counts: window.lieux.mapView.renderedCounts(),
    source: window.lieux.map.getStyle().sources.lieux,
    summary: document.querySelector("#summary")?.textContent ?? "",
    searchDisabled: document.querySelector("#q")?.disabled ?? false,
    attribution: document.querySelector(".maplibregl-ctrl-attrib")?.textContent ?? "",
    url: location.search,
  }));
  return { page, ranges, shown };
}

function check({ ranges, shown }, where) {
  assert.equal(shown.serverless, true, `${where}: no server behind the page`);
  assert.match(shown.source.url, /^pmtiles:\/\/http:\/\/127\.0\.0\.1:\d+\/lieux\.pmtiles$/, where);
  assert.ok(shown.counts.clusters > 0, `${where}: clusters drawn ${JSON.stringify(shown.counts)}`);
  assert.ok(shown.counts.points > 0, `${where}: places drawn`);
  assert.match(shown.summary, /sans serveur/, where);
  assert.equal(shown.searchDisabled, true, `${where}: the search box says it cannot search`);
  assert.match(shown.attribution, /ANCT/, `${where}: the archive's attribution: ${shown.attribution}`);
  assert.ok(ranges.length >= 2, `${where}: the header, then tiles`);
  for (const { status, range } of ranges) {
    assert.equal(status, 206, `${where}: ${range}`);
    assert.match(range, /^bytes=\d+-\d+$/, `${where}: read by ranges`);
  }
}

test("the published page draws the archive beside it, by byte ranges, with no server", async () => {
  const drawn = await drawnFrom("/");
  check(drawn, "the site's page");
  // Zoomed in, the places themselves come from deeper tiles of the archive.
  const before = drawn.ranges.length;
  await drawn.page.evaluate(() => window.lieux.map.jumpTo({ center: [-0.5536, 47.4736], zoom: 14 }));
  await drawn.page.waitForFunction(() => {
    const m = window.lieux.map;
    return m.loaded() && m.queryRenderedFeatures({ layers: ["places"] }).length > 0;
  });
  assert.ok(drawn.ranges.length > before, "new tiles read");
  await drawn.page.close();
});

test("?tiles= points a copy of the page at an archive", async () => {
  const drawn = await drawnFrom("/bare/?tiles=/lieux.pmtiles");
  check(drawn, "?tiles=");
  assert.match(drawn.shown.url, /tiles=%2Flieux\.pmtiles/, "the URL keeps the archive");
  await drawn.page.close();
});

test("nothing was asked of another host, and no script failed", () => {
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
});
