// Cookies, redirects, CORS and the origin check as a real browser does them.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { fetchInPage, freshPage, reportIfFailed, sessionCookie, signInOnStandIn, startBrowserStack } from "./harness.mjs";

let stack;
before(async () => (stack = await startBrowserStack()));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

/** Signs a fresh browser profile in as `email`; its page is left on `/v1/me`. */
async function signedIn(email) {
  const { context, page } = await freshPage(stack);
  await page.goto(`${stack.base}/v1/auth/login?return_to=%2Fv1%2Fme`);
  await signInOnStandIn(page, email);
  return { context, page };
}

test("sign in through the stand-in's page and land on return_to with the session cookie", async () => {
  const { context, page } = await signedIn("ada@browser.example");
  assert.equal(page.url(), `${stack.base}/v1/me`);
  const me = JSON.parse(await page.evaluate(() => document.body.innerText));
  assert.equal(me.user.email, "ada@browser.example");
  const cookie = await sessionCookie(page, stack.base);
  assert.ok(cookie, "the session cookie");
  assert.deepEqual([cookie.httpOnly, cookie.secure, cookie.sameSite, cookie.path], [true, true, "Lax", "/"]);
  await context.close();
});

test("a page of an allowed origin calls the API with the cookie, reads and changes", async () => {
  const { context, page } = await signedIn("bo@browser.example");
  await page.goto(stack.app);
  const me = await fetchInPage(page, `${stack.base}/v1/me`, { credentials: "include" });
  assert.equal(me.status, 200, me.text ?? me.error);
  assert.equal(JSON.parse(me.text).user.email, "bo@browser.example");
  const created = await fetchInPage(page, `${stack.base}/v1/orgs`, {
    method: "POST",
    credentials: "include",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "From the app", slug: "from-the-app" }),
  });
  assert.equal(created.status, 201, created.text ?? created.error);
  await context.close();
});

test("a foreign origin can neither read with the cookie (CORS) nor change with it (origin check)", async () => {
  const { context, page } = await signedIn("cy@browser.example");
  await page.goto(stack.foreign);
  const read = await fetchInPage(page, `${stack.base}/v1/me`, { credentials: "include" });
  assert.equal(read.error, "TypeError", "the browser withholds the answer");
  const write = await fetchInPage(page, `${stack.base}/v1/orgs`, {
    method: "POST",
    credentials: "include",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Forged", slug: "forged" }),
  });
  assert.equal(write.error, "TypeError", "the preflight is refused");
  // A form needs no preflight, and a same-site page's form carries the Lax cookie: the
  // origin check is what refuses it.
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate((action) => {
      const form = document.createElement("form");
      form.method = "POST";
      form.action = action;
      document.body.appendChild(form);
      form.submit();
    }, `${stack.base}/v1/auth/logout`),
  ]);
  const refused = JSON.parse(await page.evaluate(() => document.body.innerText));
  assert.equal(refused.error.code, "origin_refused");
  await page.goto(`${stack.base}/v1/auth/session`);
  const session = JSON.parse(await page.evaluate(() => document.body.innerText));
  assert.equal(session.session.user.email, "cy@browser.example", "still signed in");
  const orgs = JSON.parse(await (await page.goto(`${stack.base}/v1/orgs`)).text());
  assert.ok(!orgs.data.some((w) => w.slug === "forged"));
  await context.close();
});

test("a refused sign-in shows a page whose link signs in again to the same return_to", async () => {
  const { context, page } = await freshPage(stack);
  await page.goto(`${stack.base}/v1/auth/login?return_to=%2Fv1%2Fme%3Ffrom%3Dretry`);
  // The person refuses on WorkOS's page (the stand-in's form with `deny`).
  await page.waitForSelector("input[name=email]");
  await Promise.all([
    page.waitForNavigation(),
    page.$eval("form", (form) => {
      const deny = document.createElement("input");
      deny.type = "hidden";
      deny.name = "deny";
      deny.value = "1";
      form.appendChild(deny);
      form.submit();
    }),
  ]);
  assert.match(await page.evaluate(() => document.body.innerText), /sign_in_refused/);
  assert.equal(await sessionCookie(page, stack.base), undefined, "no session");
  await Promise.all([page.waitForNavigation(), page.click("a")]);
  await signInOnStandIn(page, "fay@browser.example");
  assert.equal(page.url(), `${stack.base}/v1/me?from=retry`);
  const me = JSON.parse(await page.evaluate(() => document.body.innerText));
  assert.equal(me.user.email, "fay@browser.example");
  await context.close();
});

test("a sign-in AuthKit started itself (a code, no state) goes round a sign-in of ours and lands signed in", async () => {
  const { context, page } = await freshPage(stack);
  // As after someone accepts an invitation WorkOS emailed: AuthKit sends the browser back with a
  // code this browser never asked for.
  await page.goto(`${stack.base}/v1/auth/callback?code=code_from_authkit`);
  assert.match(page.url(), /\/user_management\/authorize\?/, "on AuthKit's page, by way of /v1/auth/login");
  await signInOnStandIn(page, "eve@browser.example");
  assert.equal(page.url(), `${stack.base}/`);
  assert.ok(await sessionCookie(page, stack.base), "signed in");
  await context.close();
});

test("several tabs of one browser signing in at once all land signed in", async () => {
  const { context, page: first } = await freshPage(stack);
  const tabs = [first, await context.newPage(), await context.newPage()];
  for (const [n, tab] of tabs.entries()) {
    await tab.goto(`${stack.base}/v1/auth/login?return_to=%2Fv1%2Fme%3Ftab%3D${n}`);
    // Background tabs do not render, so the form is filled and sent from script.
    await tab.$eval("input[name=email]", (input) => (input.value = "dee@browser.example"));
  }
  await Promise.all(tabs.map((tab) => Promise.all([tab.waitForNavigation(), tab.$eval("form", (f) => f.submit())])));
  for (const [n, tab] of tabs.entries()) {
    assert.equal(tab.url(), `${stack.base}/v1/me?tab=${n}`);
    const me = JSON.parse(await tab.evaluate(() => document.body.innerText));
    assert.equal(me.user.email, "dee@browser.example", `tab ${n}`);
  }
  await context.close();
});

test("signing out clears the cookie, ends the session and goes through WorkOS's logout", async () => {
  const { context, page } = await signedIn("eve@browser.example");
  const before = await sessionCookie(page, stack.base);
  const logout = await fetchInPage(page, `${stack.base}/v1/auth/logout`, { method: "POST" });
  assert.equal(logout.status, 200, logout.text ?? logout.error);
  assert.equal(await sessionCookie(page, stack.base), undefined, "the browser dropped the cookie");
  const { logout_url } = JSON.parse(logout.text);
  await page.goto(logout_url);
  assert.equal(page.url(), `${stack.base}/`, "back from WorkOS's logout");
  const replayed = await fetch(`${stack.base}/v1/me`, { headers: { cookie: `__Host-edge_auth=${before.value}` } });
  assert.equal(replayed.status, 401);
  assert.equal((await replayed.json()).error.code, "session_expired");
  await context.close();
});

test("a browser whose session ended elsewhere drops the cookie on its next call", async () => {
  const { context, page } = await signedIn("kim@browser.example");
  assert.ok(await sessionCookie(page, stack.base));
  // Ended without this browser: the scheduled purge, a revoke from another device.
  stack.worker.sql("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = 'kim@browser.example')");
  const refused = await fetchInPage(page, `${stack.base}/v1/me`);
  assert.equal(refused.status, 401, refused.text ?? refused.error);
  assert.equal(JSON.parse(refused.text).error.code, "session_expired");
  assert.equal(await sessionCookie(page, stack.base), undefined, "the browser dropped the dead cookie");
  const after = await fetchInPage(page, `${stack.base}/v1/me`);
  assert.equal(JSON.parse(after.text).error.code, "not_authenticated", "signed out, not refused");
  await context.close();
});
