// End-to-end test of the map page in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core), against a running `lieux` server.
//
// `cargo test` runs it (tests/page.rs starts lieux on the bundled data and sets LIEUX_URL);
// by hand: `LIEUX_URL=http://127.0.0.1:8080 node --test e2e/` in web/. Screenshots of the
// three views go to LIEUX_E2E_ARTIFACTS (default: ../target/e2e).
//
// The tests run in order on one page, as a person would use it: each step starts from where
// the previous one left the page, and says so.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { afterSearchOn, contrastFailures, frenchContext, launchChromium } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
if (!BASE) throw new Error("LIEUX_URL must name a running lieux server, e.g. http://127.0.0.1:8080");
const ARTIFACTS = process.env.LIEUX_E2E_ARTIFACTS ?? path.resolve(import.meta.dirname, "../../target/e2e");
const SERVICE = "Aide aux démarches administratives";
const FILTER_SERVICE = "Accès internet et matériel informatique";

/** Every request that left for another origin than the lieux server. */
const foreignRequests = [];
const pageErrors = [];
let browser;
let page;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  const context = await frenchContext(browser, BASE, foreignRequests, { acceptDownloads: true });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(20_000);
});

after(async () => {
  await browser?.close();
});

// ---- helpers --------------------------------------------------------------------------------

/** Waits until the map has stopped moving and every tile in view is loaded and drawn. */
async function mapIdle() {
  await page.waitForFunction(() => {
    const map = window.lieux?.map;
    return map && map.loaded() && map.areTilesLoaded() && !map.isMoving();
  });
  // One more frame, so that what queryRenderedFeatures sees is what was just loaded.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

function renderedCounts() {
  return page.evaluate(() => window.lieux.mapView.renderedCounts());
}

/** Waits until the rendered counts satisfy `predicate`, and returns them. */
async function waitForCounts(predicate, what) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await mapIdle();
    const counts = await renderedCounts();
    if (predicate(counts)) return counts;
    if (Date.now() > deadline) assert.fail(`the map never showed ${what}: ${JSON.stringify(counts)}`);
    await page.waitForTimeout(200);
  }
}

/** Runs `action`, then waits for the search it starts to finish. */
const afterSearch = (action) => afterSearchOn(page, action);

async function screenshot(name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** A minimal RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...records] = rows.filter((r) => r.length > 1 || r[0] !== "");
  return records.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ""])));
}

const servicesOf = (feature) => {
  const services = feature.properties.services ?? [];
  return Array.isArray(services) ? services : String(services).split("|");
};

// ---- the checks -----------------------------------------------------------------------------

test("the page loads in French and the map draws clusters of our tiles", async () => {
  const health = await (await fetch(`${BASE}/health`)).json();
  await page.goto(`${BASE}/`);
  assert.equal(await page.getAttribute("html", "lang"), "fr");
  await page.waitForFunction(() => window.lieux !== undefined);
  const counts = await waitForCounts((c) => c.clusters > 0, "clusters");
  assert.ok(counts.clusters > 5, `clusters drawn: ${counts.clusters}`);
  // The whole data set is in view at the start: every place is in a cluster or drawn alone.
  assert.equal(counts.points, health.places, "clusters and places in view add up to every place");
  const sources = await page.evaluate(() => window.lieux.map.getStyle().sources.lieux.url);
  assert.match(sources, /\/tiles\.json$/);
  // The basemap: département borders and names, and commune names, drawn from our gazetteer.
  await page.waitForFunction(() => document.body.dataset.basemap === "loaded");
  await mapIdle();
  const basemap = await page.evaluate(() => {
    const map = window.lieux.map;
    const count = (layers) => map.queryRenderedFeatures({ layers }).length;
    const communes = map.getStyle().layers.filter((l) => l.id.startsWith("communes-")).map((l) => l.id);
    return {
      borders: count(["departement-borders"]),
      departements: map.queryRenderedFeatures({ layers: ["departements"] }).map((f) => f.properties.label),
      communes: map.queryRenderedFeatures({ layers: communes }).map((f) => f.properties.nom),
    };
  });
  assert.ok(basemap.borders > 0, "département borders are drawn");
  // Names that would overlap a town's are left out; most still show.
  assert.ok(basemap.departements.length >= 5 && basemap.departements.includes("Vendée (85)"), `${basemap.departements}`);
  assert.ok(basemap.communes.includes("Nantes") || basemap.communes.includes("Angers"), `${basemap.communes}`);
  await screenshot("map");
});

test('typing "demarches" shows suggestions, and Enter lists places offering the service', async () => {
  const input = page.getByRole("combobox", { name: /Rechercher/ });
  assert.equal(await input.getAttribute("type"), "search");
  await input.click();
  await input.pressSequentially("demarches", { delay: 40 });
  const options = page.locator("#suggestions [role=option]");
  await options.first().waitFor({ state: "visible" });
  const labels = await options.allTextContents();
  assert.ok(labels.length > 0, "some suggestions");
  assert.ok(
    labels.some((label) => /d[ée]marches/i.test(label)),
    `a suggestion mentions démarches: ${labels.join(" / ")}`,
  );
  assert.equal(await input.getAttribute("aria-expanded"), "true");

  await afterSearch(() => input.press("Enter"));
  const results = await page.evaluate(() => window.lieux.results());
  assert.ok(results.length > 0, "the search lists places");
  const offering = results.filter((f) => servicesOf(f).includes(SERVICE));
  assert.ok(
    offering.length >= results.length / 2,
    `${offering.length} of ${results.length} listed places offer « ${SERVICE} »`,
  );
  await page.getByRole("button", { name: "Liste", exact: true }).click();
  const cards = page.locator("#cards article");
  assert.equal(await cards.count(), results.length, "one card per listed place");
  assert.match(await page.locator("#cards").innerText(), new RegExp(SERVICE));
  assert.match(page.url(), /[?&]q=demarches/, "the query is in the URL");
  await screenshot("cards");
});

test("a service filter changes both the list and the map's counts", async () => {
  // From a fresh page (no query), on the map.
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  const before = await waitForCounts((c) => c.clusters > 0, "clusters");
  const totalBefore = await page.evaluate(() => window.lieux.total());
  const box = page.getByRole("checkbox", { name: new RegExp(`^\\s*${FILTER_SERVICE}`) });
  const facetCount = Number(/\((\d+)\)/.exec(await box.locator("xpath=..").innerText())?.[1]);
  assert.ok(facetCount > 0 && facetCount < totalBefore, `facet count ${facetCount} of ${totalBefore}`);

  await afterSearch(() => box.check());
  const totalAfter = await page.evaluate(() => window.lieux.total());
  assert.equal(totalAfter, facetCount, "the list has as many places as the facet said");
  const after = await waitForCounts((c) => c.points !== before.points, "a change of counts");
  assert.equal(after.points, totalAfter, "the map's clusters count the filtered places");
  assert.ok(after.points < before.points);
  const tileUrl = await page.evaluate(() => window.lieux.map.getStyle().sources.lieux.url);
  assert.equal(new URL(tileUrl).searchParams.get("services"), FILTER_SERVICE, "the tiles are filtered");
  assert.equal(new URL(page.url()).searchParams.get("services"), FILTER_SERVICE, "the filter is in the URL");
});

test("a click on a cluster zooms in to its expansion zoom", async () => {
  await mapIdle();
  const target = await page.evaluate(() => {
    const map = window.lieux.map;
    const clusters = map.queryRenderedFeatures({ layers: ["clusters"] });
    const { width, height } = map.getCanvas().getBoundingClientRect();
    const inside = clusters
      .map((f) => ({ f, p: map.project(f.geometry.coordinates) }))
      .filter(({ p }) => p.x > 40 && p.y > 40 && p.x < width - 60 && p.y < height - 40)
      .sort((a, b) => b.f.properties.point_count - a.f.properties.point_count)[0];
    const rect = map.getCanvas().getBoundingClientRect();
    return {
      x: rect.left + inside.p.x,
      y: rect.top + inside.p.y,
      id: inside.f.properties.cluster_id,
      zoom: map.getZoom(),
    };
  });
  const expansion = await page.evaluate(
    async (id) => (await (await fetch(`/clusters/${id}/expansion-zoom?${new URL(window.lieux.map.getStyle().sources.lieux.url).search.slice(1)}`)).json()).expansion_zoom,
    target.id,
  );
  // The cluster's tile feature carries its expansion zoom: the click asks the server nothing.
  const asked = [];
  const listen = (request) => request.url().includes("/clusters/") && asked.push(request.url());
  page.on("request", listen);
  await page.mouse.click(target.x, target.y);
  await page.waitForFunction((z) => window.lieux.map.getZoom() > z + 0.4, target.zoom);
  await mapIdle();
  const zoom = await page.evaluate(() => window.lieux.map.getZoom());
  assert.ok(zoom > target.zoom, `zoom ${target.zoom} → ${zoom}`);
  page.off("request", listen);
  assert.ok(Math.abs(zoom - Math.max(expansion, target.zoom + 0.5)) < 0.01, `zoom ${zoom}, expansion zoom ${expansion}`);
  assert.deepEqual(asked, [], "no request for the expansion zoom");
  assert.match(page.url(), /[?&]carte=/, "the map position is in the URL");
});

test("a click on a place opens its details, and the place is marked in every view", async () => {
  // Zoom onto one place of a cluster in view, found through the cluster routes.
  const place = await page.evaluate(async () => {
    const map = window.lieux.map;
    const filters = new URL(map.getStyle().sources.lieux.url).search.slice(1);
    const [cluster] = map.queryRenderedFeatures({ layers: ["clusters"] });
    const leaves = await (await fetch(`/clusters/${cluster.properties.cluster_id}/leaves?limit=1&${filters}`)).json();
    const leaf = leaves.features[0];
    map.jumpTo({ center: leaf.geometry.coordinates, zoom: 17 });
    return { id: String(leaf.properties.id), nom: leaf.properties.nom, coordinates: leaf.geometry.coordinates };
  });
  await mapIdle();
  const point = await page.evaluate((coordinates) => {
    const map = window.lieux.map;
    const p = map.project(coordinates);
    const rect = map.getCanvas().getBoundingClientRect();
    const under = map.queryRenderedFeatures(p, { layers: ["places", "clusters"] }).map((f) => f.layer.id);
    return { x: rect.left + p.x, y: rect.top + p.y, under };
  }, place.coordinates);
  assert.ok(point.under.includes("places"), `a place is drawn under the pointer (${point.under})`);
  await page.mouse.click(point.x, point.y);
  const title = page.locator("#details-title");
  await title.waitFor({ state: "visible" });
  await page.waitForFunction(() => !/Chargement/.test(document.querySelector("#details-body").textContent));
  const shownId = await page.evaluate(() => window.lieux.state().selected);
  const shown = await page.evaluate(async (id) => (await (await fetch(`/places/${encodeURIComponent(id)}`)).json()), shownId);
  assert.equal(await title.innerText(), shown.properties.nom);
  const panel = await page.locator("#details").innerText();
  for (const heading of ["Horaires", "Services", "Source"]) assert.match(panel, new RegExp(heading));
  assert.match(panel, /Ouvert maintenant|Fermé actuellement|Horaires non renseignés/);
  assert.match(page.url(), new RegExp(`[?&]lieu=${encodeURIComponent(shownId)}`));
  const selectedFilter = await page.evaluate(() => JSON.stringify(window.lieux.map.getFilter("place-selected")));
  assert.match(selectedFilter, new RegExp(shownId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  await screenshot("details");
});

test("the table view sorts, and choosing a row marks it on the map and in the cards", async () => {
  await page.getByRole("button", { name: "Tableau", exact: true }).click();
  const table = page.locator("#table");
  await table.locator("tbody tr").first().waitFor();
  const names = () => table.locator("tbody tr th").allInnerTexts();
  const collator = new Intl.Collator("fr", { sensitivity: "base", numeric: true });

  await table.locator('thead button[data-column="nom"]').click();
  const ascending = await names();
  assert.ok(ascending.length > 1);
  assert.deepEqual(ascending, [...ascending].sort(collator.compare), "names sort ascending");
  assert.equal(await table.locator('th[data-column="nom"]').getAttribute("aria-sort"), "ascending");

  await table.locator('thead button[data-column="nom"]').click();
  const descending = await names();
  assert.deepEqual(descending, [...ascending].sort(collator.compare).reverse(), "names sort descending");
  assert.equal(await table.locator('th[data-column="nom"]').getAttribute("aria-sort"), "descending");

  await table.locator('thead button[data-column="commune"]').click();
  const communes = await table.locator("tbody tr td:nth-of-type(1)").allInnerTexts();
  assert.deepEqual(communes, [...communes].sort(collator.compare), "communes sort ascending");
  assert.match(page.url(), /[?&]tri=commune/);

  const row = table.locator("tbody tr").nth(2);
  const id = await row.getAttribute("data-id");
  await row.locator("th button").click();
  await page.waitForFunction((id) => window.lieux.state().selected === id, id);
  assert.equal(await row.getAttribute("aria-selected"), "true");
  assert.equal(await page.locator(`#cards article[data-id="${id}"]`).getAttribute("aria-current"), "true");
  const selectedFilter = await page.evaluate(() => JSON.stringify(window.lieux.map.getFilter("place-selected")));
  assert.ok(selectedFilter.includes(JSON.stringify(id)), selectedFilter);
  await screenshot("table");
});

test("the link to this page restores its state", async () => {
  const url = page.url();
  const [zoom, lat, lon] = new URL(url).searchParams.get("carte").split("/").map(Number);
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  const view = await page.evaluate(() => ({ zoom: window.lieux.map.getZoom(), centre: window.lieux.map.getCenter() }));
  assert.ok(Math.abs(view.zoom - zoom) < 0.01 && Math.abs(view.centre.lat - lat) < 1e-4 && Math.abs(view.centre.lng - lon) < 1e-4,
    `the map is where the link says: ${JSON.stringify(view)} for ${zoom}/${lat}/${lon}`);
  assert.equal(await page.getByRole("button", { name: "Tableau", exact: true }).getAttribute("aria-pressed"), "true");
  assert.ok(await page.getByRole("checkbox", { name: new RegExp(`^\\s*${FILTER_SERVICE}`) }).isChecked());
  assert.equal(await page.locator('th[data-column="commune"]').getAttribute("aria-sort"), "ascending");
});

test("a place's opening hours read in plain French, with whether it is open now", async () => {
  const answer = await (await fetch(`${BASE}/search?q=france%20services&limit=50`)).json();
  const withHours = answer.features.find((f) => /^Mo-Fr \d\d:\d\d-\d\d:\d\d/.test(f.properties.horaires ?? ""));
  assert.ok(withHours, "a France services place has weekday hours");
  const url = new URL(page.url());
  url.searchParams.set("lieu", withHours.properties.id);
  await page.goto(url.href);
  await page.locator("#details table.hours").waitFor();
  const hours = await page.locator("#details table.hours").innerText();
  for (const day of ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]) {
    assert.match(hours, new RegExp(day));
  }
  assert.match(hours, /Lundi\s+de \d{1,2} h( \d\d)? à \d{1,2} h/);
  assert.doesNotMatch(hours, /Mo|Fr|:/, "no OSM syntax is left");
  const status = await page.locator("#details .status").innerText();
  const expected = withHours.properties.open_now;
  if (expected !== undefined) assert.equal(status, expected ? "Ouvert maintenant" : "Fermé actuellement");
});

test("choosing a commune recentres the map and lists places by distance within the radius", async () => {
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  const input = page.getByRole("combobox", { name: /Rechercher/ });
  await input.click();
  await input.pressSequentially("Angers", { delay: 40 });
  const commune = page.locator("#suggestions [role=option].commune").first();
  await commune.waitFor({ state: "visible" });
  assert.match(await commune.innerText(), /^Angers/);
  // The keyboard way: down to the first suggestion, then Enter.
  await input.press("ArrowDown");
  assert.equal(await input.getAttribute("aria-activedescendant"), "suggestion-0");
  await afterSearch(() => input.press("Enter"));
  await mapIdle();
  const { center, distances, around } = await page.evaluate(() => ({
    center: window.lieux.map.getCenter(),
    distances: window.lieux.results().map((f) => f.properties.distance_m),
    around: window.lieux.state().around,
  }));
  assert.equal(around.label, "Angers");
  assert.ok(Math.abs(center.lat - 47.47) < 0.05 && Math.abs(center.lng + 0.55) < 0.05, JSON.stringify(center));
  assert.ok(distances.length > 0);
  assert.ok(distances.every((d) => d <= 10_000), "every place is within 10 km");
  assert.deepEqual(distances, [...distances].sort((a, b) => a - b), "nearest first");
  assert.match(await page.locator("#summary").innerText(), /10 km d’Angers/);

  await afterSearch(() => page.getByLabel("Rayon").selectOption("2000"));
  const near = await page.evaluate(() => window.lieux.results().map((f) => f.properties.distance_m));
  assert.ok(near.length < distances.length && near.every((d) => d <= 2_000), "a 2 km radius keeps fewer places");
});

test("« Autour de moi » searches around the browser's position", async () => {
  await page.context().grantPermissions(["geolocation"], { origin: BASE });
  await page.context().setGeolocation({ latitude: 47.2184, longitude: -1.5536 }); // Nantes
  await afterSearch(() => page.getByRole("button", { name: "Autour de moi" }).click());
  const { around, distances } = await page.evaluate(() => ({
    around: window.lieux.state().around,
    distances: window.lieux.results().map((f) => f.properties.distance_m),
  }));
  assert.equal(around.label, "votre position");
  assert.ok(Math.abs(around.lat - 47.2184) < 1e-3);
  assert.ok(distances.length > 0 && distances.every((d) => d <= 2_000), `${distances}`);
  // Back to the filtered list for the export below.
  await afterSearch(() => page.getByRole("button", { name: "Retirer" }).click());
  await afterSearch(() =>
    page.getByRole("checkbox", { name: new RegExp(`^\\s*${FILTER_SERVICE}`) }).check(),
  );
});

test("the CSV download holds the filtered places", async () => {
  const total = await page.evaluate(() => window.lieux.total());
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: /Télécharger/ }).click(),
  ]);
  const file = path.join(ARTIFACTS, "lieux.csv");
  await download.saveAs(file);
  const rows = parseCsv(readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
  assert.equal(rows.length, total, "one row per place found");
  for (const row of rows) {
    assert.ok(row.nom, "every row has a name");
    assert.ok(row.services.split("|").includes(FILTER_SERVICE), `${row.nom} offers the filtered service`);
  }
});

test("text reaches WCAG AA contrast in every view", async () => {
  for (const view of ["Carte", "Liste", "Tableau"]) {
    await page.getByRole("button", { name: view, exact: true }).click();
    const failures = await contrastFailures(page, "body *");
    assert.deepEqual(failures, [], `contrast below AA in the ${view} view`);
  }
});

test("an everyday query says how it was read, and « modifier » turns the reading into filters", async () => {
  const q = "cours d'informatique à Cholet";
  await page.goto(`${BASE}/?q=${encodeURIComponent(q)}`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  const line = page.locator("#interpreted");
  await line.waitFor({ state: "visible" });
  const text = await line.innerText();
  assert.match(text, /Maîtrise des outils numériques du quotidien/, text);
  assert.match(text, /autour de Cholet \(10 km\)/, text);
  const results = await page.evaluate(() => window.lieux.results());
  const totalRead = await page.evaluate(() => window.lieux.total());
  assert.ok(results.length > 0, "places are listed");
  assert.ok(
    results.every((f) => f.properties.distance_m <= 10_000),
    "every listed place is within 10 km of Cholet",
  );
  await afterSearch(() => page.getByRole("button", { name: "modifier" }).click());
  const { state, total } = await page.evaluate(() => ({ state: window.lieux.state(), total: window.lieux.total() }));
  assert.deepEqual(state.filters.services, ["Maîtrise des outils numériques du quotidien"]);
  assert.equal(state.around.label, "Cholet");
  assert.equal(state.q, "");
  // The places offering the service: the reading's, less those that only mention its words.
  assert.ok(total > 0 && total <= totalRead, `${total} of ${totalRead}`);
  assert.equal(await page.getByRole("combobox", { name: /Rechercher/ }).inputValue(), "");
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("services"), "Maîtrise des outils numériques du quotidien");

  // A word that finds nothing is said, with a correction to try.
  await page.goto(`${BASE}/?q=wifl`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  await line.waitFor({ state: "visible" });
  assert.match(await line.innerText(), /Vouliez-vous dire/);
  await afterSearch(() => page.locator("#did-you-mean").click());
  assert.ok((await page.evaluate(() => window.lieux.total())) > 0, "the correction finds places");
  await screenshot("interpreted");
});

test("the API's documentation page shows every operation of /openapi.json", async () => {
  const spec = await (await fetch(`${BASE}/openapi.json`)).json();
  const operations = Object.values(spec.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  await page.goto(`${BASE}/api`);
  await page.waitForFunction(
    (expected) => document.querySelectorAll(".opblock").length === expected,
    operations,
  );
  assert.ok(operations >= 15, `${operations} operations`);
  await page.locator(".opblock-summary-path", { hasText: "/nearest" }).first().click();
  await page.getByText("How many places").first().waitFor({ state: "visible" });
  await screenshot("api");
});

/** Records the paths and queries of the vector tiles the page asks for, until `stop()`. */
function recordTileRequests() {
  const asked = [];
  const context = page.context();
  const record = (request) => {
    const url = new URL(request.url());
    if (/^\/tiles\/\d+\/\d+\/\d+\.(mvt|pbf)$/.test(url.pathname)) asked.push(url);
  };
  context.on("request", record);
  return { asked, stop: () => context.off("request", record) };
}

/** Waits until `tiles` holds a tile request that `predicate` accepts. */
async function waitForTile(tiles, predicate, what) {
  const deadline = Date.now() + 20_000;
  while (!tiles.asked.some(predicate)) {
    if (Date.now() > deadline) assert.fail(`no tile request ${what}: ${tiles.asked.map(String).join(" ")}`);
    await page.waitForTimeout(100);
  }
}

test("« Ouvert maintenant » filters the map's tiles, not only the list", async () => {
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  const before = await waitForCounts((c) => c.clusters > 0, "clusters");
  const tiles = recordTileRequests();
  const openNow = page.getByRole("checkbox", { name: "Ouvert maintenant" });
  await afterSearch(() => openNow.check());
  const source = new URL(await page.evaluate(() => window.lieux.map.getStyle().sources.lieux.url));
  assert.equal(source.searchParams.get("open_now"), "true", "the TileJSON of open places");
  await waitForTile(tiles, (url) => url.searchParams.get("open_now") === "true", "with open_now=true");
  await waitForCounts((c) => c.points <= before.points, "the open places");
  assert.equal(new URL(page.url()).searchParams.get("open_now"), "true", "the filter is in the URL");

  // Unchecked, the map draws the tiles of every place again: asked anew, or from the tiles
  // MapLibre kept of the unfiltered source (then no request is made, which the test once met
  // under load).
  await afterSearch(() => openNow.uncheck());
  const unfiltered = new URL(await page.evaluate(() => window.lieux.map.getStyle().sources.lieux.url));
  assert.equal(unfiltered.searchParams.get("open_now"), null, "the TileJSON of every place");
  tiles.stop();
  await waitForCounts((c) => c.points === before.points, "every place again");
});

test("typing « Angers Loire » offers the intercommunalité, which filters the list and the map", async () => {
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  const input = page.getByRole("combobox", { name: /Rechercher/ });
  await input.click();
  await input.pressSequentially("Angers Loire", { delay: 40 });
  const option = page.locator("#suggestions [role=option].epci").first();
  await option.waitFor({ state: "visible" });
  const text = await option.innerText();
  assert.match(text, /Angers Loire Métropole/);
  assert.match(text, /Intercommunalité/);
  const count = Number(/(\d+) lieux?/.exec(text)?.[1]);
  assert.ok(count > 0, text);

  await afterSearch(() => option.click());
  assert.equal(new URL(page.url()).searchParams.get("epci"), "244900015", "the territory is in the URL");
  assert.equal(await page.evaluate(() => window.lieux.total()), count, "the list holds the EPCI's places");
  const source = new URL(await page.evaluate(() => window.lieux.map.getStyle().sources.lieux.url));
  assert.equal(source.searchParams.get("epci"), "244900015", "the tiles are filtered");
  assert.match(await page.locator("#territory-text").innerText(), /Angers Loire Métropole/);

  // The link restores it, name included; « Retirer » takes it off.
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.search === "done");
  assert.equal(await page.evaluate(() => window.lieux.total()), count);
  assert.match(await page.locator("#territory-text").innerText(), /Angers Loire Métropole/);
  await afterSearch(() => page.locator("#territory-clear").click());
  assert.equal(new URL(page.url()).searchParams.get("epci"), null);
  assert.ok((await page.evaluate(() => window.lieux.total())) > count);
});

test("« Services dans les groupes » draws each group as a donut of its services, with a legend", async () => {
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  await waitForCounts((c) => c.clusters > 0, "clusters");
  const tiles = recordTileRequests();
  const toggle = page.getByRole("checkbox", { name: "Services dans les groupes" });
  await toggle.check();
  await waitForTile(tiles, (url) => url.searchParams.get("cluster_counts") === "services", "with cluster_counts=services");
  tiles.stop();
  assert.equal(new URL(page.url()).searchParams.get("groupes"), "services", "the choice is in the URL");
  const legend = page.getByRole("list", { name: "Couleurs des services" });
  await legend.waitFor({ state: "visible" });
  const entries = await legend.getByRole("listitem").allInnerTexts();
  assert.equal(entries.length, 9, `every service of the standard: ${entries}`);
  assert.ok(entries.some((entry) => entry.includes(SERVICE)), entries.join(", "));

  // Each donut has an arc per service its group's places offer, and the group's count.
  await page.waitForFunction(() => document.querySelectorAll(".donut-marker").length > 0);
  await mapIdle();
  const donuts = await page.evaluate(() => {
    const map = window.lieux.map;
    const features = new Map(
      map
        .querySourceFeatures("lieux", { sourceLayer: "places", filter: ["has", "point_count"] })
        .map((f) => [String(f.properties.cluster_id), f.properties]),
    );
    return [...document.querySelectorAll(".donut-marker")].map((marker) => {
      const properties = features.get(marker.dataset.clusterId);
      return {
        arcs: marker.querySelectorAll("path").length,
        label: marker.querySelector("text")?.textContent,
        services: properties ? Object.entries(properties).filter(([k, v]) => k.startsWith("services:") && v > 0).length : null,
        count: properties?.point_count_abbreviated,
        hidden: marker.getAttribute("aria-hidden"),
      };
    });
  });
  assert.ok(donuts.some((donut) => donut.arcs > 1), JSON.stringify(donuts));
  for (const donut of donuts) {
    assert.equal(donut.arcs, donut.services, JSON.stringify(donut));
    assert.equal(donut.label, String(donut.count));
    assert.equal(donut.hidden, "true", "decorative: the legend and the keyboard list say it");
  }
  // The circles stay for clicks and the keyboard, but do not show under the donuts.
  const opacity = await page.evaluate(() => window.lieux.map.getPaintProperty("clusters", "circle-opacity"));
  assert.equal(opacity, 0);
  await screenshot("donuts");

  // A donut zooms in as a circle does.
  const zoom = await page.evaluate(() => window.lieux.map.getZoom());
  await page.locator(".donut-marker").first().click();
  await page.waitForFunction((z) => window.lieux.map.getZoom() > z + 0.4, zoom);

  // Switched off, the groups are circles again.
  await toggle.uncheck();
  await page.waitForFunction(() => document.querySelectorAll(".donut-marker").length === 0);
  assert.equal(new URL(page.url()).searchParams.get("groupes"), null);
  assert.equal(await page.evaluate(() => window.lieux.map.getPaintProperty("clusters", "circle-opacity")), 0.92);
  assert.ok(await legend.isHidden());
});

test("the page asked nothing of any other host, and raised no error", () => {
  assert.deepEqual(foreignRequests, [], "requests to other hosts");
  assert.deepEqual(pageErrors, [], "uncaught errors in the page");
});
