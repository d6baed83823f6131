//! The EMSA-PKCS1-v1_5 encoding of a SHA-256 digest (RFC 8017 §9.2), checked by comparison.
//!
//! The expected encoded message is built in full and compared byte for byte with what the
//! signature decrypts to. Parsing the decrypted block instead (skip the padding, read the DER)
//! is how BER-tolerant and garbage-accepting verifiers have been forged (CVE-2006-4339 and
//! its descendants); with a comparison there is exactly one accepted block per digest.

/// `DigestInfo` for SHA-256 in DER, up to the digest itself: algorithm OID 2.16.840.1.101.3.4.2.1
/// with explicit NULL parameters, then an OCTET STRING of 32 bytes.
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

/// Length of `DigestInfo` with the digest.
const DIGEST_INFO_LEN: usize = SHA256_DIGEST_INFO_PREFIX.len() + 32;

/// Largest encoded message: the modulus length of a 4096-bit key.
const MAX_ENCODED_LEN: usize = 512;

/// RFC 8017 requires at least eight bytes of 0xFF padding.
const MIN_PADDING_LEN: usize = 8;

/// Whether `encoded` is exactly `00 01 FF..FF 00 || DigestInfo(SHA-256, digest)`.
///
/// Every byte is compared whatever the earlier ones were, so the time taken does not reveal
/// where the first difference lies.
pub(crate) fn is_sha256_encoding(encoded: &[u8], digest: &[u8; 32]) -> bool {
    let len = encoded.len();
    if !(3 + MIN_PADDING_LEN + DIGEST_INFO_LEN..=MAX_ENCODED_LEN).contains(&len) {
        return false;
    }
    let mut expected = [0xffu8; MAX_ENCODED_LEN];
    let expected = &mut expected[..len];
    expected[0] = 0x00;
    expected[1] = 0x01;
    let digest_info = len - DIGEST_INFO_LEN;
    expected[digest_info - 1] = 0x00;
    expected[digest_info..len - 32].copy_from_slice(&SHA256_DIGEST_INFO_PREFIX);
    expected[len - 32..].copy_from_slice(digest);

    let difference = encoded.iter().zip(expected.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const DIGEST: [u8; 32] = [0xab; 32];

    fn well_formed(len: usize) -> Vec<u8> {
        let mut encoded = vec![0x00, 0x01];
        encoded.resize(len - DIGEST_INFO_LEN - 1, 0xff);
        encoded.push(0x00);
        encoded.extend_from_slice(&SHA256_DIGEST_INFO_PREFIX);
        encoded.extend_from_slice(&DIGEST);
        encoded
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
