// The sign-in console end to end in a browser, with a screenshot in target/browser-tests/.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, afterEach, before, test } from "node:test";
import { OUTPUT, freshPage, reportIfFailed, sessionCookie, signInOnStandIn, startBrowserStack } from "./harness.mjs";

let stack;
before(async () => (stack = await startBrowserStack()));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

const ready = (page) => page.waitForSelector("body[data-ready=true]");
const text = (page, selector) => page.$eval(selector, (element) => element.textContent);
const visible = (page, selector) => page.$eval(selector, (element) => !element.hidden);

test("the console: sign in, see who you are and your workspaces, create one, read the key once, switch organisation, sign out elsewhere, sign out", async () => {
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
  // The organisation switcher: a WorkOS membership, then the switch.
  const userId = (await page.$eval('#session-rows tr[data-field="User"] td:last-child', (td) => td.textContent)).match(/\((user_[^)]+)\)/)[1];
  await fetch(`${stack.standIn.url}/__dev/memberships`, {
    method: "POST",
    body: JSON.stringify({ user_id: userId, organization_id: "org_console", role: "admin" }),
  });
  await page.locator("#switch-organization input[name=organization_id]").fill("org_console");
  await page.click("#switch-organization button[type=submit]");
  await page.waitForFunction(
    () => document.querySelector('#session-rows tr[data-field="Organisation"] td:last-child').textContent === "org_console (admin)",
  );

  // Sign out everywhere else: a second browser signed in as the same person loses its session.
  const { context: elsewhere, page: other } = await freshPage(stack);
  await other.goto(`${stack.base}/v1/auth/login?return_to=%2Fv1%2Fme`);
  await signInOnStandIn(other, "fay@console.example");
  assert.equal((await other.goto(`${stack.base}/v1/me`)).status(), 200);
  await page.reload();
  await ready(page);
  assert.equal(await page.$$eval("#session-list tr", (rows) => rows.length), 2);
  await page.screenshot({ path: join(OUTPUT, "console.png"), fullPage: true });
  await page.click("#sign-out-others");
  await page.waitForFunction(() => document.querySelector("#sign-out-others-result").textContent === "1 signed out");
  const ended = await other.goto(`${stack.base}/v1/me`);
  assert.equal(ended.status(), 401, "the other browser's session ended");
  assert.equal((await page.goto(`${stack.base}/v1/me`)).status(), 200, "this one stays");
  await elsewhere.close();
  await page.goto(`${stack.base}/`);
  await ready(page);

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

test("the console invites a teammate by email, who joins by following the invitation's link", async () => {
  const { context, page } = await freshPage(stack);
  await page.goto(`${stack.base}/v1/auth/login?return_to=%2F`);
  await signInOnStandIn(page, "hal@console.example");
  await ready(page);
  await page.locator("#create-workspace input[name=name]").fill("Invite Team");
  await page.locator("#create-workspace input[name=slug]").fill("invite-team");
  await page.click("#create-workspace button[type=submit]");
  await page.waitForSelector('#workspace-rows tr[data-slug="invite-team"]');
  await page.click('#workspace-rows tr[data-slug="invite-team"] button');
  // The section shows once its members and invitations are both loaded.
  await page.waitForSelector("#members:not([hidden])");
  assert.equal(await visible(page, "#error"), false, `the page shows no error: ${await text(page, "#error")}`);
  await page.locator("#invite input[name=email]").fill("ivy@console.example");
  await page.select("#invite select[name=role]", "admin");
  await page.click("#invite button[type=submit]");
  const row = '#invitation-rows tr[data-email="ivy@console.example"]';
  await page.waitForSelector(row);
  const [role, state, link] = await page.$$eval(`${row} td`, (cells) => cells.slice(1).map((c) => c.textContent));
  assert.deepEqual([role, state], ["admin", "pending"]);
  await page.screenshot({ path: join(OUTPUT, "console-invitation.png"), fullPage: true });

  // Ivy, in her own browser, follows the link: AuthKit's page, then back on the console, a member.
  const { context: hers, page: ivy } = await freshPage(stack);
  await ivy.goto(link);
  await signInOnStandIn(ivy, "ivy@console.example");
  assert.equal(ivy.url(), `${stack.base}/`);
  await ready(ivy);
  await ivy.waitForSelector('#workspace-rows tr[data-slug="invite-team"]');
  await hers.close();
  await page.click('#workspace-rows tr[data-slug="invite-team"] button');
  await page.waitForFunction((row) => document.querySelector(`${row} td:nth-child(3)`)?.textContent === "accepted", {}, row);
  const roles = await page.$$eval("#member-rows tr", (rows) => rows.map((r) => [r.cells[0].textContent, r.cells[2].textContent]));
  assert.deepEqual(roles, [["hal@console.example", "owner"], ["ivy@console.example", "admin"]]);
  await context.close();
});

test("an answer that never comes, or is not JSON, shows an error on the console, not a part that never appears", async () => {
  const { context, page } = await freshPage(stack);
  await page.goto(`${stack.base}/v1/auth/login?return_to=%2F`);
  await signInOnStandIn(page, "gil@console.example");
  await ready(page);
  // What the browser's fetch gets for the one request `broken` matches.
  let broken = null;
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    if (request.isInterceptResolutionHandled()) return;
    if (broken && broken.path.test(request.url())) broken.answer(request);
    else request.continue();
  });
  const showMembers = () => page.click("#workspace-rows tr button");
  const errorShown = () => page.waitForFunction(() => !document.querySelector("#error").hidden).then(() => text(page, "#error"));

  // A 200 whose body is a proxy's HTML page, not the API's JSON.
  broken = { path: /\/members\b/, answer: (r) => r.respond({ status: 200, contentType: "text/html", body: "<html>gateway</html>" }) };
  await showMembers();
  assert.equal(await errorShown(), "an answer (200) that is not JSON");

  // The invitations' request dropped as a lost connection drops it: the browser's fetch rejects.
  await page.reload();
  await ready(page);
  broken = { path: /\/invitations\b/, answer: (r) => r.abort("connectionreset") };
  await showMembers();
  await page.waitForSelector("#members:not([hidden])");
  assert.equal(await errorShown(), "no answer: the connection failed");
  await context.close();
});
