// The request as one text for the wasm shell (src/shell/request.rs reads it): its method, its
// URL, then each header the worker reads, its name and its value, one per line. None of them can
// hold a line break (a method and a header's name are tokens, a URL is serialised without one,
// and `Headers` refuses CR, LF and NUL in a value), so the lines need no escaping. One string
// crosses into wasm instead of one per part, and Rust splits it at the line breaks instead of
// parsing JSON.
//
// Only the headers the worker reads are asked for, each by name, and for a GET or a HEAD fewer
// than for the others (`Method::headers_read` in src/http/request.rs, which the wasm hands over
// once per instance as a table: a line per method, `METHOD name,name,…`, and `* name,…` for any
// other method): iterating all of a request's headers cost the runtime more than the dozen
// lookups do (an iterator result and an array for every header, and a request through Cloudflare
// or from a browser carries a dozen or more that the worker never reads). `get` answers a
// repeated header's values joined by ", ", as the iterator did.
const headersReadBy = new Map();
let headersReadOtherwise = [];

export function setHeadersRead(table) {
  for (const line of table.split("\n")) {
    const [method, names] = line.split(" ");
    if (method === "*") headersReadOtherwise = names.split(",");
    else headersReadBy.set(method, names.split(","));
  }
}

export function requestText(request) {
  const method = request.method;
  const headers = request.headers;
  let text = `${method}\n${request.url}`;
  for (const name of headersReadBy.get(method) ?? headersReadOtherwise) {
    const value = headers.get(name);
    if (value !== null) text += `\n${name}\n${value}`;
  }
  return text;
}
