// What the browser tests share: Debian's chromium started the same way (headless, no sandbox,
// nothing of its own on the network), and the requests that leave for another origin than the
// lieux server's, which the page must never make, texts under WCAG AA contrast, and axe-core's
// audit.

import { createRequire } from "node:module";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** A headless Chromium, as the tests drive it. */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A fresh context of `browser` (its own empty profile) as a person in France sees the page:
 * French, Paris time, a laptop's window; every request it makes to another origin than
 * `base`'s is pushed onto `foreign`. `options` adds to playwright's context options. */
export async function frenchContext(browser, base, foreign, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    ...options,
  });
  recordForeignRequests(context, base, foreign);
  return context;
}

/** Pushes onto `into` every request of `context` to another origin than `base`'s. */
function recordForeignRequests(context, base, into) {
  const origin = new URL(base).origin;
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol === "data:" || url.protocol === "blob:") return;
    if (url.origin !== origin) into.push(request.url());
  });
}

/** Runs `action` on the map page `page`, then waits for the search it starts to finish (the
 * page counts its finished searches in `body[data-searches]`). */
export async function afterSearchOn(page, action) {
  const before = await page.evaluate(() => Number(document.body.dataset.searches ?? 0));
  await action();
  await page.waitForFunction(
    (n) => Number(document.body.dataset.searches ?? 0) > n && document.body.dataset.search === "done",
    before,
  );
}

/** The visible texts of `page` matching `selector` under WCAG AA contrast, with their ratios. */
export function contrastFailures(page, selector) {
  return page.evaluate((selector) => {
    const channels = (css) => (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]) => {
      const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const background = (element) => {
      for (let e = element; e; e = e.parentElement) {
        const c = channels(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const failures = [];
    for (const element of document.querySelectorAll(selector)) {
      if (element.closest(".maplibregl-map") || !element.checkVisibility?.()) continue;
      const text = [...element.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join("");
      if (!text) continue;
      const style = getComputedStyle(element);
      const [l1, l2] = [luminance(channels(style.color)), luminance(background(element))].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) failures.push(`${text.slice(0, 40)}: ${ratio.toFixed(2)}`);
    }
    return failures;
  }, selector);
}

/** A new tab of `context` whose script errors are pushed onto `errors`, steps waiting 20 s at
 * most. */
export async function newTab(context, errors) {
  const page = await context.newPage();
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
  page.setDefaultTimeout(20_000);
  return page;
}

/** axe-core's serious and critical violations in `selector` (the whole document by default) of
 * `target`, a page or a frame, as lines that name each rule and the elements. */
export async function axeViolations(target, selector = "html") {
  if (!(await target.evaluate(() => "axe" in window))) await target.addScriptTag({ path: AXE });
  return target.evaluate(async (selector) => {
    const result = await window.axe.run(selector, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }, selector);
}

/** One Chromium and one French context (`frenchContext`) for the tests of a file, started
 * before them and closed after them: `context`, with the requests it made to other origins
 * than `base`'s (`foreignRequests`) and the script errors of its tabs (`pageErrors`, for
 * `newTab`). */
export function browserForFile(base) {
  const shared = { browser: null, context: null, foreignRequests: [], pageErrors: [] };
  before(async () => {
    shared.browser = await launchChromium();
    shared.context = await frenchContext(shared.browser, base, shared.foreignRequests);
  });
  after(async () => {
    await shared.browser?.close();
  });
  return shared;
}
