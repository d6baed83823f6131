// MCP under wrangler dev: the stand-in plays the AuthKit domain. Here it is also WorkOS's API
// base, so MCP and session tokens share an issuer and the audience tells them apart.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { reportIfFailed, startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack()));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

const resource = () => `${stack.worker.base}/mcp`;
const mcpToken = async (claims) =>
  (await (await fetch(`${stack.standIn.url}/__dev/mcp-tokens`, { method: "POST", body: JSON.stringify({ aud: resource(), ...claims }) })).json()).access_token;
let nextId = 1;
const rpc = (token, method, params) =>
  stack.worker.request("POST", "/mcp", { bearer: token, body: { jsonrpc: "2.0", id: nextId++, method, params } });
const callTool = (token, name, args = {}) => rpc(token, "tools/call", { name, arguments: args });

// First in this file: no key of AuthKit is cached yet.
test("an AuthKit JWKS outage with no cached key is a 503, not a 401", async () => {
  await fetch(`${stack.standIn.url}/__dev/outage`, { method: "POST", body: JSON.stringify({ mode: "unavailable" }) });
  try {
    const token = await mcpToken({ email: "agent@e2e.example" });
    const down = await rpc(token, "ping");
    assert.equal(down.status, 503, down.text);
    assert.equal(down.json.error.code, "jwks_unavailable");
    assert.ok(down.headers.get("retry-after"));
  } finally {
    await fetch(`${stack.standIn.url}/__dev/outage`, { method: "POST", body: JSON.stringify({ mode: "none" }) });
    // The failed attempt holds off refetches for the cooldown (3 s in these tests).
    await new Promise((resolve) => setTimeout(resolve, 3200));
  }
});

test("a client discovers the sign-in from a bare 401 and the metadata documents", async () => {
  const bare = await stack.worker.request("POST", "/mcp", { body: { jsonrpc: "2.0", id: 1, method: "initialize" } });
  assert.equal(bare.status, 401);
  const challenge = bare.headers.get("www-authenticate");
  const metadataUrl = challenge.match(/resource_metadata="([^"]+)"/)[1];
  assert.equal(metadataUrl, `${stack.worker.base}/.well-known/oauth-protected-resource/mcp`);
  const metadata = await (await fetch(metadataUrl)).json();
  assert.deepEqual([metadata.resource, metadata.authorization_servers], [resource(), [stack.standIn.url]]);
  const server = await (await fetch(`${stack.worker.base}/.well-known/oauth-authorization-server`)).json();
  assert.equal(server.jwks_uri, `${stack.standIn.url}/oauth2/jwks`);
});

test("a session of MCP calls: initialize, tools, a first contact provisioned, changes audited", async () => {
  const token = await mcpToken({ email: "agent@e2e.example", scope: "read write" });
  const init = await rpc(token, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "e2e", version: "1" } });
  assert.equal(init.status, 200, init.text);
  assert.equal(init.json.result.protocolVersion, "2025-06-18");
  const initialized = await stack.worker.request("POST", "/mcp", { bearer: token, body: { jsonrpc: "2.0", method: "notifications/initialized" } });
  assert.equal(initialized.status, 202);
  const tools = await rpc(token, "tools/list");
  assert.equal(tools.json.result.tools.length, 15);
  const whoami = await callTool(token, "whoami");
  assert.equal(whoami.json.result.isError, false, whoami.text);
  assert.equal(whoami.json.result.structuredContent.user.email, "agent@e2e.example");
  const created = await callTool(token, "create_workspace", { name: "Agent Co", slug: "agent-co" });
  assert.equal(created.json.result.structuredContent.slug, "agent-co");
  const events = await callTool(token, "list_audit_events", { workspace: "agent-co" });
  assert.ok(events.json.result.structuredContent.data.some((event) => event.action === "workspace.created"));
  const refused = await callTool(token, "get_workspace", { workspace: "someone-elses" });
  assert.equal(refused.json.result.isError, true);
  assert.equal(refused.json.result.structuredContent.error.code, "org_not_found");
});

test("wrong audience, wrong issuer, a missing scope, and the two kinds of token kept apart", async () => {
  const ping = (token) => rpc(token, "ping");
  const wrongAudience = await ping(await mcpToken({ email: "agent@e2e.example", aud: "https://elsewhere.example/mcp" }));
  assert.equal(wrongAudience.json.error.code, "token_audience_invalid");
  const wrongIssuer = await ping(await mcpToken({ email: "agent@e2e.example", iss: "https://evil.authkit.app" }));
  assert.equal(wrongIssuer.json.error.code, "token_issuer_invalid");

  const sessionToken = async (claims) =>
    (await (await fetch(`${stack.standIn.url}/__dev/tokens`, { method: "POST", body: JSON.stringify({ email: "agent@e2e.example", ...claims }) })).json()).access_token;
  assert.equal((await ping(await sessionToken({}))).json.error.code, "token_issuer_invalid");
  // A session token under the AuthKit domain's own issuer (both accepted here): the audience decides.
  const sessionAtMcp = await ping(await sessionToken({ iss: stack.standIn.url }));
  assert.equal(sessionAtMcp.status, 401);
  assert.equal(sessionAtMcp.json.error.code, "token_audience_invalid");
  const mcp = await mcpToken({ email: "agent@e2e.example" });
  const mcpAtApi = await stack.worker.request("GET", "/v1/me", { bearer: mcp });
  assert.equal(mcpAtApi.status, 401);
  assert.equal(mcpAtApi.json.error.code, "token_audience_invalid");
  assert.match(mcpAtApi.headers.get("www-authenticate"), /resource_metadata="/);

  const reader = await mcpToken({ email: "reader@e2e.example", scope: "read" });
  const denied = await callTool(reader, "create_workspace", { name: "Nope", slug: "nope-nope" });
  assert.equal(denied.status, 403);
  assert.match(denied.headers.get("www-authenticate"), /error="insufficient_scope", scope="write"/);
});

