//! The block a signature must decrypt to, in the scale the exponentiation leaves its result in.
//!
//! [`MontgomeryModulus::pow_65537_scaled`] gives `s^65537·R^-65536 mod n`, one multiplication
//! fewer than `s^65537 mod n` would take. A signature is valid when that equals
//! `EM·R^-65536 mod n`, with `EM` the PKCS#1 v1.5 block of the token's digest: `n` is odd, so
//! multiplying by `R^-65536` maps the numbers below `n` one to one, and `EM < n`, so the two
//! comparisons accept exactly the same signatures.
//!
//! As numbers, `EM = P + H`: `P` the block for a digest of zeros, fixed per key (its length is the
//! modulus's), and `H` the digest, the block's last 32 bytes. So the expected value is
//! `P·R^-65536 + H·R^-65536 mod n`: the first term is computed once per key, the second per
//! verification by [`MontgomeryModulus::short_mul`], which multiplies the digest's 10 limbs by the
//! key's `R^-65536·2^280 mod n` and divides by 2^280, in a seventh of a full multiplication's limb
//! products.

use super::limbs::{self, LIMB_BITS};
use super::montgomery::{MontgomeryModulus, MAX_LIMBS};
use super::pkcs1v15::{self, DIGEST_LEN, MAX_ENCODED_LEN};

/// Limbs of a SHA-256 digest (256 bits in 28-bit limbs).
const DIGEST_LIMBS: usize = (8 * DIGEST_LEN).div_ceil(LIMB_BITS as usize);

/// A key's expected block, less its digest, in the exponentiation's scale.
#[derive(Clone)]
pub(crate) struct ScaledEncoding {
    /// `P·R^-65536 mod n`: the block for a digest of zeros.
    padding_term: Vec<u32>,
    /// `R^-65536·2^(28·DIGEST_LIMBS) mod n`: what the digest is multiplied by, [`short_mul`]
    /// dividing the product by `2^(28·DIGEST_LIMBS)` again.
    ///
    /// [`short_mul`]: MontgomeryModulus::short_mul
    digest_factor: Vec<u32>,
}

impl ScaledEncoding {
    /// The constants for `modulus` of `bits` bits, whose signatures and blocks are `len` bytes;
    /// `None` when no block has `len` bytes. Costs about one exponentiation.
    pub(crate) fn new(modulus: &MontgomeryModulus, bits: usize, len: usize) -> Option<Self> {
        let limb_count = modulus.limb_count();
        let mut block = [0u8; MAX_ENCODED_LEN];
        let block = block.get_mut(..len)?;
        if !pkcs1v15::write_sha256_encoding(&[0; DIGEST_LEN], block) {
            return None;
        }
        let mut padding = vec![0u32; limb_count];
        if !limbs::from_be_bytes(block, &mut padding) {
            return None;
        }
        // 1^65537·R^-65536: the scale itself.
        let mut one = vec![0u32; limb_count];
        one[0] = 1;
        let mut scale = vec![0u32; limb_count];
        modulus.pow_65537_scaled(&one, &mut scale);

        let mut padding_term = vec![0u32; limb_count];
        modulus.mul_mod(&padding, &scale, &mut padding_term);
        let mut digest_factor = scale;
        for _ in 0..DIGEST_LIMBS {
            limbs::shift_limb_mod(&mut digest_factor, modulus.limbs(), bits);
        }
        Some(Self { padding_term, digest_factor })
    }

    /// Whether `scaled`, what [`MontgomeryModulus::pow_65537_scaled`] gave for a signature (below
    /// `n`), is the block for `digest` in the same scale. Every limb is compared whatever the
    /// earlier ones were.
    pub(crate) fn matches(&self, modulus: &MontgomeryModulus, digest: &[u8; DIGEST_LEN], scaled: &[u32]) -> bool {
        let limb_count = modulus.limb_count();
        let mut digest_limbs = [0u32; DIGEST_LIMBS];
        let fits = limbs::from_be_bytes(digest, &mut digest_limbs);
        debug_assert!(fits, "256 bits fit in {DIGEST_LIMBS} limbs");
        let mut expected = [0u32; MAX_LIMBS];
        let expected = &mut expected[..limb_count];
        // The short product is below 2n (in fact below n + n/2^24: the digest has 256 bits of
        // the 280 divided by), so the sum with the padding term is below 3n, which 4n < R leaves
        // room for; two subtractions at most bring it below n, the second one very rarely.
        modulus.short_mul(&digest_limbs, &self.digest_factor, expected);
        limbs::add_assign(expected, &self.padding_term);
        limbs::reduce_once(expected, modulus.limbs());
        limbs::reduce_once(expected, modulus.limbs());
        let difference = expected.iter().zip(&scaled[..limb_count]).fold(0u32, |acc, (a, b)| acc | (a ^ b));
        difference == 0
    }
}
