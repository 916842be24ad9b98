// End-to-end test of what a place says for a while and how fresh its record is, in a real
// headless Chromium against a running `lieux` server with an admin token (the test accepts a
// contribution, so it changes the server's data):
// - a campaign's correction link (`/?lieu=ID&corriger=1`) opens the correction form filled in;
// - the form's "Fermeture temporaire ou information" sends the extension fields only;
// - once accepted, the place's details and card show the closure and the notice, and say it is
//   closed now, whatever its hours say;
// - the freshness facet offers the records' ages, filters the list, and old records say so.
//
// `cargo test` runs it (tests/page.rs); by hand, in web/:
//   LIEUX_URL=http://127.0.0.1:8080 LIEUX_ADMIN_TOKEN=… node --test e2e/notices.test.mjs

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { contrastFailures, frenchContext, launchChromium } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
if (!BASE) throw new Error("LIEUX_URL must name a running lieux server, e.g. http://127.0.0.1:8080");
const TOKEN = process.env.LIEUX_ADMIN_TOKEN;
const SKIP = TOKEN ? false : "LIEUX_ADMIN_TOKEN is not set: the test accepts a contribution";
const ARTIFACTS = process.env.LIEUX_E2E_ARTIFACTS ?? path.resolve(import.meta.dirname, "../../target/e2e");

const foreignRequests = [];
const pageErrors = [];
let browser;
let page;
/** The place given a closure and a notice. */
let place;

/** `YYYY-MM-DD` of the day `offset` days from today, in Paris (the page's and server's day). */
function day(offset) {
  const date = new Date(Date.now() + offset * 86_400_000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris" }).format(date);
}

before(async () => {
  if (SKIP) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  const context = await frenchContext(browser, BASE, foreignRequests);
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(20_000);
});

after(async () => {
  await browser?.close();
});

const step = (name, fn) => test(name, { skip: SKIP }, fn);

async function api(route, init) {
  const response = await fetch(`${BASE}${route}`, init);
  assert.ok(response.ok, `${route}: ${response.status}`);
  return response.json();
}

const dialog = () => page.locator("dialog.contribute");

step("a campaign's correction link opens the correction form filled in", async () => {
  const { features } = await api("/search?q=mediatheque&limit=20");
  place = features.find((f) => f.properties.horaires)?.properties ?? features[0].properties;
  await page.goto(`${BASE}/?lieu=${encodeURIComponent(place.id)}&corriger=1`);
  await page.waitForFunction(() => document.body.dataset.contribution === "open");
  await dialog().waitFor({ state: "visible" });
  assert.equal(await dialog().locator('[name="kind"]').inputValue(), "update");
  assert.equal(await dialog().getByLabel("Nom du lieu", { exact: true }).inputValue(), place.nom);
});

step("« Fermeture temporaire ou information » sends its fields only", async () => {
  await dialog().getByLabel("Fermeture temporaire : premier jour").fill(day(-1));
  await dialog().getByLabel("Fermeture temporaire : dernier jour (inclus)").fill(day(2));
  await dialog().getByLabel("Motif de la fermeture").fill("Inventaire annuel");
  await dialog().getByLabel("Information à afficher").fill("Permanence déplacée à la mairie");
  await dialog().getByLabel("Information : dernier jour affiché (inclus)").fill(day(30));
  const request = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/contributions");
  const response = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/contributions");
  await dialog().locator("button[type=submit]").click();
  const [req, res] = await Promise.all([request, response]);
  assert.equal(res.status(), 202, await res.text());
  assert.deepEqual(req.postDataJSON().fields, {
    fermeture_debut: day(-1),
    fermeture_fin: day(2),
    fermeture_motif: "Inventaire annuel",
    avis_message: "Permanence déplacée à la mairie",
    avis_fin: day(30),
  });
  const { id } = await res.json();
  await page.waitForFunction(() => document.body.dataset.contribution === "sent");
  // A moderator accepts it (the moderation page is contribute.test.mjs's).
  await api(`/admin/contributions/${id}/accept`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: "{}",
  });
});

step("the place's details and card show the closure and the notice, and say it is closed", async () => {
  await page.goto(`${BASE}/?lieu=${encodeURIComponent(place.id)}`);
  await page.waitForFunction(() => !/Chargement/.test(document.querySelector("#details-body")?.textContent ?? "Chargement"));
  const notes = page.locator("#details .notices li");
  await notes.first().waitFor();
  const texts = await notes.allInnerTexts();
  assert.equal(texts.length, 2, texts.join(" / "));
  assert.match(texts[0], /^Fermé temporairement jusqu'au .+ inclus : Inventaire annuel$/);
  assert.match(texts[1], /^Information jusqu'au .+ : Permanence déplacée à la mairie$/);
  assert.equal(await page.locator("#details .status").innerText(), "Fermé actuellement");
  assert.equal(await page.locator("#details .notices").getAttribute("role"), "note");
  assert.deepEqual(await contrastFailures(page, "#details .notices li"), [], "contrast below AA in the notes");
  await page.screenshot({ path: path.join(ARTIFACTS, "notices.png") });
  await page.getByRole("button", { name: "Liste", exact: true }).click();
  const card = page.locator(`#cards article[data-id="${place.id}"]`);
  if ((await card.count()) === 0) {
    // Not on the first page of the default list: search for it.
    const input = page.getByRole("combobox", { name: /Rechercher/ });
    await input.fill(place.nom);
    await input.press("Enter");
  }
  await card.locator(".notice.closure").waitFor();
  assert.match(await card.locator(".notice.closure").innerText(), /Fermé temporairement/);
});

step("the freshness facet filters the list, and old records say so", async () => {
  await page.goto(`${BASE}/?view=cards`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  const group = page.locator('details.facet[data-facet="fraicheur"]');
  await group.locator("summary").click();
  const label = await group.locator("label.check", { hasText: "Fiche ancienne" }).innerText();
  const old = group.getByRole("checkbox", { name: /Fiche ancienne/ });
  const count = Number(/\((\d+)\)/.exec(label)[1]);
  const { facets } = await api("/search?limit=1");
  assert.equal(count, facets.fraicheur.ancienne, label);
  await old.check();
  await page.waitForFunction(() => window.lieux.state().filters.fraicheur?.includes("ancienne"));
  await page.waitForFunction(() => document.body.dataset.search === "done");
  assert.match(page.url(), /fraicheur=ancienne/);
  const warnings = await page.locator("#cards .stale").allInnerTexts();
  assert.ok(warnings.length > 0);
  assert.ok(warnings.every((w) => w.startsWith("Informations anciennes")), warnings.join(" / "));
});

step("the pages asked nothing of any other host, and raised no error", () => {
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
});
