// What a browser test talks to: the WorkOS stand-in, the built worker under `wrangler dev`,
// two more origins serving blank pages (an allowed app, a foreign site), and headless Chromium
// (CHROME_PATH, found or installed by scripts/browser.mjs). Every origin is `localhost`:
// mixing it with 127.0.0.1 would make them cross-site.
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { ROOT } from "../../scripts/toolchain.mjs";
import { startStandIn, startWorker } from "../e2e/stack.mjs";

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
  return {
    base,
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

/** A fresh browser profile (its own cookies) with one page. */
export async function freshPage(stack) {
  const context = await stack.browser.createBrowserContext();
  const page = await context.newPage();
  return { context, page };
}

/** On the stand-in's AuthKit page: types `email` and continues; resolves once back. */
export async function signInOnStandIn(page, email) {
  await page.waitForSelector("input[name=email]");
  await page.locator("input[name=email]").fill(email);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
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
