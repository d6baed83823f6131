//! The EMSA-PKCS1-v1_5 encoding of a SHA-256 digest (RFC 8017 §9.2), built in full.
//!
//! The verifier builds the one block a signature must decrypt to and compares it with what the
//! signature gives, as numbers (see `scaled_encoding`). Parsing the decrypted block instead (skip
//! the padding, read the DER) is how BER-tolerant and garbage-accepting verifiers have been
//! forged (CVE-2006-4339 and its descendants); with a comparison there is exactly one accepted
//! block per digest.

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

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const DIGEST: [u8; DIGEST_LEN] = [0xab; DIGEST_LEN];

    /// The block as RFC 8017 §9.2 spells it out, step by step.
    fn well_formed(len: usize) -> Vec<u8> {
        let mut encoded = vec![0x00, 0x01];
        encoded.resize(len - DIGEST_INFO_LEN - 1, 0xff);
        encoded.push(0x00);
        encoded.extend_from_slice(&SHA256_DIGEST_INFO_PREFIX);
        encoded.extend_from_slice(&DIGEST);
        encoded
    }

    fn written(len: usize, digest: &[u8; DIGEST_LEN]) -> Option<Vec<u8>> {
        let mut out = vec![0x5a; len];
        write_sha256_encoding(digest, &mut out).then_some(out)
    }

    #[test]
    fn the_block_for_a_2048_bit_key_is_rfc_8017s() {
        assert_eq!(written(256, &DIGEST).unwrap(), well_formed(256));
        assert_eq!(written(512, &DIGEST).unwrap(), well_formed(512));
    }

    #[test]
    fn the_digest_is_the_blocks_last_bytes_and_nothing_else_depends_on_it() {
        let with_digest = written(384, &DIGEST).unwrap();
        let with_zeros = written(384, &[0; DIGEST_LEN]).unwrap();
        assert_eq!(with_digest[..384 - DIGEST_LEN], with_zeros[..384 - DIGEST_LEN]);
        assert_eq!(with_digest[384 - DIGEST_LEN..], DIGEST);
        assert!(with_zeros[384 - DIGEST_LEN..].iter().all(|&b| b == 0));
    }

    #[test]
    fn the_digest_info_has_its_null_parameters() {
        // Not the "MissingNull" form some libraries accept: AlgorithmIdentifier without NULL.
        let block = written(256, &DIGEST).unwrap();
        assert_eq!(block[256 - DIGEST_INFO_LEN..256 - DIGEST_LEN][..6], [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09]);
        assert_eq!(block[256 - DIGEST_LEN - 4..256 - DIGEST_LEN], [0x05, 0x00, 0x04, 0x20]);
    }

    #[test]
    fn lengths_without_eight_bytes_of_padding_or_beyond_4096_bits_have_no_block() {
        let shortest = 3 + MIN_PADDING_LEN + DIGEST_INFO_LEN;
        assert_eq!(written(shortest, &DIGEST).unwrap(), well_formed(shortest));
        assert_eq!(written(shortest - 1, &DIGEST), None);
        assert_eq!(written(MAX_ENCODED_LEN + 1, &DIGEST), None);
    }
}
