//! Cryptography the worker needs beyond TLS: RSA signature verification, peppered HMACs for API
//! keys and cursors, and sealing of stored callback answers.

pub mod pepper;
pub mod rsa;
pub mod sealing;
