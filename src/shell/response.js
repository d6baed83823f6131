// A response for the wasm shell (src/shell/request.rs, `into_worker_response`): its status, its
// headers as lines (a name, then its value, and so on) and its body's bytes (a view of wasm
// memory, which the runtime copies). Rust writes the lines and refuses a name or value with a
// line break first, as the runtime would. The headers go to the runtime as an object, which it
// reads in half the time of a list of pairs; as the list only when a name repeats (two
// `set-cookie`s), which an object cannot hold.
export function responseOf(status, headerLines, repeats, body) {
  const lines = headerLines === "" ? [] : headerLines.split("\n");
  let headers;
  if (repeats) {
    headers = [];
    for (let at = 0; at + 1 < lines.length; at += 2) headers.push([lines[at], lines[at + 1]]);
  } else {
    headers = {};
    for (let at = 0; at + 1 < lines.length; at += 2) headers[lines[at]] = lines[at + 1];
  }
  return new Response(body.length === 0 ? null : body, { status, headers });
}
