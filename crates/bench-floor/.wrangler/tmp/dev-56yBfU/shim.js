var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// build/worker/shim.mjs
import U from "./05485d3ee841e7e5d83cea0f05de9f4476a5f03f-index.wasm";
var J = Object.defineProperty;
var L = /* @__PURE__ */ __name((t, e) => {
  for (var n in e) J(t, n, { get: e[n], enumerable: true });
}, "L");
var h = {};
L(h, { ContainerStartupOptions: /* @__PURE__ */ __name(() => E, "ContainerStartupOptions"), MinifyConfig: /* @__PURE__ */ __name(() => W, "MinifyConfig"), R2Range: /* @__PURE__ */ __name(() => F, "R2Range"), __wbg___wbindgen_is_function_741ff2bb612836f5: /* @__PURE__ */ __name(() => P, "__wbg___wbindgen_is_function_741ff2bb612836f5"), __wbg___wbindgen_is_undefined_be5b34249ff1fc15: /* @__PURE__ */ __name(() => X, "__wbg___wbindgen_is_undefined_be5b34249ff1fc15"), __wbg___wbindgen_reinit_2fe0d0b9c1cc3c21: /* @__PURE__ */ __name(() => Y, "__wbg___wbindgen_reinit_2fe0d0b9c1cc3c21"), __wbg___wbindgen_string_get_7ce8eee7fd327545: /* @__PURE__ */ __name(() => K, "__wbg___wbindgen_string_get_7ce8eee7fd327545"), __wbg___wbindgen_throw_4c88d8bf264fd984: /* @__PURE__ */ __name(() => Q, "__wbg___wbindgen_throw_4c88d8bf264fd984"), __wbg__wbg_cb_unref_09736879a3f67559: /* @__PURE__ */ __name(() => Z, "__wbg__wbg_cb_unref_09736879a3f67559"), __wbg_batch_d54a0dc86c491bc6: /* @__PURE__ */ __name(() => $, "__wbg_batch_d54a0dc86c491bc6"), __wbg_bind_0bf8b02f8e144a7d: /* @__PURE__ */ __name(() => ee, "__wbg_bind_0bf8b02f8e144a7d"), __wbg_buffer_aca05a93c046db1a: /* @__PURE__ */ __name(() => te, "__wbg_buffer_aca05a93c046db1a"), __wbg_byobRequest_18280c78e462544c: /* @__PURE__ */ __name(() => ne, "__wbg_byobRequest_18280c78e462544c"), __wbg_byteLength_c5f3c188d5252e5b: /* @__PURE__ */ __name(() => re, "__wbg_byteLength_c5f3c188d5252e5b"), __wbg_byteOffset_63cdc7b38f33a45e: /* @__PURE__ */ __name(() => _e, "__wbg_byteOffset_63cdc7b38f33a45e"), __wbg_call_a410eb4b59ed5965: /* @__PURE__ */ __name(() => ie, "__wbg_call_a410eb4b59ed5965"), __wbg_close_294d3f727cb7a844: /* @__PURE__ */ __name(() => se, "__wbg_close_294d3f727cb7a844"), __wbg_close_bf94aa7e38b9a94b: /* @__PURE__ */ __name(() => oe, "__wbg_close_bf94aa7e38b9a94b"), __wbg_enqueue_c11626eae1c54509: /* @__PURE__ */ __name(() => ce, "__wbg_enqueue_c11626eae1c54509"), __wbg_error_9b95f63d905893d2: /* @__PURE__ */ __name(() => fe, "__wbg_error_9b95f63d905893d2"), __wbg_first_fe3c5a977b563684: /* @__PURE__ */ __name(() => ae, "__wbg_first_fe3c5a977b563684"), __wbg_from_eac91875c8a5ffa4: /* @__PURE__ */ __name(() => ue, "__wbg_from_eac91875c8a5ffa4"), __wbg_get_2080c49015e35254: /* @__PURE__ */ __name(() => be, "__wbg_get_2080c49015e35254"), __wbg_get_d7176cfb76d71114: /* @__PURE__ */ __name(() => ge, "__wbg_get_d7176cfb76d71114"), __wbg_instanceId_65a51bedfd10160a: /* @__PURE__ */ __name(() => we, "__wbg_instanceId_65a51bedfd10160a"), __wbg_length_186163212ffe79c3: /* @__PURE__ */ __name(() => de, "__wbg_length_186163212ffe79c3"), __wbg_new_277c27c26f94cbc2: /* @__PURE__ */ __name(() => le, "__wbg_new_277c27c26f94cbc2"), __wbg_new_37eb45aaf5eeb820: /* @__PURE__ */ __name(() => pe, "__wbg_new_37eb45aaf5eeb820"), __wbg_new_787b9fb330d55d78: /* @__PURE__ */ __name(() => he, "__wbg_new_787b9fb330d55d78"), __wbg_new_cd4348290afae586: /* @__PURE__ */ __name(() => me, "__wbg_new_cd4348290afae586"), __wbg_new_typed_e09da9dae6ee5935: /* @__PURE__ */ __name(() => ye, "__wbg_new_typed_e09da9dae6ee5935"), __wbg_new_with_byte_offset_and_length_3cd32055a417f095: /* @__PURE__ */ __name(() => xe, "__wbg_new_with_byte_offset_and_length_3cd32055a417f095"), __wbg_new_with_opt_str_and_init_6456bed24baae6fc: /* @__PURE__ */ __name(() => ve, "__wbg_new_with_opt_str_and_init_6456bed24baae6fc"), __wbg_of_027eb15371aac932: /* @__PURE__ */ __name(() => Ie, "__wbg_of_027eb15371aac932"), __wbg_prepare_50d1ec53a3871b75: /* @__PURE__ */ __name(() => Ee, "__wbg_prepare_50d1ec53a3871b75"), __wbg_push_c9f4893fc209f768: /* @__PURE__ */ __name(() => We, "__wbg_push_c9f4893fc209f768"), __wbg_queueMicrotask_1e8503a8a690f0a3: /* @__PURE__ */ __name(() => Fe, "__wbg_queueMicrotask_1e8503a8a690f0a3"), __wbg_queueMicrotask_4a1a4d8dd332373b: /* @__PURE__ */ __name(() => je, "__wbg_queueMicrotask_4a1a4d8dd332373b"), __wbg_resolve_dbf78ab4942478b0: /* @__PURE__ */ __name(() => Se, "__wbg_resolve_dbf78ab4942478b0"), __wbg_respond_d97c023ee981d1f5: /* @__PURE__ */ __name(() => Te, "__wbg_respond_d97c023ee981d1f5"), __wbg_set_bcb0ec2400cfa22e: /* @__PURE__ */ __name(() => ke, "__wbg_set_bcb0ec2400cfa22e"), __wbg_set_criticalError_c30445da7038dbf2: /* @__PURE__ */ __name(() => Re, "__wbg_set_criticalError_c30445da7038dbf2"), __wbg_set_feb3714f475485ba: /* @__PURE__ */ __name(() => Ae, "__wbg_set_feb3714f475485ba"), __wbg_set_headers_07f10dbe49bc0e77: /* @__PURE__ */ __name(() => ze, "__wbg_set_headers_07f10dbe49bc0e77"), __wbg_set_instanceId_6f5f77d81e249b49: /* @__PURE__ */ __name(() => Me, "__wbg_set_instanceId_6f5f77d81e249b49"), __wbg_set_wasm: /* @__PURE__ */ __name(() => O, "__wbg_set_wasm"), __wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc: /* @__PURE__ */ __name(() => Oe, "__wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc"), __wbg_static_accessor_GLOBAL_e4293fb22cbe77da: /* @__PURE__ */ __name(() => Le, "__wbg_static_accessor_GLOBAL_e4293fb22cbe77da"), __wbg_static_accessor_INIT_STATE_b2269150d11f01e0: /* @__PURE__ */ __name(() => De, "__wbg_static_accessor_INIT_STATE_b2269150d11f01e0"), __wbg_static_accessor_SELF_53bb20457401453d: /* @__PURE__ */ __name(() => qe, "__wbg_static_accessor_SELF_53bb20457401453d"), __wbg_static_accessor_WINDOW_b5e0810bfecb7feb: /* @__PURE__ */ __name(() => Ce, "__wbg_static_accessor_WINDOW_b5e0810bfecb7feb"), __wbg_stringify_0a0fbf2ef722380a: /* @__PURE__ */ __name(() => Ue, "__wbg_stringify_0a0fbf2ef722380a"), __wbg_then_656f253a5dd7d8ea: /* @__PURE__ */ __name(() => Be, "__wbg_then_656f253a5dd7d8ea"), __wbg_then_e3f7f2d365708be8: /* @__PURE__ */ __name(() => Ve, "__wbg_then_e3f7f2d365708be8"), __wbg_url_1be993c7b186415b: /* @__PURE__ */ __name(() => Ne, "__wbg_url_1be993c7b186415b"), __wbg_view_3b708d3bdaf3fc96: /* @__PURE__ */ __name(() => Je, "__wbg_view_3b708d3bdaf3fc96"), __wbindgen_generic_0000000000000001: /* @__PURE__ */ __name(() => Ge, "__wbindgen_generic_0000000000000001"), __wbindgen_generic_0000000000000002: /* @__PURE__ */ __name(() => He, "__wbindgen_generic_0000000000000002"), __wbindgen_init_externref_table: /* @__PURE__ */ __name(() => Pe, "__wbindgen_init_externref_table"), __worker_init_state: /* @__PURE__ */ __name(() => H, "__worker_init_state"), fetch: /* @__PURE__ */ __name(() => z, "fetch") });
var A = {};
L(A, { state: /* @__PURE__ */ __name(() => R, "state") });
var R = globalThis.__worker_init_state = { criticalError: false, instanceId: 0 };
var E = class {
  static {
    __name(this, "E");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, Qe.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    i(), r.__wbg_containerstartupoptions_free(e, 0);
  }
  get enableInternet() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.__wbg_get_containerstartupoptions_enableInternet(this.__wbg_ptr), e === 16777215 ? void 0 : e !== 0;
  }
  get entrypoint() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    i(), e = r.__wbg_get_containerstartupoptions_entrypoint(this.__wbg_ptr);
    var n = rt(e[0], e[1]);
    return r.__wbindgen_free(e[0], e[1] * 4, 4), n;
  }
  get env() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.__wbg_get_containerstartupoptions_env(this.__wbg_ptr), e;
  }
  set enableInternet(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    i(), r.__wbg_set_containerstartupoptions_enableInternet(this.__wbg_ptr, f(e) ? 16777215 : e ? 1 : 0);
  }
  set entrypoint(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let n = st(e, r.__wbindgen_malloc), _ = g;
    i(), r.__wbg_set_containerstartupoptions_entrypoint(this.__wbg_ptr, n, _);
  }
  set env(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    i(), r.__wbg_set_containerstartupoptions_env(this.__wbg_ptr, e);
  }
};
Symbol.dispose && (E.prototype[Symbol.dispose] = E.prototype.free);
var S = class {
  static {
    __name(this, "S");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, Ze.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    i(), r.__wbg_intounderlyingbytesource_free(e, 0);
  }
  get autoAllocateChunkSize() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.intounderlyingbytesource_autoAllocateChunkSize(this.__wbg_ptr), e >>> 0;
  }
  cancel() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e = this.__destroy_into_raw();
    i(), r.intounderlyingbytesource_cancel(e);
  }
  pull(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    return i(), n = r.intounderlyingbytesource_pull(this.__wbg_ptr, e), n;
  }
  start(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    i(), r.intounderlyingbytesource_start(this.__wbg_ptr, e);
  }
  get type() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.intounderlyingbytesource_type(this.__wbg_ptr), Ke[e];
  }
};
Symbol.dispose && (S.prototype[Symbol.dispose] = S.prototype.free);
var T = class {
  static {
    __name(this, "T");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, $e.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    i(), r.__wbg_intounderlyingsink_free(e, 0);
  }
  abort(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let n = this.__destroy_into_raw(), _;
    return i(), _ = r.intounderlyingsink_abort(n, e), _;
  }
  close() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e = this.__destroy_into_raw(), n;
    return i(), n = r.intounderlyingsink_close(e), n;
  }
  write(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    return i(), n = r.intounderlyingsink_write(this.__wbg_ptr, e), n;
  }
};
Symbol.dispose && (T.prototype[Symbol.dispose] = T.prototype.free);
var k = class {
  static {
    __name(this, "k");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, et.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    i(), r.__wbg_intounderlyingsource_free(e, 0);
  }
  cancel() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e = this.__destroy_into_raw();
    i(), r.intounderlyingsource_cancel(e);
  }
  pull(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    return i(), n = r.intounderlyingsource_pull(this.__wbg_ptr, e), n;
  }
};
Symbol.dispose && (k.prototype[Symbol.dispose] = k.prototype.free);
var W = class {
  static {
    __name(this, "W");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, tt.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    i(), r.__wbg_minifyconfig_free(e, 0);
  }
  get css() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.__wbg_get_minifyconfig_css(this.__wbg_ptr), e !== 0;
  }
  get html() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.__wbg_get_minifyconfig_html(this.__wbg_ptr), e !== 0;
  }
  get js() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.__wbg_get_minifyconfig_js(this.__wbg_ptr), e !== 0;
  }
  set css(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    i(), r.__wbg_set_minifyconfig_css(this.__wbg_ptr, e);
  }
  set html(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    i(), r.__wbg_set_minifyconfig_html(this.__wbg_ptr, e);
  }
  set js(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    i(), r.__wbg_set_minifyconfig_js(this.__wbg_ptr, e);
  }
};
Symbol.dispose && (W.prototype[Symbol.dispose] = W.prototype.free);
var F = class {
  static {
    __name(this, "F");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, nt.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    i(), r.__wbg_r2range_free(e, 0);
  }
  get length() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.__wbg_get_r2range_length(this.__wbg_ptr), e[0] === 0 ? void 0 : e[1];
  }
  get offset() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.__wbg_get_r2range_offset(this.__wbg_ptr), e[0] === 0 ? void 0 : e[1];
  }
  get suffix() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    return i(), e = r.__wbg_get_r2range_suffix(this.__wbg_ptr), e[0] === 0 ? void 0 : e[1];
  }
  set length(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    i(), r.__wbg_set_r2range_length(this.__wbg_ptr, !f(e), f(e) ? 0 : e);
  }
  set offset(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    i(), r.__wbg_set_r2range_offset(this.__wbg_ptr, !f(e), f(e) ? 0 : e);
  }
  set suffix(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== s) throw new Error("Invalid stale object from previous Wasm instance");
    i(), r.__wbg_set_r2range_suffix(this.__wbg_ptr, !f(e), f(e) ? 0 : e);
  }
};
Symbol.dispose && (F.prototype[Symbol.dispose] = F.prototype.free);
function G() {
  s++, l = null, y = null, typeof v < "u" && (v = 0), typeof g < "u" && (g = 0), M = false, wasmInstance = new WebAssembly.Instance(wasmModule, __wbg_get_imports()), r = wasmInstance.exports, r.__wbindgen_start();
}
__name(G, "G");
function H() {
  let t;
  return i(), t = r.__worker_init_state(), t;
}
__name(H, "H");
function z(t, e, n) {
  let _;
  return i(), _ = r.fetch(t, e, n), _;
}
__name(z, "z");
function P(t) {
  return typeof t == "function";
}
__name(P, "P");
function X(t) {
  return t === void 0;
}
__name(X, "X");
function Y() {
  M = true;
}
__name(Y, "Y");
function K(t, e) {
  let n = e, _ = typeof n == "string" ? n : void 0;
  var o = f(_) ? 0 : q(_, r.__wbindgen_malloc, r.__wbindgen_realloc), d = g;
  p().setInt32((t >>> 0) + 4, d, true), p().setInt32((t >>> 0) + 0, o, true);
}
__name(K, "K");
function Q(t, e) {
  throw new Error(b(t, e));
}
__name(Q, "Q");
function Z(t) {
  t._wbg_cb_unref();
}
__name(Z, "Z");
function $() {
  return a(function(t, e) {
    return t.batch(e);
  }, arguments);
}
__name($, "$");
function ee() {
  return a(function(t, e) {
    return t.bind(...e);
  }, arguments);
}
__name(ee, "ee");
function te(t) {
  return t.buffer;
}
__name(te, "te");
function ne(t) {
  let e = t.byobRequest;
  return f(e) ? 0 : w(e);
}
__name(ne, "ne");
function re(t) {
  return t.byteLength;
}
__name(re, "re");
function _e(t) {
  return t.byteOffset;
}
__name(_e, "_e");
function ie() {
  return a(function(t, e, n) {
    return t.call(e, n);
  }, arguments);
}
__name(ie, "ie");
function se() {
  return a(function(t) {
    t.close();
  }, arguments);
}
__name(se, "se");
function oe() {
  return a(function(t) {
    t.close();
  }, arguments);
}
__name(oe, "oe");
function ce() {
  return a(function(t, e) {
    t.enqueue(e);
  }, arguments);
}
__name(ce, "ce");
function fe(t, e) {
  console.error(t, e);
}
__name(fe, "fe");
function ae() {
  return a(function(t, e, n) {
    return t.first(e === 0 ? void 0 : b(e, n));
  }, arguments);
}
__name(ae, "ae");
function ue(t) {
  return Array.from(t);
}
__name(ue, "ue");
function be() {
  return a(function(t, e) {
    return Reflect.get(t, e);
  }, arguments);
}
__name(be, "be");
function ge(t, e) {
  return t[e >>> 0];
}
__name(ge, "ge");
function we(t) {
  return t.instanceId;
}
__name(we, "we");
function de(t) {
  return t.length;
}
__name(de, "de");
function le() {
  return a(function() {
    return new Headers();
  }, arguments);
}
__name(le, "le");
function pe() {
  return new Array();
}
__name(pe, "pe");
function he(t, e) {
  return new Error(b(t, e));
}
__name(he, "he");
function me() {
  return new Object();
}
__name(me, "me");
function ye(t, e) {
  try {
    var n = { a: t, b: e }, _ = /* @__PURE__ */ __name((d, c) => {
      let u = n.a;
      n.a = 0;
      try {
        return Ye(u, n.b, d, c);
      } finally {
        n.a = u;
      }
    }, "_");
    return new Promise(_);
  } finally {
    n.a = 0;
  }
}
__name(ye, "ye");
function xe(t, e, n) {
  return new Uint8Array(t, e >>> 0, n >>> 0);
}
__name(xe, "xe");
function ve() {
  return a(function(t, e, n) {
    return new Response(t === 0 ? void 0 : b(t, e), n);
  }, arguments);
}
__name(ve, "ve");
function Ie(t) {
  return Array.of(t);
}
__name(Ie, "Ie");
function Ee() {
  return a(function(t, e, n) {
    return t.prepare(b(e, n));
  }, arguments);
}
__name(Ee, "Ee");
function We(t, e) {
  return t.push(e);
}
__name(We, "We");
function Fe(t) {
  return t.queueMicrotask;
}
__name(Fe, "Fe");
function je(t) {
  queueMicrotask(t);
}
__name(je, "je");
function Se(t) {
  return Promise.resolve(t);
}
__name(Se, "Se");
function Te() {
  return a(function(t, e) {
    t.respond(e >>> 0);
  }, arguments);
}
__name(Te, "Te");
function ke() {
  return a(function(t, e, n, _, o) {
    t.set(b(e, n), b(_, o));
  }, arguments);
}
__name(ke, "ke");
function Re(t, e) {
  t.criticalError = e !== 0;
}
__name(Re, "Re");
function Ae(t, e, n) {
  t.set(_t(e, n));
}
__name(Ae, "Ae");
function ze(t, e) {
  t.headers = e;
}
__name(ze, "ze");
function Me(t, e) {
  t.instanceId = e >>> 0;
}
__name(Me, "Me");
function Oe() {
  let t = typeof globalThis > "u" ? void 0 : globalThis;
  return f(t) ? 0 : w(t);
}
__name(Oe, "Oe");
function Le() {
  let t = typeof global > "u" ? void 0 : global;
  return f(t) ? 0 : w(t);
}
__name(Le, "Le");
function De() {
  return R;
}
__name(De, "De");
function qe() {
  let t = typeof self > "u" ? void 0 : self;
  return f(t) ? 0 : w(t);
}
__name(qe, "qe");
function Ce() {
  let t = typeof window > "u" ? void 0 : window;
  return f(t) ? 0 : w(t);
}
__name(Ce, "Ce");
function Ue() {
  return a(function(t) {
    return JSON.stringify(t);
  }, arguments);
}
__name(Ue, "Ue");
function Be(t, e, n) {
  return t.then(e, n);
}
__name(Be, "Be");
function Ve(t, e) {
  return t.then(e);
}
__name(Ve, "Ve");
function Ne(t, e) {
  let n = e.url, _ = q(n, r.__wbindgen_malloc, r.__wbindgen_realloc), o = g;
  p().setInt32((t >>> 0) + 4, o, true), p().setInt32((t >>> 0) + 0, _, true);
}
__name(Ne, "Ne");
function Je(t) {
  let e = t.view;
  return f(e) ? 0 : w(e);
}
__name(Je, "Je");
function Ge(t, e) {
  return it(t, e, Xe);
}
__name(Ge, "Ge");
function He(t, e) {
  return b(t, e);
}
__name(He, "He");
function Pe() {
  let t = r.__wbindgen_externrefs;
  t.set(0, void 0), t.set(1024, void 0), t.set(1025, null), t.set(1026, true), t.set(1027, false);
}
__name(Pe, "Pe");
function i() {
  if (M) {
    G();
    return;
  }
}
__name(i, "i");
function Xe(t, e, n) {
  let _;
  if (i(), _ = r.wasm_bindgen__convert__closures_____invoke__h9dbba0ef2be571a6(t, e, n), _[1]) throw ot(_[0]);
}
__name(Xe, "Xe");
function Ye(t, e, n, _) {
  i(), r.wasm_bindgen__convert__closures_____invoke__h6b288fb2b06a59a3(t, e, n, _);
}
__name(Ye, "Ye");
var Ke = ["bytes"];
var s = 0;
var Qe = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: t, instance: e }) => {
  e === s && r.__wbg_containerstartupoptions_free(t, 1);
});
var Ze = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: t, instance: e }) => {
  e === s && r.__wbg_intounderlyingbytesource_free(t, 1);
});
var $e = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: t, instance: e }) => {
  e === s && r.__wbg_intounderlyingsink_free(t, 1);
});
var et = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: t, instance: e }) => {
  e === s && r.__wbg_intounderlyingsource_free(t, 1);
});
var tt = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: t, instance: e }) => {
  e === s && r.__wbg_minifyconfig_free(t, 1);
});
var nt = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: t, instance: e }) => {
  e === s && r.__wbg_r2range_free(t, 1);
});
function w(t) {
  let e = r.__externref_table_alloc();
  return r.__wbindgen_externrefs.set(e, t), e;
}
__name(w, "w");
var D = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry((t) => {
  t.instance === s && r.__wbindgen_destroy_closure(t.a, t.b);
});
function rt(t, e) {
  t = t >>> 0;
  let n = p(), _ = [];
  for (let o = t; o < t + 4 * e; o += 4) _.push(r.__wbindgen_externrefs.get(n.getUint32(o, true)));
  return r.__externref_drop_slice(t, e), _;
}
__name(rt, "rt");
function _t(t, e) {
  return t = t >>> 0, x().subarray(t / 1, t / 1 + e);
}
__name(_t, "_t");
var l = null;
function p() {
  return (l === null || l.buffer.detached === true || l.buffer.detached === void 0 && l.buffer !== r.memory.buffer) && (l = new DataView(r.memory.buffer)), l;
}
__name(p, "p");
function b(t, e) {
  return t = t >>> 0, ft(x().subarray(t, t + e));
}
__name(b, "b");
var y = null;
function x() {
  return (y === null || y.byteLength === 0) && (y = new Uint8Array(r.memory.buffer)), y;
}
__name(x, "x");
function a(t, e) {
  try {
    return t.apply(this, e);
  } catch (n) {
    let _ = w(n);
    r.__wbindgen_exn_store(_);
  }
}
__name(a, "a");
function f(t) {
  return t == null;
}
__name(f, "f");
function it(t, e, n) {
  let _ = { a: t, b: e, cnt: 1, instance: s }, o = /* @__PURE__ */ __name((...d) => {
    if (_.instance !== s) throw new Error("Cannot invoke closure from previous WASM instance");
    _.cnt++;
    let c = _.a;
    _.a = 0;
    try {
      return n(c, _.b, ...d);
    } finally {
      _.a = c, o._wbg_cb_unref();
    }
  }, "o");
  return o._wbg_cb_unref = () => {
    --_.cnt === 0 && (r.__wbindgen_destroy_closure(_.a, _.b), _.a = 0, D.unregister(_));
  }, D.register(o, _, _), o;
}
__name(it, "it");
function st(t, e) {
  let n = e(t.length * 4, 4) >>> 0;
  for (let _ = 0; _ < t.length; _++) {
    let o = w(t[_]);
    p().setUint32(n + 4 * _, o, true);
  }
  return g = t.length, n;
}
__name(st, "st");
function q(t, e, n) {
  if (n === void 0) {
    let u = I.encode(t), m = e(u.length, 1) >>> 0;
    return x().subarray(m, m + u.length).set(u), g = u.length, m;
  }
  let _ = t.length, o = e(_, 1) >>> 0, d = x(), c = 0;
  for (; c < _; c++) {
    let u = t.charCodeAt(c);
    if (u > 127) break;
    d[o + c] = u;
  }
  if (c !== _) {
    c !== 0 && (t = t.slice(c)), o = n(o, _, _ = c + t.length * 3, 1) >>> 0;
    let u = x().subarray(o + c, o + _), m = I.encodeInto(t, u);
    c += m.written, o = n(o, _, c, 1) >>> 0;
  }
  return g = c, o;
}
__name(q, "q");
var M = false;
function ot(t) {
  let e = r.__wbindgen_externrefs.get(t);
  return r.__externref_table_dealloc(t), e;
}
__name(ot, "ot");
var j = new TextDecoder("utf-8", { ignoreBOM: true });
j.decode();
var ct = 2146435072;
var v = 0;
function ft(t) {
  return v += t.length, v >= ct && (j = new TextDecoder("utf-8", { ignoreBOM: true }), j.decode(), v = t.length), j.decode(t);
}
__name(ft, "ft");
var I = new TextEncoder();
"encodeInto" in I || (I.encodeInto = function(t, e) {
  let n = I.encode(t);
  return e.set(n), { read: t.length, written: n.length };
});
var g = 0;
var r;
function O(t) {
  r = t;
}
__name(O, "O");
var B = /* @__PURE__ */ __name(() => ({ "./index_bg.js": h, "./snippets/worker-64cc4b2d035528c7/inline0.js": A }), "B");
globalThis.wasmModule = U;
globalThis.__wbg_get_imports = B;
globalThis.wasmInstance = new WebAssembly.Instance(U, B());
O(globalThis.wasmInstance.exports);
globalThis.wasmInstance.exports.__wbindgen_start();
var V = Object.entries(h).find(([t]) => t.startsWith("__wbg___wbindgen_reinit_"))?.[1];
if (typeof V != "function") throw new Error("wasm-bindgen's glue has no reinit import: the worker could not recover from a panic");
function N(t) {
  t instanceof WebAssembly.RuntimeError && (console.error("the worker's wasm trapped (a panic); the next request starts a new instance", t), V());
}
__name(N, "N");
addEventListener("error", (t) => N(t.error));
var C = /* @__PURE__ */ __name((t) => (e, n, _) => {
  try {
    return t(e, n, _);
  } catch (o) {
    throw N(o), o;
  }
}, "C");
var gt = { fetch: C(z), scheduled: C(void 0) };

// ../../node_modules/wrangler/templates/middleware/middleware-ensure-req-body-drained.ts
var drainBody = /* @__PURE__ */ __name(async (request, env, _ctx, middlewareCtx) => {
  try {
    return await middlewareCtx.next(request, env);
  } finally {
    try {
      if (request.body !== null && !request.bodyUsed) {
        const reader = request.body.getReader();
        while (!(await reader.read()).done) {
        }
      }
    } catch (e) {
      console.error("Failed to drain the unused request body.", e);
    }
  }
}, "drainBody");
var middleware_ensure_req_body_drained_default = drainBody;

// ../../node_modules/wrangler/templates/middleware/middleware-miniflare3-json-error.ts
function reduceError(e) {
  return {
    name: e?.name,
    message: e?.message ?? String(e),
    stack: e?.stack,
    cause: e?.cause === void 0 ? void 0 : reduceError(e.cause)
  };
}
__name(reduceError, "reduceError");
var jsonError = /* @__PURE__ */ __name(async (request, env, _ctx, middlewareCtx) => {
  try {
    return await middlewareCtx.next(request, env);
  } catch (e) {
    const error = reduceError(e);
    const body = JSON.stringify(error);
    const headers = {
      "Content-Type": "application/json",
      "MF-Experimental-Error-Stack": "true"
    };
    const encoded = encodeURIComponent(body);
    if (encoded.length <= 8192) {
      headers["MF-Experimental-Error-Stack-Payload"] = encoded;
    }
    return new Response(body, { status: 500, headers });
  }
}, "jsonError");
var middleware_miniflare3_json_error_default = jsonError;

// .wrangler/tmp/bundle-1dyYDj/middleware-insertion-facade.js
var __INTERNAL_WRANGLER_MIDDLEWARE__ = [
  middleware_ensure_req_body_drained_default,
  middleware_miniflare3_json_error_default
];
var middleware_insertion_facade_default = gt;

// ../../node_modules/wrangler/templates/middleware/common.ts
var __facade_middleware__ = [];
function __facade_register__(...args) {
  __facade_middleware__.push(...args.flat());
}
__name(__facade_register__, "__facade_register__");
function __facade_invokeChain__(request, env, ctx, dispatch, middlewareChain) {
  const [head, ...tail] = middlewareChain;
  const middlewareCtx = {
    dispatch,
    next(newRequest, newEnv) {
      return __facade_invokeChain__(newRequest, newEnv, ctx, dispatch, tail);
    }
  };
  return head(request, env, ctx, middlewareCtx);
}
__name(__facade_invokeChain__, "__facade_invokeChain__");
function __facade_invoke__(request, env, ctx, dispatch, finalMiddleware) {
  return __facade_invokeChain__(request, env, ctx, dispatch, [
    ...__facade_middleware__,
    finalMiddleware
  ]);
}
__name(__facade_invoke__, "__facade_invoke__");

// .wrangler/tmp/bundle-1dyYDj/middleware-loader.entry.ts
var __Facade_ScheduledController__ = class ___Facade_ScheduledController__ {
  constructor(scheduledTime, cron, noRetry) {
    this.scheduledTime = scheduledTime;
    this.cron = cron;
    this.#noRetry = noRetry;
  }
  scheduledTime;
  cron;
  static {
    __name(this, "__Facade_ScheduledController__");
  }
  #noRetry;
  noRetry() {
    if (!(this instanceof ___Facade_ScheduledController__)) {
      throw new TypeError("Illegal invocation");
    }
    this.#noRetry();
  }
};
function wrapExportedHandler(worker) {
  if (__INTERNAL_WRANGLER_MIDDLEWARE__ === void 0 || __INTERNAL_WRANGLER_MIDDLEWARE__.length === 0) {
    return worker;
  }
  for (const middleware of __INTERNAL_WRANGLER_MIDDLEWARE__) {
    __facade_register__(middleware);
  }
  const fetchDispatcher = /* @__PURE__ */ __name(function(request, env, ctx) {
    if (worker.fetch === void 0) {
      throw new Error("Handler does not export a fetch() function.");
    }
    return worker.fetch(request, env, ctx);
  }, "fetchDispatcher");
  return {
    ...worker,
    fetch(request, env, ctx) {
      const dispatcher = /* @__PURE__ */ __name(function(type, init) {
        if (type === "scheduled" && worker.scheduled !== void 0) {
          const controller = new __Facade_ScheduledController__(
            Date.now(),
            init.cron ?? "",
            () => {
            }
          );
          return worker.scheduled(controller, env, ctx);
        }
      }, "dispatcher");
      return __facade_invoke__(request, env, ctx, dispatcher, fetchDispatcher);
    }
  };
}
__name(wrapExportedHandler, "wrapExportedHandler");
function wrapWorkerEntrypoint(klass) {
  if (__INTERNAL_WRANGLER_MIDDLEWARE__ === void 0 || __INTERNAL_WRANGLER_MIDDLEWARE__.length === 0) {
    return klass;
  }
  for (const middleware of __INTERNAL_WRANGLER_MIDDLEWARE__) {
    __facade_register__(middleware);
  }
  return class extends klass {
    #fetchDispatcher = /* @__PURE__ */ __name((request, env, ctx) => {
      this.env = env;
      this.ctx = ctx;
      if (super.fetch === void 0) {
        throw new Error("Entrypoint class does not define a fetch() function.");
      }
      return super.fetch(request);
    }, "#fetchDispatcher");
    #dispatcher = /* @__PURE__ */ __name((type, init) => {
      if (type === "scheduled" && super.scheduled !== void 0) {
        const controller = new __Facade_ScheduledController__(
          Date.now(),
          init.cron ?? "",
          () => {
          }
        );
        return super.scheduled(controller);
      }
    }, "#dispatcher");
    fetch(request) {
      return __facade_invoke__(
        request,
        this.env,
        this.ctx,
        this.#dispatcher,
        this.#fetchDispatcher
      );
    }
  };
}
__name(wrapWorkerEntrypoint, "wrapWorkerEntrypoint");
var WRAPPED_ENTRY;
if (typeof middleware_insertion_facade_default === "object") {
  WRAPPED_ENTRY = wrapExportedHandler(middleware_insertion_facade_default);
} else if (typeof middleware_insertion_facade_default === "function") {
  WRAPPED_ENTRY = wrapWorkerEntrypoint(middleware_insertion_facade_default);
}
var middleware_loader_entry_default = WRAPPED_ENTRY;
export {
  __INTERNAL_WRANGLER_MIDDLEWARE__,
  middleware_loader_entry_default as default
};
//# sourceMappingURL=shim.js.map
