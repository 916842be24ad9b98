// « Orienter une personne » end to end in headless Chromium, against a running `lieux` server
// on the bundled data: the guided path, the selection, its orientation sheet printed to PDF by
// Chromium itself, its QR code and the SMS and e-mail links; axe-core audits the path and the
// sheet.
//
// `cargo test` runs it (tests/page.rs); by hand: `LIEUX_URL=http://127.0.0.1:8080 npm run
// e2e:orientation` in web/. It needs `pdftotext` (poppler-utils) and `zbarimg` (zbar-tools);
// tests/run.sh installs both. The PDF, the QR code and screenshots go to LIEUX_E2E_ARTIFACTS
// (default ../target/e2e); with LIEUX_SCREENSHOTS=DIR, the README's two screenshots (the
// guided path's last step, the sheet's first printed page) are written there too
// (`LIEUX_SCREENSHOTS=../docs`).
//
// The person's name is typed into the page and must never reach the server: every request the
// page makes (its URL, headers, body) is recorded and searched for it.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { afterSearchOn, axeViolations, frenchContext, launchChromium } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
if (!BASE) throw new Error("LIEUX_URL must name a running lieux server, e.g. http://127.0.0.1:8080");
const ARTIFACTS = process.env.LIEUX_E2E_ARTIFACTS ?? path.resolve(import.meta.dirname, "../../target/e2e");
const SCREENSHOTS = process.env.LIEUX_SCREENSHOTS;

const SERVICE = "Aide aux démarches administratives";
const PUBLIC = "Jeunes";
const COMMUNE = "Angers";
const RADIUS = "20000";
/** Typed into the page only: no request may carry it. */
const PERSON = "Zélie Témoin-Orientation";
const REASON = "Renouveler sa carte de séjour";

/** The next Tuesday at 10:00 (a day that is never a fixed public holiday), as `open_at`. */
function nextTuesdayAt10() {
  const holidays = new Set(["01-01", "05-01", "05-08", "07-14", "08-15", "11-01", "11-11", "12-25"]);
  const day = new Date();
  do day.setDate(day.getDate() + ((9 - day.getDay()) % 7 || 7));
  while (holidays.has(`${String(day.getMonth() + 1).padStart(2, "0")}-${String(day.getDate()).padStart(2, "0")}`));
  const pad = (n) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}T10:00`;
}
const OPEN_AT = nextTuesdayAt10();

const foreignRequests = [];
/** Every request of the page: URL, headers and body. */
const requests = [];
const pageErrors = [];
let browser;
let page;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
  const context = await frenchContext(browser, BASE, foreignRequests);
  context.on("request", (request) =>
    requests.push({ url: request.url(), headers: request.headers(), body: request.postData() ?? "" }),
  );
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(20_000);
});

after(async () => {
  await browser?.close();
});

// ---- helpers --------------------------------------------------------------------------------

/** Runs `action`, then waits for the search it starts to finish. */
const afterSearch = (action) => afterSearchOn(page, action);

function pageParams() {
  return new URL(page.url()).searchParams;
}

/** axe-core's serious and critical violations in `selector` of the page. */
const axe = (selector) => axeViolations(page, selector);

async function shot(locator, name) {
  await locator.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  if (SCREENSHOTS) await locator.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** `10:00-12:30` → `de 10 h à 12 h 30`, as the sheet writes hours. */
function frenchInterval(osm) {
  const time = (t) => {
    const [h, m] = t.split(":").map(Number);
    return m ? `${h} h ${String(m).padStart(2, "0")}` : `${h} h`;
  };
  const [from, to] = osm.split("-");
  return `de ${time(from)} à ${time(to)}`;
}

const squash = (text) => text.replace(/\s+/g, " ");

/** The search as the page shows it, straight from the server (every page of it). */
async function searchIds(params) {
  params.set("limit", "1000");
  const answer = await (await fetch(`${BASE}/search?${params}`)).json();
  return answer.features.map((f) => String(f.properties.id ?? f.id));
}

// ---- the checks -----------------------------------------------------------------------------

let chosen = [];

test("the guided path asks the need, the public, the time and the place, and ends on those filters", async () => {
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => window.lieux !== undefined);
  await page.evaluate(() => window.lieux.ready);
  await page.getByRole("button", { name: "Orienter une personne" }).click();
  const dialog = page.getByRole("dialog", { name: "Orienter une personne" });
  await dialog.waitFor();
  await page.waitForFunction(() => document.querySelector("#orient input[name=services]"));
  assert.equal(pageParams().get("orienter"), "besoin");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "orient-question", "the question has the focus");

  await afterSearch(() => dialog.getByLabel(SERVICE).check());
  assert.equal(pageParams().get("services"), SERVICE, "a choice is a filter at once");
  assert.deepEqual(await axe("#orient"), [], "axe on the guided path's need step");
  await dialog.getByRole("button", { name: "Suivant" }).click();
  assert.equal(pageParams().get("orienter"), "public");
  // Specific support: deafness, sight, illiteracy, foreign languages, from the vocabulary.
  for (const support of ["Surdité", "Déficience visuelle", "Illettrisme", "Langues étrangères (autres)"]) {
    assert.equal(await dialog.getByLabel(support).count(), 1, support);
  }
  await afterSearch(() => dialog.getByRole("checkbox", { name: new RegExp(`^${PUBLIC} \\(`) }).check());
  assert.deepEqual(await axe("#orient"), [], "axe on the guided path's public step");
  await dialog.getByRole("button", { name: "Suivant" }).click();

  assert.equal(pageParams().get("orienter"), "moment");
  await dialog.getByLabel("À un jour et une heure précis").check();
  await afterSearch(() => dialog.getByLabel("Jour et heure").fill(OPEN_AT));
  assert.equal(pageParams().get("open_at"), OPEN_AT);
  assert.deepEqual(await axe("#orient"), [], "axe on the guided path's time step");
  await dialog.getByRole("button", { name: "Suivant" }).click();

  assert.equal(pageParams().get("orienter"), "lieu");
  await dialog.getByLabel("Commune ou code postal").fill(COMMUNE);
  await dialog.getByRole("button", { name: "Chercher", exact: true }).click();
  await afterSearch(() => dialog.getByRole("button", { name: `${COMMUNE} (49000)` }).click());
  await afterSearch(() => dialog.getByLabel("Rayon").selectOption(RADIUS));
  await page.waitForFunction(() => /\d+ lieux? correspond/.test(document.querySelector("#orient-count")?.textContent ?? ""));
  assert.deepEqual(await axe("#orient"), [], "axe on the guided path's last step");
  await shot(dialog, "orientation-path");

  await dialog.getByRole("button", { name: "Voir les lieux" }).click();
  await dialog.waitFor({ state: "hidden" });
  const params = pageParams();
  assert.equal(params.get("orienter"), null, "the path is closed");
  assert.equal(params.get("view"), "cards", "the path ends on the list of results");
  assert.equal(params.get("services"), SERVICE);
  assert.equal(params.get("publics_specifiquement_adresses"), PUBLIC);
  assert.equal(params.get("open_at"), OPEN_AT);
  assert.equal(params.get("autour"), COMMUNE);
  assert.equal(params.get("radius"), RADIUS);
  assert.equal(params.get("sort"), "distance");

  // The results are /search's with those filters.
  const expected = await searchIds(
    new URLSearchParams({
      services: SERVICE,
      publics_specifiquement_adresses: PUBLIC,
      open_at: OPEN_AT,
      lat: params.get("lat"),
      lon: params.get("lon"),
      radius: RADIUS,
      sort: "distance",
    }),
  );
  const shown = await page.evaluate(() => window.lieux.results().map((f) => String(f.properties.id ?? f.id)));
  assert.ok(expected.length >= 3, `at least three places to choose from: ${expected.length}`);
  assert.deepEqual(shown, expected);
  const cardIds = await page.locator("#cards article").evaluateAll((cards) => cards.map((c) => c.dataset.id));
  assert.deepEqual(cardIds, expected, "the cards are those places");
  chosen = expected.slice(0, 3);
});

test("three places join the selection from a card, a table row and the details, in the URL", async () => {
  const [first, second, third] = chosen;
  await page.locator(`#cards article[data-id="${first}"] button.add-selection`).click();
  await page.getByRole("button", { name: "Tableau" }).click();
  await page.locator(`#table tr[data-id="${second}"] button.add-selection`).click();
  await page.locator(`#table tr[data-id="${third}"] th button`).click();
  await page.locator("#details-body button.add-selection").waitFor();
  assert.equal(await page.locator("#details-body h2").textContent(), await page.locator(`#table tr[data-id="${third}"] th button`).textContent());
  await page.locator("#details-body button.add-selection").click();
  assert.equal(pageParams().get("selection"), chosen.join("|"));
  assert.equal(await page.locator("#selection-count").textContent(), "3");
  assert.equal(await page.locator("#selection-status").textContent(), "Ajouté à la sélection : 3 lieux choisis.");
  assert.match(await page.locator("#details-body button.add-selection").textContent(), /^Retirer de la sélection/);
});

let sheetLink;
let places;

test("the orientation sheet prints to A4 with each place and the person's name, which no request carries", async () => {
  await page.getByRole("button", { name: /^Sélection/ }).click();
  assert.equal(pageParams().get("view"), "selection");
  await page.getByLabel("Nom de la personne").fill(PERSON);
  await page.getByLabel("Motif de la visite").fill(REASON);
  await page.waitForFunction(() => document.querySelector("#sheet")?.dataset.ready === "true", null, { timeout: 60_000 });
  assert.equal(await page.locator("#sheet-places img").count(), 3, "a small map per place");
  assert.deepEqual(await axe("#view-selection"), [], "axe on the selection and its sheet");

  places = await Promise.all(chosen.map(async (id) => (await (await fetch(`${BASE}/places/${id}`)).json()).properties));
  sheetLink = await page.locator("#selection-link").inputValue();
  assert.equal(sheetLink, `${new URL(BASE).origin}/?selection=${encodeURIComponent(chosen.join("|"))}&view=selection`);

  const pdf = path.join(ARTIFACTS, "orientation.pdf");
  await page.pdf({ path: pdf, format: "A4" });
  const text = squash(execFileSync("pdftotext", ["-enc", "UTF-8", pdf, "-"], { encoding: "utf8" }));
  assert.match(text, /Fiche d'orientation/);
  assert.ok(text.includes(PERSON), "the person's name is printed");
  assert.ok(text.includes(REASON), "the reason is printed");
  for (const p of places) {
    assert.ok(text.includes(squash(p.nom)), `${p.nom} is printed`);
    assert.ok(text.includes(squash(p.adresse)) && text.includes(`${p.code_postal} ${p.commune}`), `the address of ${p.nom}`);
    const interval = /\d{2}:\d{2}-\d{2}:\d{2}/.exec(p.horaires ?? "")?.[0];
    if (interval) {
      assert.ok(text.includes(frenchInterval(interval)) || text.includes(p.horaires), `the hours of ${p.nom}: ${frenchInterval(interval)}`);
    }
  }
  assert.ok(!text.includes("Ajouter à la sélection") && !text.includes("Copier le lien"), "only the sheet is printed");
  // The sheet's first page as printed, for the README.
  const first = path.join(ARTIFACTS, "orientation-sheet");
  execFileSync("pdftoppm", ["-png", "-r", "72", "-f", "1", "-l", "1", "-singlefile", pdf, first]);
  if (SCREENSHOTS) copyFileSync(`${first}.png`, path.join(SCREENSHOTS, "orientation-sheet.png"));

  // The QR code is the selection's link.
  const qr = path.join(ARTIFACTS, "orientation-qr.png");
  await page.locator("#sheet-qr").screenshot({ path: qr });
  const decoded = execFileSync("zbarimg", ["--raw", "-q", qr], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  assert.equal(decoded, sheetLink);

  // No request ever carried the name or the reason, in any form.
  const needles = [PERSON, REASON].flatMap((t) => [t, encodeURIComponent(t), new URLSearchParams({ x: t }).toString().slice(2)]);
  const leaks = requests.filter((r) => needles.some((n) => r.url.includes(n) || r.body.includes(n) || Object.values(r.headers).some((v) => v.includes(n))));
  assert.deepEqual(leaks.map((r) => r.url), [], "requests that carried the person's name");
  assert.ok(requests.length > 10, `the page's requests were recorded: ${requests.length}`);
});

test("the link, the SMS and the e-mail list the places", async () => {
  for (const [id, scheme] of [["#share-sms", "sms:"], ["#share-mail", "mailto:"]]) {
    const href = await page.locator(id).getAttribute("href");
    assert.ok(href.startsWith(scheme), href);
    const body = new URLSearchParams(href.slice(href.indexOf("?") + 1)).get("body");
    for (const p of places) {
      assert.ok(body.includes(p.nom), `${scheme} names ${p.nom}`);
      assert.ok(body.includes(p.commune), `${scheme} gives the address of ${p.nom}`);
      if (p.telephone) assert.ok(body.replace(/\s/g, "").includes(p.telephone.replace(/\s/g, "").replace(/^\+33/, "0")), `${scheme} gives the phone of ${p.nom}`);
    }
    assert.ok(body.includes(sheetLink), `${scheme} links the selection`);
    assert.ok(!body.includes(PERSON), `${scheme} does not name the person`);
  }
  // The text can be changed before sending.
  await page.getByLabel("Texte du message (modifiable)").fill("Bonjour, voici les lieux.");
  assert.match(decodeURIComponent(await page.locator("#share-mail").getAttribute("href")), /Bonjour, voici les lieux\./);
  // The system's share sheet is offered only where the browser has one.
  const canShare = await page.evaluate(() => typeof navigator.share === "function");
  assert.equal(await page.locator("#share-system").isVisible(), canShare);
  // The link opens the selection.
  const other = await page.context().newPage();
  await other.goto(sheetLink);
  await other.waitForFunction(() => document.querySelector("#sheet")?.dataset.ready === "true", null, { timeout: 60_000 });
  assert.equal(await other.locator("#sheet-places > li").count(), 3);
  assert.ok(!(await other.locator("#sheet").textContent()).includes(PERSON));
  await other.close();
  assert.deepEqual(foreignRequests, [], "no request left for another host");
  assert.deepEqual(pageErrors, []);
});

test("a link to a step of the guided path opens it there, with the choices made", async () => {
  const other = await page.context().newPage();
  await other.goto(`${BASE}/?${new URLSearchParams({ services: SERVICE, orienter: "moment" })}`);
  const dialog = other.getByRole("dialog", { name: "Orienter une personne" });
  await dialog.getByRole("heading", { name: "Quand la personne est-elle disponible ?" }).waitFor();
  await dialog.getByRole("button", { name: "Précédent" }).click();
  await dialog.getByRole("button", { name: "Précédent" }).click();
  assert.ok(await dialog.getByRole("checkbox", { name: new RegExp(`^${SERVICE}`) }).isChecked());
  assert.equal(new URL(other.url()).searchParams.get("orienter"), "besoin");
  await other.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  // Closed, the path leaves the URL (the dialog's close event comes after it is hidden).
  await other.waitForFunction(() => !new URLSearchParams(location.search).has("orienter"));
  assert.equal(new URL(other.url()).searchParams.get("services"), SERVICE, "and its choices stay");
  await other.close();
  assert.deepEqual(pageErrors, []);
});
