// The request as one text for the wasm shell (src/shell/request.rs reads it): its method, its
// URL, then each header the worker reads, its name and its value, one per line. None of them can
// hold a line break (a method and a header's name are tokens, a URL is serialised without one,
// and `Headers` refuses CR, LF and NUL in a value), so the lines need no escaping. One string
// crosses into wasm instead of one per part, and Rust splits it at the line breaks instead of
// parsing JSON.
//
// Only the headers the worker reads are asked for, each by name (`HEADERS_READ` in
// src/http/request.rs, which the wasm hands over once per instance): iterating all of a
// request's headers cost the runtime more than the dozen lookups do (an iterator result and an
// array for every header, and a request through Cloudflare or from a browser carries a dozen or
// more that the worker never reads). `get` answers a repeated header's values joined by ", ", as
// the iterator did.
let headersRead = [];

export function setHeadersRead(namesText) {
  headersRead = namesText.split("\n");
}

export function requestText(request) {
  const headers = request.headers;
  let text = `${request.method}\n${request.url}`;
  for (const name of headersRead) {
    const value = headers.get(name);
    if (value !== null) text += `\n${name}\n${value}`;
  }
  return text;
}
