// The embed (`/embed`) end to end in headless Chromium, against a running `lieux` server started
// with `--embed-origins LIEUX_PARTNER`, and two sites of fixed pages on other loopback ports:
// LIEUX_PARTNER (listed) and LIEUX_STRANGER (not listed). Each serves a bare page at `/`, into
// which the test puts an `<iframe>` as a webmaster pastes one.
//
// `cargo test` runs it (tests/page.rs, which starts the three servers); by hand:
// `LIEUX_URL=… LIEUX_PARTNER=… LIEUX_STRANGER=… npm run e2e:embed` in web/. With
// LIEUX_SCREENSHOTS=DIR, the README's screenshot of the embed (`embed.png`) is written there
// (`LIEUX_SCREENSHOTS=../docs`).

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { axeViolations, frenchContext, launchChromium, newTab } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
const PARTNER = process.env.LIEUX_PARTNER;
const STRANGER = process.env.LIEUX_STRANGER;
if (!BASE || !PARTNER || !STRANGER) {
  throw new Error("LIEUX_URL must name a lieux server started with --embed-origins LIEUX_PARTNER; LIEUX_STRANGER another site");
}
const ARTIFACTS = process.env.LIEUX_E2E_ARTIFACTS ?? path.resolve(import.meta.dirname, "../../target/e2e");
const SCREENSHOTS = process.env.LIEUX_SCREENSHOTS;

const SERVICE = "Aide aux démarches administratives";
const DEPARTEMENT = "49";
/** A partner's own colour (dark enough for AA on white: used as given). */
const COLOUR = "0b5d56";

const foreignRequests = [];
const pageErrors = [];
let browser;
let context;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
  // The partners' pages are other origins by design; nothing else may be asked.
  context = await frenchContext(browser, BASE, foreignRequests);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
});

after(async () => {
  await browser?.close();
});

/** A new tab of the context, its script errors collected. */
const newPage = () => newTab(context, pageErrors);

/** Waits in `target` (the embed, as a page or a frame) for its search and its map's places. */
async function embedShown(target) {
  await target.waitForFunction(() => window.lieuxEmbed !== undefined);
  await target.evaluate(() => window.lieuxEmbed.ready);
  await target.waitForFunction(() => document.body.dataset.search === "done");
  await target.waitForFunction(() => {
    const map = window.lieuxEmbed.map;
    return (
      map !== null &&
      map.loaded() &&
      map.queryRenderedFeatures({ layers: ["clusters", "places"] }).length > 0
    );
  });
}

/** The ids `/search` gives for `params`, first page of the embed's size. */
async function searchIds(params) {
  params.set("limit", "30");
  const answer = await (await fetch(`${BASE}/search?${params}`)).json();
  return { total: answer.total, ids: answer.features.map((f) => String(f.properties.id ?? f.id)) };
}

const shownIds = (target) =>
  target.evaluate(() => [...document.querySelectorAll("#cards article")].map((card) => card.dataset.id));

/** Puts `html` into the body of a bare page of `origin`, as a webmaster pastes a snippet. */
async function partnerPageWith(origin, html) {
  const page = await newPage();
  await page.goto(`${origin}/`);
  await page.evaluate((html) => document.body.insertAdjacentHTML("beforeend", html), html);
  return page;
}

const presetParams = () => new URLSearchParams({ services: SERVICE, departement: DEPARTEMENT, couleur: COLOUR });

test("the embed shows the map and the list with the filters and the colour of its URL, and no header", async () => {
  const page = await newPage();
  await page.setViewportSize({ width: 960, height: 600 });
  await page.goto(`${BASE}/embed?${presetParams()}`);
  await embedShown(page);

  assert.equal(await page.locator(".banner, #search-form, #filters").count(), 0, "no header, search box or filters");
  const expected = await searchIds(new URLSearchParams({ services: SERVICE, departement: DEPARTEMENT }));
  assert.ok(expected.total > 3, `places to show: ${expected.total}`);
  assert.deepEqual(await shownIds(page), expected.ids, "the list is /search's with the URL's filters");
  assert.match(await page.locator("#summary").textContent(), new RegExp(`^${expected.total} lieux`));

  // The map's tiles carry the same filters, and every place drawn is one of them.
  const tiles = await page.evaluate(() => window.lieuxEmbed.map.getSource("lieux").url);
  const tileParams = new URL(tiles).searchParams;
  assert.equal(tileParams.get("services"), SERVICE);
  assert.equal(tileParams.get("departement"), DEPARTEMENT);
  const drawn = await page.evaluate(() =>
    window.lieuxEmbed.map
      .queryRenderedFeatures({ layers: ["clusters", "places"] })
      .reduce((n, f) => n + (f.properties.point_count ? Number(f.properties.point_count) : 1), 0),
  );
  assert.ok(drawn > 0 && drawn <= expected.total, `places drawn: ${drawn} of ${expected.total}`);

  // The partner's colour: links and places.
  assert.equal(await page.locator("#full-page").evaluate((a) => getComputedStyle(a).color), "rgb(11, 93, 86)");
  assert.equal(await page.evaluate(() => window.lieuxEmbed.map.getPaintProperty("places", "circle-color")), `#${COLOUR}`);

  assert.deepEqual(await axeViolations(page), [], "axe on the embed");
  await page.locator("body").screenshot({ path: path.join(ARTIFACTS, "embed.png") });
  if (SCREENSHOTS) await page.locator("body").screenshot({ path: path.join(SCREENSHOTS, "embed.png") });

  // A place opens in full on the main page, in a new tab; the embed stays where it was.
  const card = page.locator("#cards article").first();
  const name = await card.locator("h3").textContent();
  const link = card.getByRole("link", { name: /^Voir la fiche complète/ });
  assert.equal(await link.getAttribute("target"), "_blank");
  const [full] = await Promise.all([context.waitForEvent("page"), link.click()]);
  await full.waitForLoadState();
  assert.equal(new URL(full.url()).pathname, "/");
  assert.equal(new URL(full.url()).searchParams.get("lieu"), expected.ids[0]);
  await full.locator("#details-title").waitFor();
  assert.equal(await full.locator("#details-title").textContent(), name);
  assert.equal(new URL(page.url()).pathname, "/embed");
  await full.close();

  // A place clicked on the map shows its name and the same link to the full page.
  await page.evaluate(() => window.lieuxEmbed.map.jumpTo({ zoom: 13, center: [-0.55, 47.47] }));
  await page.waitForFunction(() => {
    const map = window.lieuxEmbed.map;
    return map.loaded() && map.queryRenderedFeatures({ layers: ["places"] }).length > 0;
  });
  const clicked = await page.evaluate(() => {
    const map = window.lieuxEmbed.map;
    const place = map.queryRenderedFeatures({ layers: ["places"] })[0];
    const at = map.project(place.geometry.coordinates);
    const box = map.getCanvas().getBoundingClientRect();
    return { id: String(place.properties.id), x: box.left + at.x, y: box.top + at.y };
  });
  await page.mouse.click(clicked.x, clicked.y);
  const popup = page.locator(".maplibregl-popup");
  const popupLink = popup.getByRole("link", { name: /^Voir la fiche complète/ });
  await popupLink.waitFor();
  const place = (await (await fetch(`${BASE}/places/${encodeURIComponent(clicked.id)}`)).json()).properties;
  assert.equal(await popup.locator(".embed-popup-name").textContent(), place.nom);
  assert.equal(new URL(await popupLink.getAttribute("href")).searchParams.get("lieu"), clicked.id);
  assert.equal(await popupLink.getAttribute("target"), "_blank");

  // A text too light for links on white is darkened to AA.
  await page.goto(`${BASE}/embed?${new URLSearchParams({ services: SERVICE, couleur: "ffd700" })}`);
  await embedShown(page);
  assert.deepEqual(await axeViolations(page), [], "axe on the embed in a light colour");
  await page.close();
});

test("a page of the listed origin frames the embed; a page of another origin is refused", async () => {
  const src = `${BASE}/embed?${presetParams()}`;
  const iframe = `<iframe src="${src}" title="Carte des lieux" style="width: 100%; height: 500px; border: 0"></iframe>`;

  const partner = await partnerPageWith(PARTNER, iframe);
  const framed = await (await partner.waitForSelector("iframe")).contentFrame();
  await embedShown(framed);
  const expected = await searchIds(new URLSearchParams({ services: SERVICE, departement: DEPARTEMENT }));
  assert.deepEqual(await shownIds(framed), expected.ids, "the framed embed lists the places");
  await partner.close();

  const stranger = await newPage();
  await stranger.goto(`${STRANGER}/`);
  // Chromium says why it refused the frame: the embed's `frame-ancestors` does not list it.
  const refused = stranger.waitForEvent("console", (message) => /frame-ancestors/.test(message.text()));
  await stranger.evaluate((html) => document.body.insertAdjacentHTML("beforeend", html), iframe);
  const message = (await refused).text();
  assert.ok(message.includes(`frame-ancestors ${PARTNER}`), message);
  // And the frame holds no embed: Chromium's error page instead.
  const blocked = await (await stranger.waitForSelector("iframe")).contentFrame();
  await blocked.waitForURL(/^chrome-error:/);
  assert.equal(await blocked.evaluate(() => "lieuxEmbed" in window), false);
  await stranger.close();
});

test("« Intégrer cette carte » gives a snippet that works in a page of the listed origin", async () => {
  const page = await newPage();
  await page.goto(`${BASE}/?${new URLSearchParams({ services: SERVICE, departement: DEPARTEMENT })}`);
  await page.waitForFunction(() => window.lieux !== undefined);
  await page.evaluate(() => window.lieux.ready);
  await page.getByRole("button", { name: "Intégrer cette carte" }).click();
  const dialog = page.getByRole("dialog", { name: "Intégrer cette carte" });
  await dialog.waitFor();
  await dialog.getByLabel("Couleur principale").fill(`#${COLOUR}`);
  await dialog.getByLabel("Hauteur").selectOption("450");
  const snippet = await dialog.getByLabel("Code à copier").inputValue();
  assert.match(snippet, /^<iframe src="[^"]+" title="Carte des lieux de médiation numérique" style="[^"]*height: 450px;[^"]*" loading="lazy"/);
  const src = new URL(snippet.match(/src="([^"]+)"/)[1].replaceAll("&amp;", "&"));
  assert.equal(src.origin + src.pathname, `${new URL(BASE).origin}/embed`);
  assert.equal(src.searchParams.get("services"), SERVICE);
  assert.equal(src.searchParams.get("departement"), DEPARTEMENT);
  assert.equal(src.searchParams.get("couleur"), COLOUR);
  assert.deepEqual(await axeViolations(page, "#embed-dialog"), [], "axe on the dialog");

  await dialog.getByRole("button", { name: "Copier le code" }).click();
  await dialog.getByText("Code copié.").waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snippet);
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await page.evaluate(() => document.activeElement?.id), "embed-open", "the focus goes back to the button");

  const partner = await partnerPageWith(PARTNER, snippet);
  const element = await partner.waitForSelector("iframe");
  const framed = await element.contentFrame();
  await embedShown(framed);
  const expected = await searchIds(new URLSearchParams({ services: SERVICE, departement: DEPARTEMENT }));
  assert.deepEqual(await shownIds(framed), expected.ids, "the snippet's embed lists the page's places");
  const box = await element.boundingBox();
  const width = await partner.evaluate(() => document.body.clientWidth);
  assert.equal(Math.round(box.height), 450);
  assert.equal(Math.round(box.width), width, "as wide as the partner's column");
  await partner.close();
  await page.close();

  assert.deepEqual(await context.cookies(), [], "no cookie is set");
  const others = foreignRequests.filter((url) => ![PARTNER, STRANGER].includes(new URL(url).origin));
  assert.deepEqual(others, [], "nothing asked of any other host");
  assert.deepEqual(pageErrors, []);
});
