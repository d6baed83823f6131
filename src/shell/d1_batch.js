// One D1 batch for the wasm shell (src/shell/d1.rs): the statements come in as one JSON text,
// `[[sql, param, …], …]`, and D1's answer goes back as one JSON text of each statement's rows,
// `[[columns, row, …], …]` (src/platform/rows_text.rs reads it). Preparing and binding from Rust
// crossed the wasm boundary for every statement and every parameter; one call each way counts the
// same instructions with less code in the wasm (docs/performance.md, "What each change bought").
export async function batchText(database, statementsText) {
  const statements = JSON.parse(statementsText).map(([sql, ...params]) => database.prepare(sql).bind(...params));
  const results = await database.batch(statements);
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
