// One D1 batch for the wasm shell (src/shell/d1.rs): the statements come in as one JSON text,
// `[[sql, param, …], …]`, and D1's answer goes back as one JSON text of each statement's rows,
// `[[row, …], …]`. Preparing and binding from Rust crossed the wasm boundary for every statement
// and every parameter, and the answer crossed whole, `meta` included (D1's timings and counts,
// which nothing reads). One call each way counts the same instructions as those did (docs/
// performance.md, "What each change bought") with less code in the wasm.
export async function batchText(database, statementsText) {
  const statements = JSON.parse(statementsText).map(([sql, ...params]) => database.prepare(sql).bind(...params));
  const results = await database.batch(statements);
  return JSON.stringify(
    results.map((result) => {
      // D1 rejects a failed batch; a failed statement in an answer is refused the same way.
      if (result.error !== undefined) throw new Error(result.error);
      return result.results ?? [];
    }),
  );
}
