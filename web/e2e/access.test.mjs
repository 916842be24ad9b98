// The map page without a mouse and on a phone, in headless Chromium: a place inside a group of
// the map reached and opened with the keyboard alone (« Parcourir la carte au clavier »); at a
// phone's width, the results first and the filters behind « Filtres »; axe-core's audit of
// both, the map's list open and the filters open.
//
// `cargo test` runs it (tests/page.rs, a server on the bundled data); by hand:
// `LIEUX_URL=… npm run e2e:access` in web/.

import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterSearchOn, axeViolations, browserForFile, newTab } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
if (!BASE) throw new Error("LIEUX_URL must name a running lieux server, e.g. http://127.0.0.1:8080");

const ARTIFACTS = process.env.LIEUX_E2E_ARTIFACTS ?? path.resolve(import.meta.dirname, "../../target/e2e");
mkdirSync(ARTIFACTS, { recursive: true });

const chromium = browserForFile(BASE);
const { foreignRequests, pageErrors } = chromium;

/** A phone: its screen, touch, and a mobile browser's user agent. */
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/** The map page, loaded, its map idle. */
async function openPage(context = chromium.context, path = "/") {
  const page = await newTab(context, pageErrors);
  await page.goto(`${BASE}${path}`);
  await page.waitForFunction(() => window.lieux !== undefined);
  await page.evaluate(() => window.lieux.ready);
  await page.waitForFunction(() => {
    const map = window.lieux.map;
    return map.loaded() && map.areTilesLoaded() && !map.isMoving() && window.lieux.mapView.renderedCounts().clusters > 0;
  });
  return page;
}

/** What has the keyboard focus: its id, its text, and the `data-key` of the map's list. */
const focused = (page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    return { id: e?.id ?? "", text: e?.textContent?.trim() ?? "", key: e?.dataset?.key ?? "" };
  });

/** Presses Tab until `accept(focused)` holds; fails after `max` presses. */
async function tabTo(page, accept, what, max = 400) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const now = await focused(page);
    if (accept(now)) return now;
  }
  assert.fail(`Tab never reached ${what}`);
}

test("with the keyboard alone, a place inside a group of the map is reached and opened", async () => {
  const page = await openPage();
  await tabTo(page, (f) => f.id === "map-list-toggle", "the map's list button");
  await page.keyboard.press("Enter");
  assert.equal(await page.locator("#map-list-toggle").getAttribute("aria-expanded"), "true");
  await page.waitForFunction(() => document.querySelectorAll("#map-list-items [data-key^='group:']").length > 0);
  const said = await page.locator("#map-list-status").textContent();
  assert.match(said, /^Sur la carte : \d+ groupes?/, "the status says what the map holds");
  const title = await page.locator("#map-list-title").textContent();
  assert.equal(title, said);

  const group = await tabTo(page, (f) => f.key.startsWith("group:"), "a group", 5);
  const count = Number(group.text.match(/Groupe de (\d+) lieux/)?.[1]);
  assert.ok(count >= 2, group.text);
  await page.keyboard.press("Enter");
  const groupId = group.key.slice("group:".length);
  await page.waitForFunction(
    (id) => document.querySelectorAll(`#map-list-group-${id} [data-key^='place:']`).length > 0,
    groupId,
  );
  assert.equal(await page.locator(`[data-key="${group.key}"]`).getAttribute("aria-expanded"), "true");
  assert.match(await page.locator("#map-list-status").textContent(), new RegExp(`Groupe ouvert : ${count} lieux`));
  const listed = await page.locator(`#map-list-group-${groupId} [data-key^='place:']`).count();
  assert.equal(listed, Math.min(count, 50), "the group's places are listed");

  const place = await tabTo(page, (f) => f.key.startsWith("place:"), "a place of the group", 3);
  const placeId = place.key.slice("place:".length);
  // What the group lists is what the server says the group holds.
  const leaves = await page.evaluate(async (id) => {
    const answer = await fetch(`/clusters/${id}/leaves?limit=50`).then((r) => r.json());
    return answer.features.map((f) => String(f.properties.id));
  }, groupId);
  assert.ok(leaves.includes(placeId), `${placeId} in ${leaves}`);

  await page.keyboard.press("Enter");
  await page.waitForFunction(() => !document.getElementById("details").hidden && document.activeElement?.id === "details-title");
  const name = place.text.split(",")[0];
  await page.waitForFunction((name) => document.getElementById("details-title").textContent.includes(name), name);
  assert.equal(await page.evaluate(() => window.lieux.state().selected), placeId);

  // Escape closes the details and gives the focus back to the place in the list.
  await page.keyboard.press("Escape");
  assert.equal((await focused(page)).key, place.key);
  assert.deepEqual(await axeViolations(page, "#view-map"), [], "axe on the map with its list open");
  assert.deepEqual(await axeViolations(page), [], "axe on the page with the map's list open");
  await page.close();
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
});

test("on a phone, the results come first and the filters sit behind a button", async () => {
  const context = await chromium.browser.newContext({ ...PHONE, locale: "fr-FR", timezoneId: "Europe/Paris" });
  const page = await openPage(context);
  const toggle = page.locator("#filters-toggle");
  const box = async (selector) => page.locator(selector).boundingBox();
  const visible = (selector) => page.locator(selector).evaluate((e) => e.checkVisibility());

  // The results (their summary and the map) on the first screen, the filters out of sight.
  assert.equal(await visible("#filters"), false, "the filters are behind their button");
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  assert.equal(await toggle.textContent(), "Filtres");
  const summary = await box("#summary");
  assert.ok(summary.y + summary.height < PHONE.viewport.height, `the summary on the first screen: ${JSON.stringify(summary)}`);
  const map = await box("#map");
  assert.ok(map.y < PHONE.viewport.height && map.width <= PHONE.viewport.width, `the map on the first screen: ${JSON.stringify(map)}`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.viewport.width, `nothing wider than the screen: ${width}`);
  assert.deepEqual(await axeViolations(page), [], "axe at a phone's width");

  // The button, reached by keyboard, opens the filters with the focus on their heading.
  await tabTo(page, (f) => f.id === "filters-toggle", "the filters' button");
  await page.keyboard.press("Enter");
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  assert.equal(await visible("#filters"), true);
  assert.equal((await focused(page)).id, "filters-title");
  assert.deepEqual(await axeViolations(page), [], "axe at a phone's width, the filters open");

  // A filter chosen by touch narrows the results; « Voir les résultats » closes the panel and
  // takes the focus to them; the button says how many filters are chosen.
  const before = await page.evaluate(() => window.lieux.total());
  await afterSearchOn(page, () => page.locator("#open-now").tap());
  const after = await page.evaluate(() => window.lieux.total());
  assert.ok(after < before, `ouvert maintenant narrows the results: ${before} → ${after}`);
  await page.locator("#filters-done").tap();
  assert.equal(await visible("#filters"), false);
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  assert.equal((await focused(page)).id, "results");
  assert.equal(await toggle.textContent(), "Filtres (1 choisi)");

  // Escape closes them too, and the focus goes back to the button.
  await toggle.focus();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Escape");
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  assert.equal((await focused(page)).id, "filters-toggle");

  // The map's keyboard list works at this width too, on every place: « Ouvert maintenant »
  // filters the map as well, and at night nothing may be open.
  await toggle.tap();
  await afterSearchOn(page, () => page.locator("#open-now").tap());
  await page.locator("#filters-done").tap();
  await page.locator("#map-list-toggle").tap();
  await page.waitForFunction(() => document.querySelectorAll("#map-list-items [data-key]").length > 0);
  assert.deepEqual(await axeViolations(page), [], "axe at a phone's width, the map's list open");
  await page.screenshot({ path: path.join(ARTIFACTS, "phone.png") });
  await context.close();
  assert.deepEqual(pageErrors, []);
});
