//! The EMSA-PKCS1-v1_5 encoding of a SHA-256 digest (RFC 8017 §9.2), built in full.
//!
//! The verifier builds the one block a signature must decrypt to and compares it with what the
//! signature gives: byte for byte ([`is_sha256_encoding`]), or as numbers in the scale of the
//! faster exponentiation (`scaled_encoding`, from this block for a digest of zeros). Parsing the
//! decrypted block instead (skip the padding, read the DER) is how BER-tolerant and
//! garbage-accepting verifiers have been forged (CVE-2006-4339 and its descendants); with a
//! comparison there is exactly one accepted block per digest.

/// `DigestInfo` for SHA-256 in DER, up to the digest itself: algorithm OID 2.16.840.1.101.3.4.2.1
/// with explicit NULL parameters, then an OCTET STRING of 32 bytes.
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

/// Length of a SHA-256 digest, which is the block's last bytes.
pub(crate) const DIGEST_LEN: usize = 32;

/// Length of `DigestInfo` with the digest.
const DIGEST_INFO_LEN: usize = SHA256_DIGEST_INFO_PREFIX.len() + DIGEST_LEN;

/// Largest encoded message: the modulus length of a 4096-bit key.
pub(crate) const MAX_ENCODED_LEN: usize = 512;

/// RFC 8017 requires at least eight bytes of 0xFF padding.
const MIN_PADDING_LEN: usize = 8;

/// Writes `00 01 FF..FF 00 || DigestInfo(SHA-256, digest)` into all of `out`; `false` when no
/// such block has `out.len()` bytes.
///
/// The digest is the block's last [`DIGEST_LEN`] bytes, so as numbers the block for `digest` is
/// the block for a digest of zeros plus the digest.
pub(crate) fn write_sha256_encoding(digest: &[u8; DIGEST_LEN], out: &mut [u8]) -> bool {
    let len = out.len();
    if !(3 + MIN_PADDING_LEN + DIGEST_INFO_LEN..=MAX_ENCODED_LEN).contains(&len) {
        return false;
    }
    out.fill(0xff);
    out[0] = 0x00;
    out[1] = 0x01;
    let digest_info = len - DIGEST_INFO_LEN;
    out[digest_info - 1] = 0x00;
    out[digest_info..len - DIGEST_LEN].copy_from_slice(&SHA256_DIGEST_INFO_PREFIX);
    out[len - DIGEST_LEN..].copy_from_slice(digest);
    true
}

/// Whether `encoded` is exactly `00 01 FF..FF 00 || DigestInfo(SHA-256, digest)`.
///
/// Every byte is compared whatever the earlier ones were, so the time taken does not reveal
/// where the first difference lies.
pub(crate) fn is_sha256_encoding(encoded: &[u8], digest: &[u8; DIGEST_LEN]) -> bool {
    let mut expected = [0u8; MAX_ENCODED_LEN];
    let Some(expected) = expected.get_mut(..encoded.len()) else {
        return false;
    };
    if !write_sha256_encoding(digest, expected) {
        return false;
    }
    let difference = encoded.iter().zip(expected.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const DIGEST: [u8; DIGEST_LEN] = [0xab; DIGEST_LEN];

    fn well_formed(len: usize) -> Vec<u8> {
        let mut encoded = vec![0x00, 0x01];
        encoded.resize(len - DIGEST_INFO_LEN - 1, 0xff);
        encoded.push(0x00);
        encoded.extend_from_slice(&SHA256_DIGEST_INFO_PREFIX);
        encoded.extend_from_slice(&DIGEST);
        encoded
    }

    #[test]
    fn the_written_block_is_rfc_8017s() {
        for len in [256, 384, 512] {
            let mut out = vec![0x5a; len];
            assert!(write_sha256_encoding(&DIGEST, &mut out));
            assert_eq!(out, well_formed(len), "{len} bytes");
        }
        assert!(!write_sha256_encoding(&DIGEST, &mut [0; 3 + MIN_PADDING_LEN + DIGEST_INFO_LEN - 1]));
        assert!(!write_sha256_encoding(&DIGEST, &mut [0; MAX_ENCODED_LEN + 1]));
    }

    #[test]
    fn the_encoding_for_a_2048_bit_key_is_accepted() {
        let encoded = well_formed(256);
        assert_eq!(encoded.len(), 256);
        assert!(is_sha256_encoding(&encoded, &DIGEST));
    }

    #[test]
    fn every_single_byte_change_is_rejected() {
        let encoded = well_formed(256);
        for position in 0..encoded.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut changed = encoded.clone();
                changed[position] ^= flip;
                assert!(!is_sha256_encoding(&changed, &DIGEST), "byte {position} ^ {flip:#x}");
            }
        }
    }

    #[test]
    fn a_different_digest_is_rejected() {
        let mut other = DIGEST;
        other[31] ^= 1;
        assert!(!is_sha256_encoding(&well_formed(384), &other));
    }

    #[test]
    fn the_digest_info_without_the_null_parameters_is_rejected() {
        // The "MissingNull" form some libraries accept: AlgorithmIdentifier without NULL.
        let mut encoded = vec![0x00, 0x01];
        encoded.resize(256 - 49 - 1, 0xff);
        encoded.push(0x00);
        encoded.extend_from_slice(&[0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09]);
        encoded.extend_from_slice(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]);
        encoded.extend_from_slice(&[0x04, 0x20]);
        encoded.extend_from_slice(&DIGEST);
        assert_eq!(encoded.len(), 256);
        assert!(!is_sha256_encoding(&encoded, &DIGEST));
    }

    #[test]
    fn a_block_too_short_for_the_minimum_padding_is_rejected() {
        let shortest = 3 + MIN_PADDING_LEN + DIGEST_INFO_LEN;
        assert!(is_sha256_encoding(&well_formed(shortest), &DIGEST));
        let mut too_short = vec![0x00, 0x01];
        too_short.extend_from_slice(&[0xff; MIN_PADDING_LEN - 1]);
        too_short.push(0x00);
        too_short.extend_from_slice(&SHA256_DIGEST_INFO_PREFIX);
        too_short.extend_from_slice(&DIGEST);
        assert!(!is_sha256_encoding(&too_short, &DIGEST));
    }
}
