//! An RSA public key ready to verify RS256 signatures.

use core::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::key_error::RsaKeyError;
use super::limbs;
use super::montgomery::{limbs_for_modulus_bits, MontgomeryModulus, MAX_LIMBS};
use super::pkcs1v15;
use super::roca::has_roca_fingerprint;
use super::scaled_encoding::ScaledEncoding;

const MIN_MODULUS_BITS: usize = 2048;
const MAX_MODULUS_BITS: usize = 4096;
const MAX_MODULUS_BYTES: usize = MAX_MODULUS_BITS / 8;

/// Fresh verifications a key makes with [`Comparison::Plain`] before it builds the constants of
/// [`Comparison::Scaled`] and makes every later one with that.
///
/// The scaled comparison saves one of the exponentiation's 18 multiplications and squarings
/// (the RSA primitive took 0.95–0.97× its plain time in workerd), but its constants cost an
/// exponentiation of their own (`R^-65536 mod n`: no cheaper way exists for a modulus of unknown
/// factors), about one verification's time (51–68 µs). Built with the key, they would take its
/// set-up, which every isolate pays once per key on its first request, past its target (≤ 30
/// µs); built once the key has verified this many signatures, they cost a busy key about what
/// the next thirty verifications save, and a key that verifies a few tokens in an isolate's life
/// nothing.
pub const PLAIN_VERIFICATIONS_BEFORE_SCALING: u32 = 32;

/// How a verification compares what the signature gives with the one block it must give. Both
/// accept exactly the same signatures (the tests hold them to it); they differ in cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `s^65537 mod n` against the block, byte for byte: no constants beyond the key's set-up.
    Plain,
    /// `s^65537·R^-65536 mod n` against the block in the same scale (`scaled_encoding`): one
    /// multiplication fewer, with constants built once per key.
    Scaled,
}

/// An RSA public key with `e = 65537` and a 2048- to 4096-bit modulus, with its Montgomery
/// constants precomputed so that each verification is only the modular exponentiation.
///
/// Build it once per key (a few tens of µs) and keep it for as long as the key is trusted. Its
/// first [`PLAIN_VERIFICATIONS_BEFORE_SCALING`] verifications compare plainly, the rest scaled.
pub struct RsaVerifyingKey {
    modulus: MontgomeryModulus,
    /// `n` big-endian in exactly `signature_len()` bytes, to compare signatures against.
    modulus_be: Vec<u8>,
    bits: usize,
    /// Verifications made with the plain comparison (it stops counting once the key scales).
    plain_verifications: AtomicU32,
    /// The scaled comparison's constants, once built (`None` for a block length that has no
    /// block, which no accepted modulus has).
    scaled: OnceLock<Option<ScaledEncoding>>,
}

impl Clone for RsaVerifyingKey {
    fn clone(&self) -> Self {
        Self {
            modulus: self.modulus.clone(),
            modulus_be: self.modulus_be.clone(),
            bits: self.bits,
            plain_verifications: AtomicU32::new(self.plain_verifications.load(Ordering::Relaxed)),
            scaled: self.scaled.clone(),
        }
    }
}

impl RsaVerifyingKey {
    /// Builds a key from the big-endian modulus `n` and public exponent `e` (as found in a JWK's
    /// `n` and `e` after base64url decoding); leading zero bytes are allowed in both.
    ///
    /// Accepts 2048- to 4096-bit odd moduli and only the exponent 65537.
    pub fn from_be_bytes(modulus: &[u8], exponent: &[u8]) -> Result<Self, RsaKeyError> {
        let modulus = strip_leading_zeros(modulus);
        let bits = match modulus.first() {
            Some(&top) => 8 * modulus.len() - top.leading_zeros() as usize,
            None => 0,
        };
        if bits < MIN_MODULUS_BITS {
            return Err(RsaKeyError::ModulusTooSmall { bits });
        }
        if bits > MAX_MODULUS_BITS {
            return Err(RsaKeyError::ModulusTooLarge { bits });
        }
        if modulus[modulus.len() - 1] & 1 == 0 {
            return Err(RsaKeyError::ModulusEven);
        }
        if strip_leading_zeros(exponent) != [0x01, 0x00, 0x01] {
            return Err(RsaKeyError::UnsupportedExponent);
        }
        if has_roca_fingerprint(modulus) {
            return Err(RsaKeyError::RocaFingerprint);
        }

        let mut n = vec![0u32; limbs_for_modulus_bits(bits)];
        let fits = limbs::from_be_bytes(modulus, &mut n);
        debug_assert!(fits, "the limb count is derived from the bit length");
        Ok(Self {
            modulus: MontgomeryModulus::new(n, bits),
            modulus_be: modulus.to_vec(),
            bits,
            plain_verifications: AtomicU32::new(0),
            scaled: OnceLock::new(),
        })
    }

    /// Significant bits of the modulus (2048 for an RS256 key of the usual size).
    pub fn modulus_bits(&self) -> usize {
        self.bits
    }

    /// Modulus length in bytes (k): a valid signature is exactly k bytes.
    pub fn signature_len(&self) -> usize {
        self.modulus_be.len()
    }

    /// RSASSA-PKCS1-v1_5 verification with SHA-256 of `message` (hash computed inside).
    pub fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(message).into();
        self.verify_sha256_digest(&digest, signature)
    }

    /// RSASSA-PKCS1-v1_5 verification of a precomputed SHA-256 `digest`.
    ///
    /// The signature must be exactly [`Self::signature_len`] bytes and, read as an integer,
    /// below the modulus (RFC 8017 §8.2.2 and §5.2.2); anything else is rejected, not repaired.
    pub fn verify_sha256_digest(&self, digest: &[u8; 32], signature: &[u8]) -> bool {
        self.verify_sha256_digest_by(self.next_comparison(), digest, signature)
    }

    /// [`Self::verify_sha256_digest`] with the comparison chosen by the caller (the tests hold the
    /// two to the same answers, the bench times each).
    pub fn verify_sha256_digest_by(&self, comparison: Comparison, digest: &[u8; 32], signature: &[u8]) -> bool {
        let k = self.signature_len();
        // Equal lengths make the byte-wise comparison the numeric one.
        if signature.len() != k || signature >= self.modulus_be.as_slice() {
            return false;
        }
        let len = self.modulus.limb_count();
        let mut s = [0u32; MAX_LIMBS];
        let mut m = [0u32; MAX_LIMBS];
        let (s, m) = (&mut s[..len], &mut m[..len]);
        if !limbs::from_be_bytes(signature, s) {
            return false;
        }
        if comparison == Comparison::Scaled {
            if let Some(encoding) = self.scaled_encoding() {
                self.modulus.pow_65537_scaled(s, m);
                return encoding.matches(&self.modulus, digest, m);
            }
        }
        self.modulus.pow_65537(s, m);
        let mut encoded = [0u8; MAX_MODULUS_BYTES];
        let encoded = &mut encoded[..k];
        limbs::to_be_bytes(m, encoded);
        pkcs1v15::is_sha256_encoding(encoded, digest)
    }

    /// Builds the scaled comparison's constants now, if not yet (about a verification's time),
    /// so that every later verification makes it: for a caller that knows the key will be busy.
    pub fn prepare_scaled_comparison(&self) {
        self.scaled_encoding();
    }

    /// The comparison this verification makes: plain for the key's first
    /// [`PLAIN_VERIFICATIONS_BEFORE_SCALING`], scaled after.
    fn next_comparison(&self) -> Comparison {
        if self.scaled.get().is_some() {
            return Comparison::Scaled;
        }
        // Counted only until the key scales, so the count cannot wrap.
        if self.plain_verifications.fetch_add(1, Ordering::Relaxed) < PLAIN_VERIFICATIONS_BEFORE_SCALING {
            Comparison::Plain
        } else {
            Comparison::Scaled
        }
    }

    fn scaled_encoding(&self) -> Option<&ScaledEncoding> {
        self.scaled.get_or_init(|| ScaledEncoding::new(&self.modulus, self.bits, self.signature_len())).as_ref()
    }
}

impl fmt::Debug for RsaVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaVerifyingKey").field("bits", &self.bits).finish_non_exhaustive()
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const E: [u8; 3] = [0x01, 0x00, 0x01];

    /// An odd 2048-bit modulus; verification maths does not need it to be a product of primes.
    fn modulus_2048() -> Vec<u8> {
        let mut n: Vec<u8> = (0..256u32).map(|i| (i * 89 + 17) as u8).collect();
        n[0] |= 0x80;
        n[255] |= 1;
        n
    }

    #[test]
    fn a_2048_bit_modulus_with_leading_zero_bytes_is_accepted() {
        let mut n = vec![0, 0];
        n.extend(modulus_2048());
        let key = RsaVerifyingKey::from_be_bytes(&n, &[0, 0, 1, 0, 1]).unwrap();
        assert_eq!(key.modulus_bits(), 2048);
        assert_eq!(key.signature_len(), 256);
    }

    #[test]
    fn a_modulus_of_2047_bits_is_too_small() {
        let mut n = modulus_2048();
        n[0] = 0x7f;
        assert_eq!(RsaVerifyingKey::from_be_bytes(&n, &E).unwrap_err(), RsaKeyError::ModulusTooSmall { bits: 2047 });
        assert_eq!(RsaVerifyingKey::from_be_bytes(&[], &E).unwrap_err(), RsaKeyError::ModulusTooSmall { bits: 0 });
    }

    #[test]
    fn a_modulus_of_4097_bits_is_too_large() {
        let mut n = vec![0x01];
        n.extend(std::iter::repeat_n(0xff, 512));
        assert_eq!(RsaVerifyingKey::from_be_bytes(&n, &E).unwrap_err(), RsaKeyError::ModulusTooLarge { bits: 4097 });
        assert_eq!(RsaVerifyingKey::from_be_bytes(&n[1..], &E).unwrap().modulus_bits(), 4096);
    }

    #[test]
    fn an_even_modulus_is_refused() {
        let mut n = modulus_2048();
        n[255] &= 0xfe;
        assert_eq!(RsaVerifyingKey::from_be_bytes(&n, &E).unwrap_err(), RsaKeyError::ModulusEven);
    }

    #[test]
    fn exponents_other_than_65537_are_refused() {
        let n = modulus_2048();
        for e in [&[3u8][..], &[1, 0, 0, 1], &[1, 0, 1, 0], &[], &[0], &[1, 0, 3]] {
            assert_eq!(
                RsaVerifyingKey::from_be_bytes(&n, e).unwrap_err(),
                RsaKeyError::UnsupportedExponent,
                "e = {e:?}"
            );
        }
    }

    #[test]
    fn debug_output_shows_the_size_and_not_the_limbs() {
        let key = RsaVerifyingKey::from_be_bytes(&modulus_2048(), &E).unwrap();
        assert_eq!(format!("{key:?}"), "RsaVerifyingKey { bits: 2048, .. }");
    }

    /// Wycheproof `rsa_signature_2048_sha256_test.json`, group 1, test 1: the empty message.
    const WYCHEPROOF_N: &str = concat!(
        "a2b451a07d0aa5f96e455671513550514a8a5b462ebef717094fa1fee82224e637f9746d3f7cafd31878d803",
        "25b6ef5a1700f65903b469429e89d6eac8845097b5ab393189db92512ed8a7711a1253facd20f79c15e8247f",
        "3d3e42e46e48c98e254a2fe9765313a03eff8f17e1a029397a1fa26a8dce26f490ed81299615d9814c22da61",
        "0428e09c7d9658594266f5c021d0fceca08d945a12be82de4d1ece6b4c03145b5d3495d4ed5411eb878daf05",
        "fd7afc3e09ada0f1126422f590975a1969816f48698bcbba1b4d9cae79d460d8f9f85e7975005d9bc22c4e5a",
        "c0f7c1a45d12569a62807d3b9a02e5a530e773066f453d1f5b4c2e9cf7820283f742b9d5",
    );
    const WYCHEPROOF_EMPTY_MESSAGE_SIGNATURE: &str = concat!(
        "840f5dac53106dd1f9c57219224cf51289290c42f20466875ba8e830ac5690e541536fcc8ab03b731f82bf66",
        "d83f194e7e180b3963ec7a2f3f7904a7ce49aed47da4d4b79421eaf937d301b3e696169297b797c32c076a12",
        "be4de0b58e003c5123051a84a10c62f8dac2f42a8640008eb3c7cccd6760ff5b51b689763922582845f048fb",
        "8150e5a7a6ca2eccc7bdc85349ad5b26c52137a79fa3fe5c29ab5cd7615013219c1941b6708e9c3c23feff5f",
        "ebaf0c8ebca5750b54e3e6e99a3e876b396f27860b7f3ec4e9191703c6332d944f6f69751167680c79c4f6b5",
        "7f1cc8755d24b6ec158ccdbacdb23107a33cb6b332516c13274d1f9dccc21dced869e486",
    );

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
    }

    fn known_key_and_signature() -> (RsaVerifyingKey, Vec<u8>) {
        let key = RsaVerifyingKey::from_be_bytes(&hex(WYCHEPROOF_N), &E).unwrap();
        (key, hex(WYCHEPROOF_EMPTY_MESSAGE_SIGNATURE))
    }

    #[test]
    fn a_known_good_signature_is_accepted() {
        let (key, signature) = known_key_and_signature();
        assert!(key.verify_sha256(b"", &signature));
        let digest: [u8; 32] = Sha256::digest(b"").into();
        assert!(key.verify_sha256_digest(&digest, &signature));
    }

    /// The verdict of both comparisons on `signature` for `message`, which must agree.
    fn verdict(key: &RsaVerifyingKey, message: &[u8], signature: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(message).into();
        let plain = key.verify_sha256_digest_by(Comparison::Plain, &digest, signature);
        let scaled = key.verify_sha256_digest_by(Comparison::Scaled, &digest, signature);
        assert_eq!(plain, scaled, "the plain and the scaled comparison disagree");
        plain
    }

    #[test]
    fn a_key_scales_after_its_plain_verifications_and_answers_the_same() {
        let (key, signature) = known_key_and_signature();
        let mut wrong = signature.clone();
        wrong[100] ^= 1;
        for made in 0..PLAIN_VERIFICATIONS_BEFORE_SCALING {
            assert!(key.scaled.get().is_none(), "scaled after {made}");
            assert!(key.verify_sha256(b"", &signature));
        }
        assert!(key.scaled.get().is_none(), "scaled before the key is used again");
        for _ in 0..8 {
            assert!(key.verify_sha256(b"", &signature));
            assert!(!key.verify_sha256(b"", &wrong));
            assert!(!key.verify_sha256(b"\0", &signature));
        }
        assert!(key.scaled.get().is_some());
        // A clone keeps the constants; a key prepared at once scales from its first verification.
        assert!(key.clone().scaled.get().is_some());
        let (prepared, _) = known_key_and_signature();
        prepared.prepare_scaled_comparison();
        assert_eq!(prepared.next_comparison(), Comparison::Scaled);
    }

    #[test]
    fn a_signature_for_another_message_is_rejected() {
        let (key, signature) = known_key_and_signature();
        assert!(!verdict(&key, b"\0", &signature));
    }

    #[test]
    fn a_signature_one_byte_short_is_rejected() {
        let (key, signature) = known_key_and_signature();
        assert!(!verdict(&key, b"", &signature[1..]));
        assert!(!verdict(&key, b"", &signature[..255]));
    }

    #[test]
    fn a_signature_with_a_leading_zero_byte_is_rejected() {
        let (key, signature) = known_key_and_signature();
        let mut padded = vec![0];
        padded.extend_from_slice(&signature);
        assert!(!verdict(&key, b"", &padded));
    }

    #[test]
    fn every_single_bit_flip_of_a_good_signature_is_rejected() {
        let (key, signature) = known_key_and_signature();
        for bit in 0..signature.len() * 8 {
            let mut flipped = signature.clone();
            flipped[bit / 8] ^= 0x80 >> (bit % 8);
            assert!(!verdict(&key, b"", &flipped), "bit {bit}");
        }
    }

    #[test]
    fn the_signature_plus_the_modulus_is_rejected() {
        // s + n gives the same s^e mod n; accepting it would make signatures malleable.
        let (key, signature) = known_key_and_signature();
        let n = hex(WYCHEPROOF_N);
        let mut sum = vec![0u8; 257];
        let mut carry = 0u16;
        for i in (0..256).rev() {
            let total = u16::from(signature[i]) + u16::from(n[i]) + carry;
            sum[i + 1] = total as u8;
            carry = total >> 8;
        }
        sum[0] = carry as u8;
        assert!(!verdict(&key, b"", &sum));
        if sum[0] == 0 {
            assert!(!verdict(&key, b"", &sum[1..]));
        }
    }

    #[test]
    fn the_modulus_itself_and_anything_above_are_rejected() {
        let (key, _) = known_key_and_signature();
        let n = hex(WYCHEPROOF_N);
        assert!(!verdict(&key, b"", &n));
        assert!(!verdict(&key, b"", &[0xff; 256]));
    }

    #[test]
    fn zero_and_one_are_rejected() {
        let (key, _) = known_key_and_signature();
        let mut one = [0u8; 256];
        assert!(!verdict(&key, b"", &one));
        one[255] = 1;
        assert!(!verdict(&key, b"", &one));
    }
}
