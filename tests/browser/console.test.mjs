// The sign-in console end to end in a browser, with a screenshot in target/browser-tests/.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { OUTPUT, freshPage, sessionCookie, signInOnStandIn, startBrowserStack } from "./harness.mjs";

let stack;
before(async () => (stack = await startBrowserStack()));
after(() => stack?.stop());

const ready = (page) => page.waitForSelector("body[data-ready=true]");
const text = (page, selector) => page.$eval(selector, (element) => element.textContent);
const visible = (page, selector) => page.$eval(selector, (element) => !element.hidden);

test("the console: sign in, see who you are and your workspaces, create one, read the key once, sign out", async () => {
  const { context, page } = await freshPage(stack);
  const problems = [];
  // The page's own errors; a 401 or 404 the page asked for and handles is not one.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && problems.push(m.text()));
  page.on("pageerror", (error) => problems.push(error.message));

  await page.goto(`${stack.base}/`);
  await ready(page);
  assert.ok(await visible(page, "#signed-out"));
  await Promise.all([page.waitForNavigation(), page.click("#sign-in")]);
  await signInOnStandIn(page, "fay@console.example");
  assert.equal(page.url(), `${stack.base}/`);
  await ready(page);

  assert.equal(await text(page, "#who"), "fay@console.example");
  assert.match(await text(page, "#welcome-key"), /^eak_/, "the default key, once");
  await page.waitForSelector("#workspace-rows tr");
  assert.equal(await page.$$eval("#workspace-rows tr", (rows) => rows.length), 1, "the personal workspace");

  await page.locator("#create-workspace input[name=name]").fill("Console Team");
  await page.locator("#create-workspace input[name=slug]").fill("console-team");
  await page.click("#create-workspace button[type=submit]");
  await page.waitForSelector('#workspace-rows tr[data-slug="console-team"]');
  await page.click('#workspace-rows tr[data-slug="console-team"] button');
  await page.waitForSelector("#member-rows tr");
  assert.deepEqual(
    await page.$$eval("#member-rows tr td", (cells) => cells.map((cell) => cell.textContent)).then((c) => [c[0], c[2]]),
    ["fay@console.example", "owner"],
  );
  await page.screenshot({ path: join(OUTPUT, "console.png"), fullPage: true });

  await page.reload();
  await ready(page);
  assert.equal(await visible(page, "#welcome"), false, "the key is shown only once");

  await Promise.all([page.waitForNavigation({ waitUntil: "networkidle0" }), page.click("#sign-out")]);
  await ready(page);
  assert.equal(page.url(), `${stack.base}/`);
  assert.ok(await visible(page, "#signed-out"), "signed out");
  assert.equal(await sessionCookie(page, stack.base), undefined);
  assert.deepEqual(problems, [], "no errors in the page");
  await context.close();
});
