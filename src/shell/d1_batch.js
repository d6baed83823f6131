// One D1 batch for the wasm shell (src/shell/d1.rs): the statements come in as one JSON text,
// `[[sql, param, …], …]`, and D1's answer goes back as one JSON text of each statement's rows,
// `[[columns, row, …], …]` (src/platform/rows_text.rs reads it; a statement without rows may
// answer `[]` or only its columns). Preparing and binding from Rust crossed the wasm boundary for
// every statement and every parameter; one call each way counts the same instructions with less
// code in the wasm (docs/performance.md, "What each change bought").
//
// A statement's SQL crosses once per wasm instance: the first time as `[text, number, param, …]`,
// and the text is kept here under its number; as `[number, param, …]` after that. The wasm numbers
// the texts; a new instance (after a panic) numbers them from 0 again and sends each text again,
// over the old one.
const sqlTexts = [];

export async function batchText(database, statementsText) {
  const statements = JSON.parse(statementsText);
  // Every new text is kept before anything here can fail: the wasm counts them as sent once this
  // call returns its promise.
  for (let at = 0; at < statements.length; at++) {
    const statement = statements[at];
    if (typeof statement[0] === "string") sqlTexts[statement[1]] = statement.shift();
  }
  const prepared = statements.map(([sql, ...params]) => database.prepare(sqlTexts[sql]).bind(...params));
  // One statement (most reads: the caller and the workspace it names): `raw` answers its column
  // names and then each row as an array, already this text's shape, where `batch` makes an object
  // of every row for the lines below to take apart again. The same one round trip, and one
  // statement is atomic by itself; a failed one is thrown as `batch` throws it.
  if (prepared.length === 1) return JSON.stringify([await prepared[0].raw({ columnNames: true })]);
  const results = await database.batch(prepared);
  return JSON.stringify(
    results.map((result) => {
      // D1 rejects a failed batch; a failed statement in an answer is refused the same way.
      if (result.error !== undefined) throw new Error(result.error);
      // D1's client makes an object of every row; its column names go across once, not per row.
      const rows = result.results ?? [];
      return rows.length === 0 ? [] : [Object.keys(rows[0]), ...rows.map(Object.values)];
    }),
  );
}
