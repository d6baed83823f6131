//! Montgomery arithmetic modulo an odd RSA modulus `n`, with `R = 2^(28·L)` for `L` limbs.
//!
//! Multiplication is product scanning (one output column at a time, Koç's "FIPS" order) with the
//! reduction interleaved: column `k` adds `a[j]·b[k-j]` and `m[j]·n[k-j]`, and for the low `L`
//! columns chooses `m[k]` so the column becomes divisible by 2^28. Each column keeps the two
//! sums in separate `u64`s: either has at most `L ≤ 147` products below 2^56 and so cannot
//! overflow, which is what lets the inner loops run without any carry handling.
//!
//! A column sum is a dot product of one operand with the other reversed, so `b` (or `a`, when
//! squaring) is reversed once per multiplication and `n` once per key, and the kernel (see
//! `dot_product`) reads both sides forwards.
//!
//! `L` is chosen so that `4n < R`. Then inputs below `2n` give outputs below `2n`, so no
//! conditional subtraction is needed between multiplications, only one at the very end.

use super::dot_product::{DotProduct, Fastest, Window};
use super::limbs::{self, LIMB_BITS, LIMB_MASK};

/// Limb count for the largest supported modulus (4096 bits).
pub(crate) const MAX_LIMBS: usize = limbs_for_modulus_bits(4096);

/// Zero limbs kept on each side of the number in a [`Padded`]: widening a column range to whole
/// groups of four reaches three limbs below it, and the columns of a block read up to three
/// more on either side.
const PAD: usize = 8;

/// The most limbs [`MontgomeryModulus::short_mul`]'s short operand may have.
pub(crate) const SHORT_MAX_LIMBS: usize = 16;

/// Limbs needed for a modulus of `bits` bits with two spare bits, so that `4n < R`.
pub(crate) const fn limbs_for_modulus_bits(bits: usize) -> usize {
    (bits + 2).div_ceil(LIMB_BITS as usize)
}

/// A number of up to [`MAX_LIMBS`] limbs stored at `PAD..PAD + L`, with zeros all around.
///
/// The zeros let the four columns of a block share one range, widened to a whole number of
/// 4-limb groups: each product a column does not own has a padding zero on one side (or a
/// reduction digit not chosen yet, still zero), so it adds nothing, and the kernel needs no
/// scalar tail loop.
#[derive(Clone)]
pub(crate) struct Padded([u32; PAD + MAX_LIMBS + PAD]);

impl Padded {
    pub(crate) fn zero() -> Self {
        Self([0; PAD + MAX_LIMBS + PAD])
    }

    pub(crate) fn from_limbs(limbs: &[u32]) -> Self {
        let mut padded = Self::zero();
        padded.0[PAD..PAD + limbs.len()].copy_from_slice(limbs);
        padded
    }

    /// The first `len` limbs.
    pub(crate) fn limbs(&self, len: usize) -> &[u32] {
        &self.0[PAD..PAD + len]
    }

    fn limbs_mut(&mut self, len: usize) -> &mut [u32] {
        &mut self.0[PAD..PAD + len]
    }
}

/// An odd modulus with its Montgomery constants, built once per key.
#[derive(Clone)]
pub(crate) struct MontgomeryModulus {
    /// `n` in limbs; its length is `L`.
    n: Vec<u32>,
    /// `n` with its limbs reversed.
    n_reversed: Padded,
    /// `n[0..4]`, which every block of columns reads: kept out of the `Vec`, whose indexing is
    /// a function call at opt-level "z".
    n_low: [u32; 4],
    /// `-n^-1 mod 2^28`.
    n_neg_inv: u32,
    /// `R^2 mod n`, which takes a number into Montgomery form with one multiplication.
    r_squared: Padded,
}

impl MontgomeryModulus {
    /// Builds the constants for an odd `n` of `bits` significant bits, given as limbs.
    ///
    /// `n` must have exactly [`limbs_for_modulus_bits`]`(bits)` limbs, at most [`MAX_LIMBS`].
    pub(crate) fn new(n: Vec<u32>, bits: usize) -> Self {
        assert!(n.len() == limbs_for_modulus_bits(bits) && n.len() <= MAX_LIMBS);
        assert!(n[0] & 1 == 1, "Montgomery arithmetic needs an odd modulus");
        let n_reversed = reversed(&Padded::from_limbs(&n), n.len());
        let n_neg_inv = neg_inverse_mod_limb(n[0]);
        let n_low = [n[0], n[1], n[2], n[3]];
        let mut modulus = Self { n_reversed, n_low, n_neg_inv, r_squared: Padded::zero(), n };
        modulus.r_squared = modulus.compute_r_squared(bits);
        modulus
    }

    /// Number of limbs `L` of every operand and result.
    pub(crate) fn limb_count(&self) -> usize {
        self.n.len()
    }

    /// `s^65537 mod n`, fully reduced, for `s < n` given in `L` limbs: `s` taken into Montgomery
    /// form, then 16 squarings and one multiplication.
    pub(crate) fn pow_65537(&self, s: &[u32], out: &mut [u32]) {
        self.pow_65537_with::<Fastest>(s, out);
    }

    /// [`Self::pow_65537`] with a chosen dot-product kernel.
    pub(crate) fn pow_65537_with<D: DotProduct>(&self, s: &[u32], out: &mut [u32]) {
        let s = Padded::from_limbs(&s[..self.limb_count()]);
        // s·R mod n; multiplying s^65536·R by the plain s at the end divides by R, leaving
        // s^65537 out of Montgomery form.
        let mut x = Padded::zero();
        self.mul_apart::<D>(&s, &self.r_squared, &mut x);
        self.square_16_times_then_multiply::<D>(x, &s, out);
    }

    /// `n` in limbs.
    pub(crate) fn limbs(&self) -> &[u32] {
        &self.n
    }

    /// `s^65537·R^-65536 mod n`, fully reduced, for `s < n` given in `L` limbs: 16 squarings and
    /// one multiplication.
    ///
    /// `s` is not taken into Montgomery form first (which would cost one more multiplication), so
    /// each squaring leaves one more power of `R^-1` behind: after `i` of them the value is
    /// `s^(2^i)·R^-(2^i - 1)`, and the multiplication by `s` makes it `s^65537·R^-65536`. The
    /// verifier compares that with the expected block in the same scale (see `scaled_encoding`).
    pub(crate) fn pow_65537_scaled(&self, s: &[u32], out: &mut [u32]) {
        self.pow_65537_scaled_with::<Fastest>(s, out);
    }

    /// [`Self::pow_65537_scaled`] with a chosen dot-product kernel.
    pub(crate) fn pow_65537_scaled_with<D: DotProduct>(&self, s: &[u32], out: &mut [u32]) {
        let s = Padded::from_limbs(&s[..self.limb_count()]);
        self.square_16_times_then_multiply::<D>(s.clone(), &s, out);
    }

    /// `x^65536·factor·R^-65536 mod n`, fully reduced, into `out`: what both exponentiations
    /// share, in one place, so that the wasm holds the squaring's inlined kernel once.
    #[inline(never)]
    fn square_16_times_then_multiply<D: DotProduct>(&self, mut x: Padded, factor: &Padded, out: &mut [u32]) {
        let len = self.limb_count();
        let mut y = Padded::zero();
        for _ in 0..8 {
            self.square_with::<D>(&x, &mut y);
            self.square_with::<D>(&y, &mut x);
        }
        self.mul_apart::<D>(&x, factor, &mut y);
        let out = &mut out[..len];
        out.copy_from_slice(y.limbs(len));
        limbs::reduce_once(out, &self.n);
    }

    /// [`Self::mul_with`] as a call rather than inlined: for every multiplication, none of which
    /// is inside the 16 squarings' loop, so that a call costs nothing measurable and the wasm
    /// holds the multiplication's kernel once.
    #[inline(never)]
    fn mul_apart<D: DotProduct>(&self, a: &Padded, b: &Padded, out: &mut Padded) {
        self.mul_with::<D>(a, b, out);
    }

    /// `a·b mod n`, fully reduced, for `a, b < 2n`: two Montgomery multiplications, the second by
    /// `R^2` to undo the first's `R^-1`. For the per-key constants, not the hot path.
    pub(crate) fn mul_mod(&self, a: &[u32], b: &[u32], out: &mut [u32]) {
        let len = self.limb_count();
        let mut product = Padded::zero();
        let mut plain = Padded::zero();
        self.mul_apart::<Fastest>(&Padded::from_limbs(&a[..len]), &Padded::from_limbs(&b[..len]), &mut product);
        self.mul_apart::<Fastest>(&product, &self.r_squared, &mut plain);
        let out = &mut out[..len];
        out.copy_from_slice(plain.limbs(len));
        limbs::reduce_once(out, &self.n);
    }

    /// `h·k·2^(-28·H) mod n`, below `2n`, for `h` of `H ≤ L` limbs and `k < n`: a Montgomery
    /// multiplication that divides by `2^(28·H)` instead of `R`, so both its products and its
    /// reduction take `H·L` limb products instead of `L²`. The verifier multiplies the 10-limb
    /// digest with it.
    #[inline(never)]
    pub(crate) fn short_mul(&self, h: &[u32], k: &[u32], out: &mut [u32]) {
        let len = self.limb_count();
        let short = h.len();
        assert!(short <= len.min(SHORT_MAX_LIMBS) && k.len() == len && out.len() == len);
        // Column sums of h·k, then of m·n as the reduction digits m are chosen: each column adds
        // at most 2H products below 2^56 to a carry below 2^37, far from overflowing.
        let mut columns = [0u64; MAX_LIMBS + SHORT_MAX_LIMBS];
        // (Rows as zipped slices: no bounds check inside them, and LLVM vectorises them.)
        for (i, &x) in h.iter().enumerate() {
            for (column, &y) in columns[i..i + len].iter_mut().zip(k) {
                *column += u64::from(x) * u64::from(y);
            }
        }
        let mut carry = 0u64;
        for i in 0..short {
            let total = columns[i] + carry;
            let m_i = (total as u32).wrapping_mul(self.n_neg_inv) & LIMB_MASK;
            for (column, &n_j) in columns[i + 1..i + len].iter_mut().zip(&self.n[1..len]) {
                *column += u64::from(m_i) * u64::from(n_j);
            }
            let total = total + u64::from(m_i) * u64::from(self.n[0]);
            debug_assert_eq!(total as u32 & LIMB_MASK, 0);
            carry = total >> LIMB_BITS;
        }
        // (h·k + m·n) / 2^(28·H) < (2^(28·H)·n + 2^(28·H)·n) / 2^(28·H) = 2n < R: L limbs hold it.
        for (c, limb) in out.iter_mut().enumerate() {
            let total = columns[short + c] + carry;
            *limb = total as u32 & LIMB_MASK;
            carry = total >> LIMB_BITS;
        }
        debug_assert_eq!(carry, 0);
    }

    // The multiplications index whole padded arrays with explicit offsets instead of slicing
    // them, and use no iterator adapters: the release profile optimises for size, and at that
    // level neither is inlined, which would put function calls inside the hot loops.
    //
    // Columns go in blocks of four, k..k + 4 for k = 0, 4, 8, .., so the kernel can share loads
    // between them (see `dot_product`). Columns 2L - 1 and beyond do not exist in the product;
    // their sums read only padding and are zero, and closing them stores the last carry as the
    // top limb and zeros into the padding.

    /// `out = a·b·R^-1 mod n`, below `2n` for `a, b < 2n`.
    #[inline(always)]
    pub(crate) fn mul_with<D: DotProduct>(&self, a: &Padded, b: &Padded, out: &mut Padded) {
        let len = self.limb_count();
        let b_reversed = reversed(b, len);
        let mut m = Padded::zero();
        let mut carry = 0;
        let mut k = 0;
        while k < 2 * len {
            // j runs over all four columns' ranges; each column's extra terms read padding, or
            // m[k..k + 4], which are still zero because they are chosen after the sums.
            let (at, quads) = widened(k.saturating_sub(len - 1), (k + 4).min(len));
            let reversed_at = at + len - (k + 4);
            let ab = D::columns(&Window { x: &a.0, x_at: at, y: &b_reversed.0, y_at: reversed_at, quads });
            let mn = D::columns(&Window { x: &m.0, x_at: at, y: &self.n_reversed.0, y_at: reversed_at, quads });
            carry = self.close_block(k, ab, mn, carry, &mut m, out);
            k += 4;
        }
    }

    /// `out = a²·R^-1 mod n`, below `2n` for `a < 2n`, with a chosen dot-product kernel.
    ///
    /// Column `c` of `a²` is `2·Σ a[j]·a[c-j]` over `j < c - j`, plus `a[c/2]²` for even `c`,
    /// which computes each cross product once instead of twice.
    #[inline(always)]
    pub(crate) fn square_with<D: DotProduct>(&self, a: &Padded, out: &mut Padded) {
        let len = self.limb_count();
        let a_reversed = reversed(a, len);
        let mut m = Padded::zero();
        let mut carry = 0;
        let mut k = 0;
        while k < 2 * len {
            // All four columns are summed over j <= h + 1, with h = k/2. Column k + 3 owns
            // exactly those terms; the others also get terms beyond their middle, which are
            // known single products and are taken off again below.
            let h = k / 2;
            let (at, quads) = widened(k.saturating_sub(len - 1), h + 2);
            let reversed_at = at + len - (k + 4);
            let sums = D::columns(&Window { x: &a.0, x_at: at, y: &a_reversed.0, y_at: reversed_at, quads });
            // a[h - 1] is front padding when k = 0. (No closure or `array::map` in this code:
            // at opt-level "z" they become calls.)
            let below = u64::from(a.0[PAD + h - 1]);
            let middle = u64::from(a.0[PAD + h]);
            let above = u64::from(a.0[PAD + h + 1]);
            let ab = [
                // Extra: a[h]·a[h] once and a[h+1]·a[h-1] (a cross term, counted twice).
                2 * sums[0] - middle * middle - 2 * above * below,
                // Extra: a[h+1]·a[h], a cross term.
                2 * sums[1] - 2 * middle * above,
                // Extra: a[h+1]·a[h+1], the middle term, once.
                2 * sums[2] - above * above,
                2 * sums[3],
            ];

            let (at, quads) = widened(k.saturating_sub(len - 1), (k + 4).min(len));
            let reversed_at = at + len - (k + 4);
            let mn = D::columns(&Window { x: &m.0, x_at: at, y: &self.n_reversed.0, y_at: reversed_at, quads });
            carry = self.close_block(k, ab, mn, carry, &mut m, out);
            k += 4;
        }
    }

    /// Finishes columns `k..k + 4` from their product and reduction sums, in order: a low
    /// column (`< L`) gets its reduction digit `m` chosen so it vanishes modulo 2^28, a high one
    /// gives a limb of the result. Returns the carry into column `k + 4`.
    #[inline(always)]
    fn close_block(
        &self,
        k: usize,
        ab: [u64; 4],
        mut mn: [u64; 4],
        carry: u64,
        m: &mut Padded,
        out: &mut Padded,
    ) -> u64 {
        let n =
            [u64::from(self.n_low[0]), u64::from(self.n_low[1]), u64::from(self.n_low[2]), u64::from(self.n_low[3])];
        // Each digit m[c] chosen here was zero when the later columns' sums were taken, so its
        // products m[c]·n[1..] are added to them now.
        let (m0, carry) = self.close_column(k, ab[0], mn[0], carry, m, out);
        mn[1] += m0 * n[1];
        mn[2] += m0 * n[2];
        mn[3] += m0 * n[3];
        let (m1, carry) = self.close_column(k + 1, ab[1], mn[1], carry, m, out);
        mn[2] += m1 * n[1];
        mn[3] += m1 * n[2];
        let (m2, carry) = self.close_column(k + 2, ab[2], mn[2], carry, m, out);
        mn[3] += m2 * n[1];
        let (_, carry) = self.close_column(k + 3, ab[3], mn[3], carry, m, out);
        // The result is below 2n < R, so nothing is left over after the top limb.
        debug_assert!(k + 4 < 2 * self.limb_count() || carry == 0);
        carry
    }

    /// Finishes column `c`; returns its reduction digit (zero for a high column, which has
    /// none) and the carry into column `c + 1`.
    #[inline(always)]
    fn close_column(&self, c: usize, ab: u64, mn: u64, carry: u64, m: &mut Padded, out: &mut Padded) -> (u64, u64) {
        let len = self.limb_count();
        if c < len {
            let (m_c, carry) = self.close_low_column(ab, mn, carry);
            m.0[PAD + c] = m_c;
            (u64::from(m_c), carry)
        } else {
            let (limb, carry) = close_high_column(ab, mn, carry);
            out.0[PAD + c - len] = limb;
            (0, carry)
        }
    }

    /// Picks `m[k]` so that a low column vanishes modulo 2^28; returns it and the carry into
    /// the next column.
    #[inline(always)]
    fn close_low_column(&self, ab: u64, mn: u64, carry: u64) -> (u32, u64) {
        let (total, overflow) = column_total(ab, mn, carry);
        let m_k = (total as u32).wrapping_mul(self.n_neg_inv) & LIMB_MASK;
        let (total, overflow_again) = total.overflowing_add(u64::from(m_k) * u64::from(self.n_low[0]));
        debug_assert_eq!(total as u32 & LIMB_MASK, 0);
        let overflow = overflow + u64::from(overflow_again);
        (m_k, (total >> LIMB_BITS) + (overflow << (64 - LIMB_BITS)))
    }

    /// `R^2 mod n = 2^(56L) mod n`, by long division one limb at a time: start from the power
    /// of 2^28 just below `n` and multiply by 2^28 modulo `n` until the exponent is `56L`. Each
    /// step costs about one limb-by-number multiplication, so this is cheaper than reaching `R^2`
    /// through Montgomery squarings.
    fn compute_r_squared(&self, bits: usize) -> Padded {
        let len = self.limb_count();
        let start = (bits - 1) / LIMB_BITS as usize;
        let mut x = Padded::zero();
        x.0[PAD + start] = 1;
        for _ in start..2 * len {
            limbs::shift_limb_mod(x.limbs_mut(len), &self.n, bits);
        }
        x
    }
}

/// The limbs of `x` in reverse order, so column sums read both operands forwards.
#[inline(always)]
fn reversed(x: &Padded, len: usize) -> Padded {
    let mut reversed = Padded::zero();
    for i in 0..len {
        reversed.0[PAD + i] = x.0[PAD + len - 1 - i];
    }
    reversed
}

/// The limb range `first..end` widened downwards to whole groups of four, as the start index
/// in a padded array and the number of groups. Widening reaches at most three limbs into the
/// front padding.
#[inline(always)]
fn widened(first: usize, end: usize) -> (usize, usize) {
    let quads = (end - first).div_ceil(4);
    (PAD + end - 4 * quads, quads)
}

/// The column total `ab + mn + carry` as its low 64 bits and the bit above them: with up to
/// 147 limbs a total can pass 2^64 (2·147 products below 2^56), though each part cannot.
/// (u128 arithmetic costs about twice as much on wasm.)
#[inline(always)]
fn column_total(ab: u64, mn: u64, carry: u64) -> (u64, u64) {
    // ab < 147·2^56 and carry < 2^37, so only the second addition can overflow.
    let (total, overflow) = (ab + carry).overflowing_add(mn);
    (total, u64::from(overflow))
}

/// The low limb of a high column `k >= L`, which is limb `k - L` of the result, and the carry.
#[inline(always)]
fn close_high_column(ab: u64, mn: u64, carry: u64) -> (u32, u64) {
    let (total, overflow) = column_total(ab, mn, carry);
    (total as u32 & LIMB_MASK, (total >> LIMB_BITS) + (overflow << (64 - LIMB_BITS)))
}

/// `-x^-1 mod 2^28` for odd `x`, by Newton's iteration: each step doubles the correct low bits,
/// starting from 3 because every odd `x` is its own inverse modulo 8.
fn neg_inverse_mod_limb(x: u32) -> u32 {
    let mut inverse = x;
    for _ in 0..4 {
        inverse = inverse.wrapping_mul(2u32.wrapping_sub(x.wrapping_mul(inverse)));
    }
    inverse.wrapping_neg() & LIMB_MASK
}

#[cfg(test)]
mod tests {
    use super::super::dot_product::tests::XorShift;
    use super::super::dot_product::{Fastest, Portable};
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A random odd modulus of exactly `bits` bits, in limbs.
    pub(super) fn random_odd_modulus(rng: &mut XorShift, bits: usize) -> Vec<u32> {
        let mut bytes: Vec<u8> = (0..bits.div_ceil(8)).map(|_| rng.next_u64() as u8).collect();
        let top_bits = bits - 8 * (bytes.len() - 1);
        bytes[0] = (bytes[0] >> (8 - top_bits)) | (1 << (top_bits - 1));
        *bytes.last_mut().unwrap() |= 1;
        let mut n = vec![0u32; limbs_for_modulus_bits(bits)];
        assert!(limbs::from_be_bytes(&bytes, &mut n));
        n
    }

    fn add(a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut carry = 0;
        let sum = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| {
                let total = x + y + carry;
                carry = total >> LIMB_BITS;
                total & LIMB_MASK
            })
            .collect();
        assert_eq!(carry, 0);
        sum
    }

    /// A random value below `2n`, the range the lazy reduction allows for operands.
    fn random_below_twice(rng: &mut XorShift, n: &[u32]) -> Vec<u32> {
        // n's top limb may be zero (e.g. 3583 bits in 129 limbs); below n's top non-zero limb
        // the value may be anything, at it the value must be smaller, above it zero.
        let top = n.iter().rposition(|&limb| limb != 0).unwrap();
        let mut value: Vec<u32> = (0..n.len()).map(|_| rng.limb()).collect();
        value[top] %= n[top];
        value[top + 1..].fill(0);
        if rng.next_u64() & 1 == 1 {
            value = add(&value, n);
        }
        value
    }

    /// Textbook Montgomery reduction in operand-scanning order (full product first, then one
    /// row of `m·n` per limb with immediate carries), sharing nothing with the kernel under test.
    pub(super) fn schoolbook_montgomery_mul(a: &[u32], b: &[u32], n: &[u32]) -> Vec<u32> {
        let n_neg_inv = neg_inverse_mod_limb(n[0]);
        let len = n.len();
        let mut t = vec![0u64; 2 * len + 1];
        for (i, &x) in a.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &y) in b.iter().enumerate() {
                let v = t[i + j] + u64::from(x) * u64::from(y) + carry;
                t[i + j] = v & u64::from(LIMB_MASK);
                carry = v >> LIMB_BITS;
            }
            t[i + len] += carry;
        }
        for i in 0..len {
            let m = (t[i] as u32).wrapping_mul(n_neg_inv) & LIMB_MASK;
            let mut carry = 0u64;
            for (j, &y) in n.iter().enumerate() {
                let v = t[i + j] + u64::from(m) * u64::from(y) + carry;
                t[i + j] = v & u64::from(LIMB_MASK);
                carry = v >> LIMB_BITS;
            }
            let mut k = i + len;
            while carry != 0 {
                let v = t[k] + carry;
                t[k] = v & u64::from(LIMB_MASK);
                carry = v >> LIMB_BITS;
                k += 1;
            }
        }
        assert_eq!(t[2 * len], 0);
        t[len..2 * len].iter().map(|&v| v as u32).collect()
    }

    fn padding_is_zero(x: &Padded, len: usize) -> bool {
        x.0[..PAD].iter().chain(&x.0[PAD + len..]).all(|&limb| limb == 0)
    }

    fn agrees_with_schoolbook<D: DotProduct>() {
        let mut rng = XorShift(0x1234_5678_9abc_def1);
        for bits in [2048, 2050, 3072, 3583, 4096] {
            let n = random_odd_modulus(&mut rng, bits);
            let modulus = MontgomeryModulus::new(n.clone(), bits);
            let len = n.len();
            let mut n_minus_one = n.clone();
            n_minus_one[0] -= 1;
            let two_n_minus_one = add(&n, &n_minus_one);
            let zero = vec![0; len];
            for case in 0..12 {
                // Operands anywhere below 2n, plus the extremes.
                let (a, b) = match case {
                    0 => (two_n_minus_one.clone(), two_n_minus_one.clone()),
                    1 => (zero.clone(), two_n_minus_one.clone()),
                    2 => (n_minus_one.clone(), n.clone()),
                    _ => (random_below_twice(&mut rng, &n), random_below_twice(&mut rng, &n)),
                };
                let (a_padded, b_padded) = (Padded::from_limbs(&a), Padded::from_limbs(&b));

                let mut product = Padded::zero();
                modulus.mul_with::<D>(&a_padded, &b_padded, &mut product);
                assert!(padding_is_zero(&product, len));
                let expected = schoolbook_montgomery_mul(&a, &b, &n);
                assert_eq!(product.limbs(len), expected, "{bits} bits, case {case}");

                let mut square = Padded::zero();
                modulus.square_with::<D>(&a_padded, &mut square);
                assert!(padding_is_zero(&square, len));
                let expected = schoolbook_montgomery_mul(&a, &a, &n);
                assert_eq!(square.limbs(len), expected, "{bits} bits, case {case}, squaring");
            }
        }
    }

    #[test]
    fn the_portable_kernel_agrees_with_schoolbook_montgomery_multiplication() {
        agrees_with_schoolbook::<Portable>();
    }

    /// On wasm with SIMD128 this is the SIMD kernel; natively it repeats the portable one.
    #[test]
    fn the_kernel_in_use_agrees_with_schoolbook_montgomery_multiplication() {
        agrees_with_schoolbook::<Fastest>();
    }

    #[test]
    fn the_kernel_in_use_and_the_portable_one_give_the_same_powers() {
        let mut rng = XorShift(5);
        for bits in [2048, 3072, 4096] {
            let n = random_odd_modulus(&mut rng, bits);
            let modulus = MontgomeryModulus::new(n.clone(), bits);
            let mut s: Vec<u32> = (0..n.len()).map(|_| rng.limb()).collect();
            // n's top limb is non-zero for these sizes, so this keeps s below n.
            s[n.len() - 1] %= n[n.len() - 1];
            let (mut portable, mut fastest) = (vec![0; n.len()], vec![0; n.len()]);
            modulus.pow_65537_with::<Portable>(&s, &mut portable);
            modulus.pow_65537_with::<Fastest>(&s, &mut fastest);
            assert_eq!(portable, fastest, "{bits} bits");
            modulus.pow_65537_scaled_with::<Portable>(&s, &mut portable);
            modulus.pow_65537_scaled_with::<Fastest>(&s, &mut fastest);
            assert_eq!(portable, fastest, "{bits} bits, scaled");
        }
    }

    #[test]
    fn the_negated_inverse_cancels_the_low_limb() {
        let mut rng = XorShift(7);
        for _ in 0..1000 {
            let x = (rng.next_u64() as u32) | 1;
            assert_eq!(x.wrapping_mul(neg_inverse_mod_limb(x)) & LIMB_MASK, LIMB_MASK);
        }
    }

    #[test]
    fn limb_counts_leave_room_for_four_times_the_modulus() {
        assert_eq!(limbs_for_modulus_bits(2048), 74);
        assert_eq!(limbs_for_modulus_bits(3072), 110);
        assert_eq!(MAX_LIMBS, 147);
        for bits in 2048..=4096 {
            assert!(limbs_for_modulus_bits(bits) * LIMB_BITS as usize >= bits + 2);
        }
    }
}

// Checked against `rsa`'s big integers, which are only a dependency natively.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod big_integer_tests {
    use super::super::dot_product::tests::XorShift;
    use super::tests::random_odd_modulus;
    use super::*;
    use rsa::BigUint;

    fn to_biguint(limbs: &[u32]) -> BigUint {
        let mut bytes = vec![0u8; limbs.len() * 4];
        limbs::to_be_bytes(limbs, &mut bytes);
        BigUint::from_bytes_be(&bytes)
    }

    fn from_biguint(value: &BigUint, len: usize) -> Vec<u32> {
        let mut out = vec![0u32; len];
        assert!(limbs::from_be_bytes(&value.to_bytes_be(), &mut out));
        out
    }

    fn random_below(rng: &mut XorShift, bound: &BigUint) -> BigUint {
        let bytes: Vec<u8> = (0..bound.bits().div_ceil(8) + 8).map(|_| rng.next_u64() as u8).collect();
        BigUint::from_bytes_be(&bytes) % bound
    }

    /// A random odd modulus of `bits` bits, as the arithmetic keeps it and as a big integer.
    fn random_modulus(rng: &mut XorShift, bits: usize) -> (MontgomeryModulus, BigUint) {
        let n = random_odd_modulus(rng, bits);
        let n_big = to_biguint(&n);
        (MontgomeryModulus::new(n, bits), n_big)
    }

    /// 2^(28·limbs): R for a modulus of `limbs` limbs, one past the largest number they hold.
    fn limb_power(limbs: usize) -> BigUint {
        BigUint::from(1u32) << (LIMB_BITS as usize * limbs)
    }

    #[test]
    fn r_squared_matches_big_integer_arithmetic() {
        let mut rng = XorShift(11);
        for bits in [2048, 2072, 2073, 2100, 3072, 4096] {
            let (modulus, n_big) = random_modulus(&mut rng, bits);
            let r = limb_power(modulus.limb_count());
            let r_squared = to_biguint(modulus.r_squared.limbs(modulus.limb_count()));
            assert_eq!(r_squared, (&r * &r) % &n_big, "{bits} bits");
        }
    }

    /// The Montgomery product (`mul_with`, times R) and the plain one (`mul_mod`, for the per-key
    /// constants) of the same operands, both against big integers.
    #[test]
    fn a_montgomery_product_times_r_and_the_plain_product_match_big_integer_arithmetic() {
        let mut rng = XorShift(0x5eed);
        for bits in [2048, 3072, 3583, 4096] {
            let (modulus, n_big) = random_modulus(&mut rng, bits);
            let len = modulus.limb_count();
            let r = limb_power(len);
            let two_n = &n_big * 2u32;
            for _ in 0..10 {
                let (a, b) = (random_below(&mut rng, &two_n), random_below(&mut rng, &two_n));
                let a_padded = Padded::from_limbs(&from_biguint(&a, len));
                let b_padded = Padded::from_limbs(&from_biguint(&b, len));
                let mut product = Padded::zero();
                modulus.mul_with::<Fastest>(&a_padded, &b_padded, &mut product);
                let product = to_biguint(product.limbs(len));
                assert!(product < two_n);
                assert_eq!((product * &r) % &n_big, (&a * &b) % &n_big);
                let mut plain = vec![0u32; len];
                modulus.mul_mod(&from_biguint(&a, len), &from_biguint(&b, len), &mut plain);
                assert_eq!(to_biguint(&plain), (&a * &b) % &n_big, "{bits} bits, plain");
            }
        }
    }

    #[test]
    fn both_exponentiations_match_big_integer_exponentiation() {
        let mut rng = XorShift(99);
        for bits in [2048, 2049, 3072, 4095, 4096] {
            let (modulus, n_big) = random_modulus(&mut rng, bits);
            let r = limb_power(modulus.limb_count());
            // The scaled result is s^65537·R^-65536: times R^65536 it is the plain power.
            let unscale = r.modpow(&BigUint::from(65536u32), &n_big);
            for case in 0..4 {
                let s = match case {
                    0 => &n_big - 1u32,
                    1 => BigUint::from(0u32),
                    2 => BigUint::from(1u32),
                    _ => random_below(&mut rng, &n_big),
                };
                let expected = s.modpow(&BigUint::from(65537u32), &n_big);
                let s = from_biguint(&s, modulus.limb_count());
                let (mut plain, mut scaled) = (vec![0u32; modulus.limb_count()], vec![0u32; modulus.limb_count()]);
                modulus.pow_65537(&s, &mut plain);
                modulus.pow_65537_scaled(&s, &mut scaled);
                assert_eq!(to_biguint(&plain), expected, "{bits} bits");
                let scaled = to_biguint(&scaled);
                assert!(scaled < n_big, "{bits} bits: fully reduced");
                assert_eq!((scaled * &unscale) % &n_big, expected, "{bits} bits, scaled");
            }
        }
    }

    #[test]
    fn the_short_product_divides_by_its_own_length() {
        let mut rng = XorShift(17);
        for bits in [2048, 2073, 3072, 4096] {
            let (modulus, n_big) = random_modulus(&mut rng, bits);
            let len = modulus.limb_count();
            for short in [1, 10, SHORT_MAX_LIMBS] {
                let divisor = limb_power(short);
                for case in 0..6 {
                    // The extremes (the largest h with k = n - 1), then random operands.
                    let h = match case {
                        0 => &divisor - 1u32,
                        _ => random_below(&mut rng, &divisor),
                    };
                    let k = match case {
                        0 => &n_big - 1u32,
                        _ => random_below(&mut rng, &n_big),
                    };
                    let mut out = vec![0u32; len];
                    modulus.short_mul(&from_biguint(&h, short), &from_biguint(&k, len), &mut out);
                    let out = to_biguint(&out);
                    assert!(out < &n_big * 2u32, "{bits} bits, {short} limbs: below 2n");
                    assert_eq!((out * &divisor) % &n_big, (&h * &k) % &n_big, "{bits} bits, {short} limbs");
                }
            }
        }
    }
}
