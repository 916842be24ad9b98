// End-to-end test of contributions and moderation in a real headless Chromium (Debian's
// `chromium`, driven by playwright-core), against a running `lieux` server with an admin
// token and a contribution store of its own: the test adds contributions and accepts some,
// so it changes the server's data.
//
// `cargo test` runs it (tests/page.rs, on a fresh server and state dir); by hand, in web/:
//   LIEUX_URL=http://127.0.0.1:8080 LIEUX_ADMIN_TOKEN=… node --test e2e/contribute.test.mjs
// Against Vite (`npm run dev`), the moderation page is `/admin.html`:
//   LIEUX_URL=http://127.0.0.1:5173 LIEUX_ADMIN_PAGE=/admin.html LIEUX_ADMIN_TOKEN=… node --test e2e/contribute.test.mjs
// Screenshots go to LIEUX_E2E_ARTIFACTS (default: ../target/e2e).
//
// Everything is done through the pages, as a contributor and a moderator would: the API is
// only read to choose the place and to check what the pages sent. The steps run in order and
// each starts where the previous one left off.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { contrastFailures, frenchContext, launchChromium } from "./browser.mjs";

const BASE = process.env.LIEUX_URL;
if (!BASE) throw new Error("LIEUX_URL must name a running lieux server, e.g. http://127.0.0.1:8080");
const TOKEN = process.env.LIEUX_ADMIN_TOKEN;
/** Without a token there is no moderation to test: every step is skipped, and says why. */
const SKIP = TOKEN ? false : "LIEUX_ADMIN_TOKEN is not set: the contribution test needs the server's admin token";
const ADMIN_PAGE = process.env.LIEUX_ADMIN_PAGE ?? "/admin/";
const ARTIFACTS = process.env.LIEUX_E2E_ARTIFACTS ?? path.resolve(import.meta.dirname, "../../target/e2e");

/** Text that would run if any page put it through HTML. */
const PAYLOAD = `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>"><svg onload=window.__xss=1>`;
const XSS_NAME = `Lieu piégé ${PAYLOAD}`;
const NEW_NAME = "Espace numérique du Lac";
const NEW_PHONE = "02 41 22 33 44";
const NEW_PHONE_E164 = "+33241223344";
/** The week the test enters day by day, and the OSM string it must make. */
const WEEK = [
  ["Lundi", [["09:00", "12:00"], ["14:00", "17:00"]]],
  ["Mardi", [["09:00", "12:00"], ["14:00", "17:00"]]],
  ["Mercredi", [["09:00", "12:00"]]],
  ["Jeudi", [["09:00", "12:00"], ["14:00", "17:00"]]],
  ["Vendredi", [["09:00", "12:00"], ["14:00", "17:00"]]],
  ["Samedi", [["09:30", "12:00"]]],
  ["Dimanche", []],
];
const WEEK_OSM = "Mo,Tu,Th,Fr 09:00-12:00,14:00-17:00; We 09:00-12:00; Sa 09:30-12:00";

const foreignRequests = [];
const pageErrors = [];
/** Answers 429 (the server's limit on writes): the pages wait and try again, and the last step
 * says how often that happened. */
const rateLimited = [];
let browser;
let page;
/** The place corrected, chosen from the data at the start. */
let place;
/** The contributions made, by name: their numbers, and what was sent. */
const sent = {};

before(async () => {
  if (SKIP) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  const context = await frenchContext(browser, BASE, foreignRequests);
  context.on("response", (response) => {
    if (response.status() === 429) rateLimited.push(new URL(response.url()).pathname);
  });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  // A page that showed a payload as HTML would run it: that is a failure, and said at once.
  await page.addInitScript(() => {
    Object.defineProperty(window, "__xss", {
      configurable: true,
      set() {
        window.__xssRan = true;
      },
      get() {
        return window.__xssRan ? 1 : undefined;
      },
    });
  });
  page.setDefaultTimeout(20_000);
});

after(async () => {
  await browser?.close();
});

const step = (name, fn) => test(name, { skip: SKIP }, fn);

// ---- helpers --------------------------------------------------------------------------------

async function api(route) {
  const response = await fetch(`${BASE}${route}`);
  assert.equal(response.status, 200, `${route}: ${response.status}`);
  return response.json();
}

/** `2026-12-03` → `3 décembre 2026`, as the page writes it (written again here, on purpose). */
function frenchDate(iso) {
  const months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];
  const [y, m, d] = iso.split("-").map(Number);
  return `${d === 1 ? "1er" : d} ${months[m - 1]} ${y}`;
}

async function screenshot(name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** Neither payload ran nor became an element or an attribute, anywhere in the page. */
async function assertNoXss(where) {
  const found = await page.evaluate(() => ({
    ran: window.__xss !== undefined,
    handlers: document.querySelectorAll("[onerror], [onload]").length,
    images: document.querySelectorAll('img[src="x"]').length,
  }));
  assert.deepEqual(found, { ran: false, handlers: 0, images: 0 }, `a payload was read as HTML in ${where}`);
}

/** Types into the search box and chooses the place suggestion that names `id`. */
async function openPlaceFromSearch(name, id) {
  const input = page.getByRole("combobox", { name: /Rechercher/ });
  await input.fill("");
  await input.click();
  await input.pressSequentially(name.slice(0, 40), { delay: 20 });
  // The suggestion of this very place: while typing, the list is redrawn, and another place
  // may share the first 40 characters.
  const exact = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  const option = page
    .locator("#suggestions [role=option].place")
    .filter({ has: page.locator(".label", { hasText: exact }) })
    .first();
  await option.waitFor({ state: "visible" });
  await option.dispatchEvent("mousedown");
  await page.waitForFunction((id) => window.lieux.state().selected === id, id);
  await page.waitForFunction(() => !/Chargement/.test(document.querySelector("#details-body").textContent));
}

function dialog() {
  return page.locator("dialog.contribute");
}

async function openForm(buttonName) {
  await page.getByRole("button", { name: buttonName, exact: true }).click();
  await page.waitForFunction(() => document.body.dataset.contribution === "open");
  await dialog().waitFor({ state: "visible" });
}

/** Fills the days of the hours editor. */
async function enterWeek(week) {
  for (const [day, intervals] of week) {
    const open = dialog().getByRole("checkbox", { name: `Ouvert le ${day.toLowerCase()}` });
    await open.setChecked(intervals.length > 0);
    for (const [i, ordinal] of ["1re", "2e"].entries()) {
      if (!intervals.length) break;
      const [from, to] = intervals[i] ?? ["", ""];
      await dialog().getByLabel(`${day} : début de la ${ordinal} plage`).fill(from);
      await dialog().getByLabel(`${day} : fin de la ${ordinal} plage`).fill(to);
    }
  }
}

/** Submits the form; returns the JSON the page sent and the answer's status. */
async function submitForm() {
  const request = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/contributions");
  const response = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/contributions");
  await dialog().locator("button[type=submit]").click();
  const [req, res] = await Promise.all([request, response]);
  assert.equal(req.headers()["content-type"], "application/json");
  assert.match(req.headers()["accept"], /application\/json/);
  return { body: req.postDataJSON(), status: res.status(), answer: await res.json() };
}

async function confirmation() {
  await page.waitForFunction(() => document.body.dataset.contribution === "sent");
  const link = page.locator("#follow-link");
  await link.waitFor({ state: "visible" });
  return link.getAttribute("href");
}

async function closeDialog() {
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => document.body.dataset.contribution === "closed");
  assert.equal(await dialog().count(), 0, "the dialog is gone");
}

async function waitQueue() {
  await page.waitForFunction(() => document.body.dataset.queue === "loaded");
}

/** Chooses a contribution of the moderation queue, and waits for its place's history. */
async function chooseContribution(id) {
  await page.locator(`#queue button[data-id="${id}"]`).click();
  await page.waitForFunction(
    (id) => document.querySelector("#selected")?.dataset.id === String(id) && document.body.dataset.history === "loaded",
    id,
  );
}

/** Runs `action` (a decision on the contribution `id`) and waits for the queue it reloads. */
async function decided(action, id) {
  await action();
  await page.waitForFunction(
    (id) => document.body.dataset.decision === "done" && document.body.dataset.decided === String(id),
    id,
  );
  await waitQueue();
}

// ---- the checks -----------------------------------------------------------------------------

step("a place's details say when it was updated, and offer a correction and a closure", async () => {
  // A place with weekday hours, a phone and a name no other place has.
  const answer = await api("/search?q=france%20services&limit=500");
  const names = new Map();
  for (const f of answer.features) names.set(f.properties.nom, (names.get(f.properties.nom) ?? 0) + 1);
  const candidates = answer.features.filter(
    (f) => f.properties.telephone && /^Mo-Fr /.test(f.properties.horaires ?? "") && f.properties.date_maj && names.get(f.properties.nom) === 1,
  );
  for (const candidate of candidates) {
    const { suggestions } = await api(`/suggest?q=${encodeURIComponent(candidate.properties.nom.slice(0, 40))}&limit=8`);
    if (suggestions.find((s) => s.type === "place")?.id === candidate.properties.id) {
      place = candidate.properties;
      break;
    }
  }
  assert.ok(place, "a France services place that its name finds first");
  assert.notEqual(place.telephone, NEW_PHONE_E164);

  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  await openPlaceFromSearch(place.nom, place.id);
  const details = page.locator("#details");
  assert.equal(await page.locator("#details-title").innerText(), place.nom);
  assert.equal(await details.locator(".updated").innerText(), `Mis à jour le ${frenchDate(place.date_maj)}`);
  await details.getByRole("button", { name: "Proposer une modification" }).waitFor();
  await details.getByRole("button", { name: "Signaler une fermeture" }).waitFor();
  await page.getByRole("banner").getByRole("button", { name: "Référencer un lieu" }).waitFor();
  // The cards say it too.
  await page.getByRole("button", { name: "Liste", exact: true }).click();
  assert.match(await page.locator("#cards").innerText(), /Mis à jour le \d{1,2}(er)? \p{L}+ \d{4}/u);
  await page.getByRole("button", { name: "Carte", exact: true }).click();
});

step("« Proposer une modification » sends the changed phone and hours only, and confirms with a follow link", async () => {
  await openForm("Proposer une modification");
  const form = dialog().locator("form");
  // A real form: it would post the schema's fields without JavaScript too.
  assert.equal(await form.getAttribute("method"), "post");
  assert.equal(await form.getAttribute("action"), "/contributions");
  for (const name of ["kind", "place_id", "nom", "telephone", "horaires", "services", "latitude", "longitude", "message", "contact_name", "contact_email", "website"]) {
    assert.ok((await form.locator(`[name="${name}"]`).count()) > 0, `an input is named ${name}`);
  }
  assert.equal(await form.locator('[name="kind"]').inputValue(), "update");
  // Prefilled with the place, and every input has a label.
  assert.equal(await dialog().getByLabel("Nom du lieu", { exact: true }).inputValue(), place.nom);
  const unlabelled = await dialog().evaluate((d) =>
    [...d.querySelectorAll("input:not([type=hidden]), textarea, select")]
      .filter((i) => !i.labels?.length)
      .map((i) => i.id || i.name),
  );
  assert.deepEqual(unlabelled, [], "inputs without a label");
  const services = await dialog().locator("fieldset#c-services input:checked").evaluateAll((boxes) => boxes.map((b) => b.value));
  assert.deepEqual(services.sort(), [...place.services].sort(), "the services are checked as the place has them");

  await dialog().getByLabel("Téléphone", { exact: true }).fill(NEW_PHONE);
  await enterWeek(WEEK);
  assert.equal(await dialog().locator("#c-horaires").inputValue(), WEEK_OSM, "the page writes the OSM string");
  await dialog().getByLabel(/Un message pour l'équipe/).fill("Nouveau numéro depuis janvier ; ouvert le samedi matin.");
  await dialog().getByLabel(/Votre nom/).fill("Camille Test");
  assert.deepEqual(await contrastFailures(page, "dialog.contribute *"), [], "contrast below AA in the form");
  await screenshot("contribute-form");

  const { body, status, answer } = await submitForm();
  assert.equal(status, 202);
  assert.equal(body.kind, "update");
  assert.equal(body.place_id, place.id);
  assert.deepEqual(Object.keys(body.fields).sort(), ["horaires", "telephone"], "only what changed is sent");
  assert.equal(body.fields.horaires, WEEK_OSM);
  assert.equal(body.fields.telephone, NEW_PHONE);
  assert.equal(body.website, "");
  assert.deepEqual(body.contact, { name: "Camille Test" });

  const href = await confirmation();
  assert.equal(href, new URL(answer.follow_url, BASE).href);
  assert.match(href, /\/contributions\/\d+\?key=\w+/);
  const text = await dialog().innerText();
  assert.match(text, /Merci, votre proposition est envoyée/);
  // The server wrote the phone its way, and the page says so.
  assert.ok(answer.warnings.some((w) => w.startsWith("telephone")), JSON.stringify(answer.warnings));
  assert.match(text, /Téléphone : écrit au format international/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "contribute-title", "the focus is on the confirmation");
  await screenshot("contribute-sent");
  const followed = await page.evaluate(async (url) => (await fetch(url, { headers: { Accept: "application/json" } })).json(), href);
  assert.equal(followed.status, "pending");
  assert.equal(followed.fields.telephone, NEW_PHONE_E164);
  sent.update = answer.id;
  await page.getByRole("button", { name: "Fermer", exact: true }).click();
  await page.waitForFunction(() => document.body.dataset.contribution === "closed");
});

step("an invalid value is refused next to its field, with the focus on it", async () => {
  await openForm("Proposer une modification");
  await dialog().getByLabel("Téléphone", { exact: true }).fill("pas un numéro");
  const { status, answer } = await submitForm();
  assert.equal(status, 422);
  assert.ok(answer.fields.telephone, JSON.stringify(answer));
  await page.waitForFunction(() => document.body.dataset.contribution === "refused");
  const input = dialog().getByLabel("Téléphone", { exact: true });
  const error = dialog().locator("#c-telephone-error");
  await error.waitFor({ state: "visible" });
  assert.match(await error.innerText(), /numéro de téléphone/);
  assert.equal(await input.getAttribute("aria-invalid"), "true");
  assert.ok((await input.getAttribute("aria-describedby")).split(" ").includes("c-telephone-error"));
  assert.equal(await page.evaluate(() => document.activeElement?.id), "c-telephone", "the focus is on the field");
  // The error is beside its field, and listed at the top.
  const beside = await error.evaluate((e) => e.closest("[data-field]")?.dataset.field);
  assert.equal(beside, "telephone");
  assert.match(await dialog().locator("#contribute-errors").innerText(), /Téléphone/);
  await screenshot("contribute-refused");
  // Escape closes the dialog, and the focus goes back to where it was opened.
  await closeDialog();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "propose-update");
});

step("« Signaler une fermeture » asks what happened, and sends no field", async () => {
  await openForm("Signaler une fermeture");
  const form = dialog().locator("form");
  assert.equal(await form.locator('[name="kind"]').inputValue(), "closed");
  assert.equal(await form.locator('[name="telephone"]').count(), 0, "a closure changes no field");
  let posted = 0;
  const count = (r) => r.method() === "POST" && new URL(r.url()).pathname === "/contributions" && posted++;
  page.on("request", count);
  await dialog().locator("button[type=submit]").click();
  await page.waitForFunction(() => document.body.dataset.contribution === "refused");
  page.off("request", count);
  assert.equal(posted, 0, "an empty closure is not sent");
  const message = dialog().getByLabel(/Que savez-vous de cette fermeture/);
  assert.equal(await message.getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "c-message");
  await message.fill("Le lieu a fermé fin novembre ; l'accueil se fait désormais à la mairie.");
  const { body, status, answer } = await submitForm();
  assert.equal(status, 202, JSON.stringify(answer));
  assert.deepEqual({ kind: body.kind, place_id: body.place_id, fields: body.fields }, { kind: "closed", place_id: place.id, fields: {} });
  await confirmation();
  sent.closed = answer.id;
  await closeDialog();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "report-closed");
});

step("« Référencer un lieu » sends a new place where its pin was moved to", async () => {
  await page.getByRole("button", { name: "Référencer un lieu" }).click();
  await page.waitForFunction(() => document.body.dataset.contribution === "open");
  assert.equal(await dialog().locator('[name="kind"]').inputValue(), "new");
  await dialog().getByLabel(/^Nom du lieu/).fill(NEW_NAME);
  await dialog().getByLabel(/^Adresse \(obligatoire\)$/).fill("1 rue du Lac");
  await dialog().getByLabel(/^Code postal/).fill("49000");
  await dialog().getByLabel(/^Commune/).fill("Angers");
  await dialog().getByLabel(/^Commune/).press("Tab");
  await dialog().getByRole("checkbox", { name: "Aide aux démarches administratives" }).check();
  // The pin waits at the commune typed; it is moved to the address.
  await dialog().locator("#c-location[data-centred]").waitFor({ state: "attached" });
  const pin = dialog().getByRole("button", { name: /Repère du lieu/ });
  await pin.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => {
    const box = document.querySelector("#c-map")?.getBoundingClientRect();
    return box && box.top >= 0 && box.bottom <= innerHeight;
  });
  const box = await pin.boundingBox();
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(x + 8 * i, y + 5 * i);
  await page.mouse.up();
  const dragged = Number(await dialog().getByLabel("Longitude", { exact: true }).inputValue());
  // The keyboard moves it too.
  await pin.focus();
  await page.keyboard.press("ArrowRight");
  const lat = Number(await dialog().getByLabel("Latitude", { exact: true }).inputValue());
  const lon = Number(await dialog().getByLabel("Longitude", { exact: true }).inputValue());
  assert.ok(lon > dragged, `the arrow key moved the pin east: ${dragged} → ${lon}`);
  assert.ok(Math.abs(lat - 47.47) < 0.2 && Math.abs(lon + 0.55) < 0.2, `the pin is near Angers: ${lat}, ${lon}`);
  assert.ok(lat < 47.4819 && lon > -0.5629, `the pin moved south-east of the commune's centre: ${lat}, ${lon}`);
  await screenshot("contribute-new");

  const { body, status, answer } = await submitForm();
  assert.equal(status, 202, JSON.stringify(answer));
  assert.equal(body.kind, "new");
  assert.equal(body.place_id, undefined);
  assert.equal(body.fields.latitude, lat);
  assert.equal(body.fields.longitude, lon);
  assert.deepEqual(body.fields.services, ["Aide aux démarches administratives"]);
  assert.deepEqual(answer.flags, [], "a place with a position is not flagged");
  await confirmation();
  sent.new = { id: answer.id, lat, lon };
  await closeDialog();
});

step("a contribution made of markup is sent as text", async () => {
  await page.getByRole("button", { name: "Référencer un lieu" }).click();
  await page.waitForFunction(() => document.body.dataset.contribution === "open");
  const fill = (label, value) => dialog().getByLabel(label, { exact: typeof label === "string" }).first().fill(value);
  await fill(/^Nom du lieu/, XSS_NAME);
  await fill(/^Structure dont dépend/, PAYLOAD);
  await fill(/^Présentation courte/, `Présentation ${PAYLOAD}`);
  await fill(/^Présentation détaillée/, PAYLOAD);
  await fill(/^Adresse \(obligatoire\)$/, `3 rue ${PAYLOAD}`);
  await fill(/^Complément d'adresse/, PAYLOAD);
  await fill(/^Code postal/, "49000");
  await fill(/^Commune/, `Angers ${PAYLOAD}`);
  await fill(/^Autres formations/, PAYLOAD);
  await dialog().locator("details.advanced summary").click();
  await fill("Horaires au format OpenStreetMap", PAYLOAD);
  await fill(/Un message pour l'équipe/, PAYLOAD);
  await fill(/Votre nom/, PAYLOAD);
  await fill(/Votre adresse électronique/, "piege@example.org");
  // The pin is put by a click on the map.
  await dialog().locator("#c-location[data-centred]").waitFor({ state: "attached" });
  const map = dialog().locator("#c-map canvas");
  await map.scrollIntoViewIfNeeded();
  await map.click({ position: { x: 120, y: 90 } });
  await dialog().locator("#c-location[data-placed]").waitFor({ state: "attached" });
  await assertNoXss("the form");

  // Markup is no opening hours: the server refuses them, and says so beside the field.
  const refused = await submitForm();
  assert.equal(refused.status, 422, JSON.stringify(refused.answer));
  assert.deepEqual(Object.keys(refused.answer.fields), ["horaires"]);
  const hours = dialog().locator("#c-horaires");
  assert.equal(await hours.getAttribute("aria-invalid"), "true");
  assert.ok((await hours.getAttribute("aria-describedby")).split(" ").includes("c-horaires-error"));
  await assertNoXss("the form's refusal");
  await hours.fill("Mo-Fr 09:00-12:00");

  const { status, answer, body } = await submitForm();
  assert.equal(status, 202, JSON.stringify(answer));
  assert.equal(body.fields.nom, XSS_NAME);
  assert.equal(body.message, PAYLOAD);
  await confirmation();
  sent.xss = answer.id;
  await closeDialog();
  await assertNoXss("the map page after sending");
});

step("the moderation page asks for the token, again when it is wrong", async () => {
  await page.goto(new URL(ADMIN_PAGE, BASE).href);
  const token = page.getByLabel("Jeton d'administration");
  await token.waitFor({ state: "visible" });
  assert.equal(await token.getAttribute("type"), "password");
  await token.fill("not-the-token");
  await page.getByRole("button", { name: "Se connecter" }).click();
  const error = page.locator("#admin-error");
  await error.waitFor({ state: "visible" });
  assert.match(await error.innerText(), /jeton n'a pas été accepté/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "token");
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, "a wrong token is not kept");

  await token.fill(TOKEN);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await waitQueue();
  const stored = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: localStorage.length }));
  assert.deepEqual(stored, { session: [TOKEN], local: 0 }, "the token is in sessionStorage only");
  assert.ok(!page.url().includes(TOKEN), "the token is in no URL");
});

step("the queue lists the contributions, and the diff shows the correction side by side", async () => {
  const queue = page.locator("#queue");
  for (const id of [sent.update, sent.closed, sent.new.id, sent.xss]) await queue.locator(`button[data-id="${id}"]`).waitFor();
  const queueText = await queue.innerText();
  assert.ok(queueText.includes(place.nom) && queueText.includes(NEW_NAME) && queueText.includes(XSS_NAME), queueText);
  await assertNoXss("the moderation queue");

  await chooseContribution(sent.update);
  const row = (field) => page.locator(`#diff tr[data-field="${field}"]`);
  assert.equal(await page.locator("#diff thead").innerText().then((t) => t.replace(/\s+/g, " ").trim()), "Champ Valeur actuelle Valeur proposée");
  assert.deepEqual(
    await page.locator("#diff tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.field)),
    ["telephone", "horaires"],
  );
  assert.equal(await row("telephone").locator(".current").innerText(), place.telephone);
  assert.equal(await row("telephone").locator(".proposed").innerText(), NEW_PHONE_E164);
  assert.match(await row("horaires").locator(".current").innerText(), new RegExp(place.horaires.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.match(await row("horaires").locator(".proposed").innerText(), new RegExp(WEEK_OSM.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.match(await page.locator("#selected .message").innerText(), /Nouveau numéro/);
  assert.match(await page.locator("#selected .contact").innerText(), /Camille Test/);
  await page.locator("#admin-map canvas").waitFor();
  assert.equal(await page.locator("#admin-map .marker.current").count(), 1, "the place is on the map");
  await page.locator("#history .events li").first().waitFor();
  assert.deepEqual(await contrastFailures(page, "body *"), [], "contrast below AA in the moderation page");
  await screenshot("moderation-diff");

  // A closure has no diff: it says what accepting it does.
  await chooseContribution(sent.closed);
  assert.match(await page.locator("#selected .closure").innerText(), /retire de la carte/);
  assert.match(await page.locator("#selected .message").innerText(), /fermé fin novembre/);
  await chooseContribution(sent.update);
});

step("a moderator accepts the correction and rejects the new place with a reason", async () => {
  await decided(() => page.getByRole("button", { name: "Accepter", exact: true }).click(), sent.update);
  assert.match(await page.locator("#admin-status").innerText(), new RegExp(`Contribution n° ${sent.update} acceptée`));
  assert.equal(await page.locator(`#queue button[data-id="${sent.update}"]`).count(), 0, "it left the queue");

  await chooseContribution(sent.new.id);
  const lat = page.locator('#diff tr[data-field="latitude"] .proposed');
  assert.equal(Number(await lat.innerText()), sent.new.lat);
  assert.equal(Number(await page.locator('#diff tr[data-field="longitude"] .proposed').innerText()), sent.new.lon);
  assert.equal(await page.locator("#admin-map .marker.proposed").count(), 1, "the proposed position is on the map");
  await page.getByRole("button", { name: "Refuser" }).click();
  await page.getByRole("button", { name: "Confirmer le refus" }).click();
  const reasonError = page.locator("#reason-error");
  await reasonError.waitFor({ state: "visible" });
  assert.equal(await page.evaluate(() => document.activeElement?.id), "reason", "a reason is asked for");
  await page.getByLabel(/Raison du refus/).fill("Doublon d'un lieu déjà sur la carte.");
  await decided(() => page.getByRole("button", { name: "Confirmer le refus" }).click(), sent.new.id);
  assert.match(await page.locator("#admin-status").innerText(), new RegExp(`Contribution n° ${sent.new.id} refusée`));
});

step("the contribution made of markup reads as text in the queue, the diff and the history, and is accepted", async () => {
  await chooseContribution(sent.xss);
  const selected = page.locator("#selected");
  assert.equal(await selected.locator(".place-name").innerText(), XSS_NAME);
  assert.equal(await selected.locator('#diff tr[data-field="nom"] .proposed').innerText(), XSS_NAME);
  const proposedHours = await selected.locator('#diff tr[data-field="horaires"] .proposed').innerText();
  assert.match(proposedHours, /^Mo-Fr 09:00-12:00\nLundi : de 9 h à 12 h\n/, "the hours proposed, as written and read");
  assert.equal(await selected.locator(".message").innerText(), PAYLOAD);
  assert.match(await selected.locator(".contact").innerText(), new RegExp(PAYLOAD.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.ok((await selected.locator("#history").innerText()).includes(PAYLOAD), "the history shows the payload as text");
  await assertNoXss("the moderation diff and history");
  await screenshot("moderation-xss");
  await decided(() => page.getByRole("button", { name: "Accepter", exact: true }).click(), sent.xss);

  // Among the accepted ones, with its decision in its history.
  await page.getByLabel("Contributions").selectOption("accepted");
  await waitQueue();
  await chooseContribution(sent.xss);
  const history = await page.locator("#history").innerText();
  assert.match(history, /Acceptée le/);
  assert.ok(history.includes(PAYLOAD));
  assert.equal(await page.locator("#diff thead th").count(), 4, "before, proposed and now");
  await assertNoXss("the accepted contributions and their history");
});

step("the map page shows the accepted correction", async () => {
  const now = (await api(`/places/${encodeURIComponent(place.id)}`)).properties;
  assert.equal(now.telephone, NEW_PHONE_E164, "the server applied the correction");
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => document.body.dataset.search === "done");
  await openPlaceFromSearch(place.nom, place.id);
  const details = page.locator("#details");
  assert.match(await details.innerText(), new RegExp(NEW_PHONE));
  const hours = await details.locator("table.hours").innerText();
  assert.match(hours, /Samedi\s+de 9 h 30 à 12 h/);
  assert.match(hours, /Mercredi\s+de 9 h à 12 h\n/);
  assert.equal(await details.locator(".updated").innerText(), `Mis à jour le ${frenchDate(now.date_maj)}`);
  assert.match(await details.locator(".source").innerText(), new RegExp(`contribution ${sent.update}`));
});

step("the accepted markup reads as text in the suggestions, the cards, the table and the details", async () => {
  const input = page.getByRole("combobox", { name: /Rechercher/ });
  await input.fill("");
  await input.click();
  await input.pressSequentially("Lieu piégé", { delay: 20 });
  const option = page.locator("#suggestions [role=option].place").first();
  await option.waitFor({ state: "visible" });
  assert.equal(await option.locator(".label").innerText(), XSS_NAME);
  await assertNoXss("the suggestions");
  await input.press("Escape");
  const searched = await page.evaluate(() => Number(document.body.dataset.searches ?? 0));
  await input.press("Enter");
  await page.waitForFunction((n) => Number(document.body.dataset.searches) > n && document.body.dataset.search === "done", searched);

  await page.getByRole("button", { name: "Liste", exact: true }).click();
  const card = page.locator("#cards article").filter({ hasText: "Lieu piégé" }).first();
  await card.waitFor();
  assert.equal(await card.locator(".card-title").innerText(), XSS_NAME);
  assert.ok((await card.locator(".card-address").innerText()).includes(PAYLOAD));
  await page.getByRole("button", { name: "Tableau", exact: true }).click();
  const row = page.locator("#table tbody tr").filter({ hasText: "Lieu piégé" }).first();
  assert.equal(await row.locator("th").innerText(), XSS_NAME);
  await assertNoXss("the cards and the table");

  await row.locator("th button").click();
  await page.waitForFunction(() => !/Chargement/.test(document.querySelector("#details-body").textContent));
  const details = page.locator("#details");
  assert.equal(await page.locator("#details-title").innerText(), XSS_NAME);
  const text = await details.innerText();
  for (const part of [`3 rue ${PAYLOAD}`, `Présentation ${PAYLOAD}`]) assert.ok(text.includes(part), `${part} in the details`);
  await assertNoXss("the details");
  await screenshot("public-xss");
  // Its correction form shows the values as they are, too.
  await openForm("Proposer une modification");
  assert.equal(await dialog().getByLabel("Nom du lieu", { exact: true }).inputValue(), XSS_NAME);
  assert.equal(await dialog().locator("#c-horaires").inputValue(), "Mo-Fr 09:00-12:00");
  await assertNoXss("the correction form of the place");
  await closeDialog();
});

step("an import that changed a corrected field since shows the conflict to the moderator", async () => {
  // The bundled data again, with the place's phone changed as a new export of its source would.
  const bundled = readFileSync(path.resolve(import.meta.dirname, "../../data/lieux-pays-de-la-loire.csv"), "utf8");
  const lines = bundled.split("\n");
  const row = lines.findIndex((line) => line.includes(place.id) && line.includes(place.telephone));
  assert.ok(row > 0, "the place's row holds its phone");
  const IMPORTED_PHONE = "+33241998877";
  lines[row] = lines[row].replace(place.telephone, IMPORTED_PHONE);
  const file = path.join(ARTIFACTS, "reimported.csv");
  writeFileSync(file, lines.join("\n"));
  const reload = await fetch(`${BASE}/admin/reload`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ sources: [file] }),
  });
  assert.equal(reload.status, 200, await reload.text());
  assert.equal((await api(`/places/${encodeURIComponent(place.id)}`)).properties.telephone, IMPORTED_PHONE, "the import's value is on the map");

  await page.goto(`${BASE}${ADMIN_PAGE}`);
  await page.waitForFunction(() => document.body.dataset.conflicts === "1");
  const conflict = page.locator(`#conflicts-body tr[data-contribution="${sent.update}"][data-field="telephone"]`);
  assert.equal(await conflict.locator(".base").innerText(), IMPORTED_PHONE);
  assert.equal(await conflict.locator(".proposed").innerText(), NEW_PHONE_E164);
  assert.equal(await conflict.locator("td").nth(2).innerText(), "Téléphone");
  // Its number leads to the contribution, among the accepted ones.
  await conflict.getByRole("button").click();
  await page.waitForFunction((id) => document.querySelector("#queue button[aria-current='true']")?.dataset.id === String(id), sent.update);
  assert.equal(await page.locator("#status-filter").inputValue(), "accepted");
  await assertNoXss("the conflicts");
  await screenshot("moderation-conflicts");
});

step("the pages asked nothing of any other host, and raised no error", (t) => {
  t.diagnostic(`429 answers waited out and retried: ${rateLimited.length} (${[...new Set(rateLimited)].join(", ")})`);
  assert.deepEqual(foreignRequests, [], "requests to other hosts");
  assert.deepEqual(pageErrors, [], "uncaught errors in the pages");
});
