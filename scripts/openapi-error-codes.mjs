// Rewrites the OpenAPI document's ErrorCode schema (enum and description) from the one list in
// src/http/error_code.rs; tests/api/openapi.rs fails until the two agree.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./toolchain.mjs";

const source = readFileSync(join(ROOT, "src", "http", "error_code.rs"), "utf8");
const codes = [...source.matchAll(/\/\/\/ (\d{3}): (.*)\n\s+\w+ => \("([a-z_]+)", (\d{3})\),/g)].map(
  ([, , meaning, code, status]) => ({ code, status, meaning }),
);
const path = join(ROOT, "public", "openapi.json");
const doc = JSON.parse(readFileSync(path, "utf8"));
const schema = doc.components.schemas.ErrorCode;
schema.enum = codes.map((c) => c.code);
schema.description = codes.map((c) => `- \`${c.code}\` ${c.status}: ${c.meaning}`).join("\n");
writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`${codes.length} error codes written to public/openapi.json`);
