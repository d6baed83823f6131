//! Cryptography the worker needs beyond TLS: RSA signature verification, peppered HMACs for API
//! keys and cursors, and sealing of stored callback answers.

pub mod pepper;
pub mod sealing;

/// RS256 verification: the `edge-auth-rsa` crate (`crates/rsa-verifier`).
pub use edge_auth_rsa as rsa;
