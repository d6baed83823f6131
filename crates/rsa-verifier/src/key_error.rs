use core::fmt;

/// Why [`RsaVerifyingKey::from_be_bytes`](super::RsaVerifyingKey::from_be_bytes) refused a key.
///
/// The modulus is checked before the exponent, so a key with several problems reports the first
/// modulus problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RsaKeyError {
    /// The modulus (leading zero bytes ignored) has fewer than 2048 bits.
    ModulusTooSmall {
        /// Significant bits of the modulus that was given.
        bits: usize,
    },
    /// The modulus has more than 4096 bits.
    ModulusTooLarge {
        /// Significant bits of the modulus that was given.
        bits: usize,
    },
    /// The modulus is even, so it cannot be an RSA modulus and Montgomery arithmetic is undefined.
    ModulusEven,
    /// The public exponent is not 65537, the only one this verifier implements.
    UnsupportedExponent,
    /// The modulus has the ROCA fingerprint (CVE-2017-15361): its factors can be found.
    RocaFingerprint,
}

impl fmt::Display for RsaKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ModulusTooSmall { bits } => {
                write!(f, "rsa modulus has {bits} bits, at least 2048 are required")
            }
            Self::ModulusTooLarge { bits } => {
                write!(f, "rsa modulus has {bits} bits, at most 4096 are supported")
            }
            Self::ModulusEven => f.write_str("rsa modulus is even"),
            Self::UnsupportedExponent => f.write_str("rsa public exponent is not 65537"),
            Self::RocaFingerprint => f.write_str("rsa modulus has the ROCA fingerprint (CVE-2017-15361)"),
        }
    }
}

impl std::error::Error for RsaKeyError {}
