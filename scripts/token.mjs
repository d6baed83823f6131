// `npm run token -- --email ada@example.com [--org-id org_… --role admin --ttl 3600]`: mints an
// AuthKit-shaped access token from the running WorkOS stand-in (started by `npm run dev`).
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    email: { type: "string" },
    sub: { type: "string" },
    "org-id": { type: "string" },
    role: { type: "string" },
    ttl: { type: "string" },
    "stand-in": { type: "string", default: process.env.WORKOS_STAND_IN ?? "http://127.0.0.1:9797" },
    json: { type: "boolean", default: false },
  },
});
const body = {};
if (values.email) body.email = values.email;
if (values.sub) body.sub = values.sub;
if (values["org-id"]) body.org_id = values["org-id"];
if (values.role) body.role = values.role;
if (values.ttl) body.ttl_seconds = Number(values.ttl);
let response;
try {
  response = await fetch(`${values["stand-in"]}/__dev/tokens`, { method: "POST", body: JSON.stringify(body) });
} catch {
  console.error(`the WorkOS stand-in is not running at ${values["stand-in"]}: start it with \`npm run dev\``);
  process.exit(1);
}
const minted = await response.json();
if (!response.ok) {
  console.error(minted);
  process.exit(1);
}
console.log(values.json ? JSON.stringify(minted, null, 2) : minted.access_token);
