// The worker's entry module: worker-build bundles it with wasm-bindgen's glue (`runWorkerBuild`
// in scripts/toolchain.mjs names it as worker-build's CUSTOM_SHIM; worker-build fills in the
// $SNIPPET_… placeholders).
//
// worker-build's own entry exports a `WorkerEntrypoint` class behind two Proxies, for panic
// recovery: every request constructs the class and a Proxy of it, and every call of a handler
// goes through a new Proxy and one more `await`. That cost 2–8 % of workerd's CPU per cached
// request (docs/performance.md). This entry exports a plain object whose handlers call the
// wasm exports directly, and recovers from a panic in its own way, below.
import * as glue from "./index_bg.js";
import wasmModule from "./index.wasm";
$SNIPPET_JS_IMPORTS

const imports = () => ({
  "./index_bg.js": glue,
  $SNIPPET_WASM_IMPORTS
});

// Panic recovery. A panic aborts (panic = "abort"): the wasm traps with a RuntimeError, and the
// instance's memory is left mid-operation (a RefCell borrowed, an allocation half made), so no
// later request may use it. wasm-bindgen's glue knows how to start over: once its reinit flag is
// set, the next call of any export makes a new instance and resets the glue's own caches (its
// views of the old memory). Its glue for bundlers reads the module, the instance and the imports
// from these three global names, so they are set here.
globalThis.wasmModule = wasmModule;
globalThis.__wbg_get_imports = imports;
globalThis.wasmInstance = new WebAssembly.Instance(wasmModule, imports());
glue.__wbg_set_wasm(globalThis.wasmInstance.exports);
globalThis.wasmInstance.exports.__wbindgen_start();

// The flag is set by the glue's `__wbindgen_reinit` import (Rust's
// `wasm_bindgen::handler::schedule_reinit`, which the worker crate links in).
const scheduleReinit = Object.entries(glue).find(([name]) => name.startsWith("__wbg___wbindgen_reinit_"))?.[1];
if (typeof scheduleReinit !== "function") {
  throw new Error("wasm-bindgen's glue has no reinit import: the worker could not recover from a panic");
}

// A trap inside a request's work is thrown from a microtask of wasm-bindgen's executor, out of
// reach of the handler's caller: the runtime reports it as an uncaught error. That request
// gets the runtime's 500 (its promise can never settle); the next one gets a new instance.
function recoverFrom(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    console.error("the worker's wasm trapped (a panic); the next request starts a new instance", error);
    scheduleReinit();
  }
}
addEventListener("error", (event) => recoverFrom(event.error));

// A trap in the synchronous part of a call is thrown to the handler's caller instead.
const guarded = (handler) => (event, env, context) => {
  try {
    return handler(event, env, context);
  } catch (error) {
    recoverFrom(error);
    throw error;
  }
};

export default { fetch: guarded(glue.fetch), scheduled: guarded(glue.scheduled) };
