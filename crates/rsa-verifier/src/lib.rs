//! RSASSA-PKCS1-v1_5 / SHA-256 signature verification (RS256) with public keys only.
//!
//! Generic bigint crates cost 170–1,200 µs per verify in wasm; this module keeps the modulus in
//! 28-bit limbs so every product fits wasm's cheap 32×32→64 multiply and column sums need no
//! carry handling, which brings a 2048-bit verify to tens of µs. See `montgomery` for the maths.

mod dot_product;
mod key_error;
mod limbs;
mod montgomery;
mod pkcs1v15;
mod roca;
mod scaled_encoding;
mod verifying_key;

pub use key_error::RsaKeyError;
pub use verifying_key::{Comparison, RsaVerifyingKey, PLAIN_VERIFICATIONS_BEFORE_SCALING};
