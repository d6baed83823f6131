// The request as one text for the wasm shell (src/shell/request.rs reads it): its method, its
// URL, then each header's name and value, one per line. None of them can hold a line break (a
// method and a header's name are tokens, a URL is serialised without one, and `Headers` refuses
// CR, LF and NUL in a value), so the lines need no escaping. One string crosses into wasm
// instead of one per part, and Rust splits it at the line breaks instead of parsing JSON.
export function requestText(request) {
  let text = `${request.method}\n${request.url}`;
  for (const [name, value] of request.headers) text += `\n${name}\n${value}`;
  return text;
}
