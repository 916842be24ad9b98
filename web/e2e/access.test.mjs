// The map page without a mouse and on a phone, in headless Chromium: a place inside a group of
// the map reached and opened with the keyboard alone (« Parcourir la carte au clavier »), and
// axe-core's audit with that list open.
//
// `cargo test` runs it (tests/page.rs, a server on the bundled data); by hand:
// `LIEUX_URL=… npm run e2e:access` in web/.

import assert from "node:assert/strict";
import { test } from "node:test";
import { axeViolations, browserForFile, newTab } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
if (!BASE) throw new Error("LIEUX_URL must name a running lieux server, e.g. http://127.0.0.1:8080");

const chromium = browserForFile(BASE);
const { foreignRequests, pageErrors } = chromium;

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
