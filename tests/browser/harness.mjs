// What a browser test talks to: the WorkOS stand-in, the built worker under `wrangler dev`,
// two more origins serving blank pages (an allowed app, a foreign site), and headless Chromium
// (CHROME_PATH, found or installed by scripts/browser.mjs). Every origin is `localhost`:
// mixing it with 127.0.0.1 would make them cross-site.
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { ROOT } from "../../scripts/toolchain.mjs";
import { reportIfFailed as reportStackIfFailed, startStandIn, startWorker } from "../e2e/stack.mjs";

/** Where screenshots of the run go. */
export const OUTPUT = join(ROOT, "target", "browser-tests");

async function blankOrigin(title) {
  const server = createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(`<!doctype html><title>${title}</title><body>${title}</body>`);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://localhost:${server.address().port}`, close: () => server.close() };
}

/**
 * Starts headless Chromium, trying three times: on a fresh machine the Chromium that `npm test`
 * had just installed was seen to die as it started (puppeteer's "Failed to launch the browser
 * process: Code: null"), and to start when the same tests were run again.
 */
async function launchBrowser() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await puppeteer.launch({
        executablePath: process.env.CHROME_PATH,
        headless: true,
        // As root, Chromium runs only without its sandbox (a throwaway test machine).
        args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
      });
    } catch (error) {
      if (attempt === 3) throw error;
      console.error(`Chromium did not start (attempt ${attempt} of 3): ${error.message.split("\n")[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

export async function startBrowserStack() {
  const app = await blankOrigin("the app");
  const foreign = await blankOrigin("a foreign site");
  const standIn = await startStandIn();
  const worker = await startWorker(standIn, { ALLOWED_ORIGINS: app.origin, LOGIN_RETURN_ORIGINS: "" });
  const base = worker.base.replace("127.0.0.1", "localhost");
  let browser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    // Without this, the stand-in and `wrangler dev` outlive the failed hook and the test file
    // never ends.
    worker.stop();
    standIn.stop();
    app.close();
    foreign.close();
    throw error;
  }
  mkdirSync(OUTPUT, { recursive: true });
  const started = Date.now();
  return {
    base,
    /** What the browser's pages did that a failing test explains itself with (see `freshPage`). */
    pageEvents: [],
    pagesOpened: 0,
    note(line) {
      this.pageEvents.push(`${((Date.now() - started) / 1000).toFixed(2)} s  ${line}`);
    },
    app: app.origin,
    foreign: foreign.origin,
    standIn,
    worker,
    browser,
    stop: async () => {
      await browser.close();
      worker.stop();
      standIn.stop();
      app.close();
      foreign.close();
    },
  };
}

/**
 * A fresh browser profile (its own cookies) with one page. The page's errors, its requests and
 * how each ended, and its navigations go to `stack.pageEvents` for `reportIfFailed`.
 */
export async function freshPage(stack) {
  const context = await stack.browser.createBrowserContext();
  const page = await context.newPage();
  const name = `page ${++stack.pagesOpened}`;
  stack.note(`${name} opened`);
  page.on("console", (m) => m.type() === "error" && stack.note(`${name} console error: ${m.text()}`));
  page.on("pageerror", (error) => stack.note(`${name} page error: ${error.message}`));
  // Every request and how it ended: one that never came back has a "→" line and no "←" line.
  page.on("request", (r) => stack.note(`${name} → ${r.method()} ${r.url()}`));
  page.on("requestfinished", (r) => stack.note(`${name} ← ${r.response()?.status()} ${r.method()} ${r.url()}`));
  page.on("requestfailed", (r) => stack.note(`${name} ← failed (${r.failure()?.errorText}) ${r.method()} ${r.url()}`));
  page.on("framenavigated", (frame) => frame === page.mainFrame() && stack.note(`${name} at ${frame.url()}`));
  return { context, page };
}

/** On the stand-in's AuthKit page: types `email` and continues; resolves once back. */
export async function signInOnStandIn(page, email) {
  await page.waitForSelector("input[name=email]");
  await page.locator("input[name=email]").fill(email);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
}

/**
 * For `afterEach`: when the test `t` failed, prints what its pages did, then `reportIfFailed`'s
 * output of `wrangler dev` and the stand-in. Then starts the next test's page events afresh.
 */
export function reportIfFailed(t, stack) {
  if (!stack) return;
  const events = stack.pageEvents.map((line) => (line.length > 240 ? `${line.slice(0, 240)}…` : line));
  reportStackIfFailed(t, stack, { "the browser's pages": events.join("\n") });
  stack.pageEvents.length = 0;
}

/** The session cookie as the browser holds it for the worker, if any. */
export async function sessionCookie(page, base) {
  const cookies = await page.cookies(base);
  return cookies.find((cookie) => cookie.name === "__Host-edge_auth");
}

/** fetch from inside `page` (its origin, its cookies); the answer or the error's name. */
export async function fetchInPage(page, url, init = {}) {
  return page.evaluate(
    async (url, init) => {
      try {
        const response = await fetch(url, init);
        const text = await response.text();
        return { status: response.status, text };
      } catch (error) {
        return { error: error.name };
      }
    },
    url,
    init,
  );
}
