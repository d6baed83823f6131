use std::borrow::Cow;

use jwt_compact::{Algorithm, AlgorithmSignature};

use crate::crypto::rsa::RsaVerifyingKey;

/// RS256 for jwt-compact on top of our own public-key-only verifier: jwt-compact keeps the token
/// parsing, the claims and the `Algorithm` interface; the RSA arithmetic is ours (much faster in
/// wasm than the `rsa` crate). It cannot sign: the worker never needs to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rs256;

/// An RS256 signature as it came in the token; its length is checked against the key.
#[derive(Debug, Clone)]
pub struct Rs256Signature(Vec<u8>);

impl Rs256Signature {
    /// The signature's bytes, base64url-decoded from the token.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl AlgorithmSignature for Rs256Signature {
    fn try_from_slice(slice: &[u8]) -> anyhow::Result<Self> {
        Ok(Self(slice.to_vec()))
    }

    fn as_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.0)
    }
}

/// The worker holds no signing keys; this type has no values.
#[derive(Debug)]
pub enum NoSigningKey {}

impl Algorithm for Rs256 {
    type SigningKey = NoSigningKey;
    type VerifyingKey = RsaVerifyingKey;
    type Signature = Rs256Signature;

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("RS256")
    }

    fn sign(&self, signing_key: &Self::SigningKey, _message: &[u8]) -> Self::Signature {
        match *signing_key {}
    }

    fn verify_signature(
        &self,
        signature: &Self::Signature,
        verifying_key: &Self::VerifyingKey,
        message: &[u8],
    ) -> bool {
        verifying_key.verify_sha256(message, &signature.0)
    }
}
