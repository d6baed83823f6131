//! Numbers as little-endian arrays of 28-bit limbs held in `u32`s.
//!
//! 28 bits rather than 32 leave headroom: a product of two limbs is below 2^56, so a
//! multiplication column can add up 256 of them in a `u64` before carrying (see `montgomery`).
//! The helpers here are the linear-time operations around the multiplications: conversion to and
//! from big-endian bytes, comparison, addition, subtraction, and multiplication by 2^28 modulo `n`.

use core::cmp::Ordering;

/// Bits per limb.
pub(crate) const LIMB_BITS: u32 = 28;

/// Mask of the low [`LIMB_BITS`] bits.
pub(crate) const LIMB_MASK: u32 = (1 << LIMB_BITS) - 1;

/// Writes the big-endian `bytes` into `out` as limbs, zero-filling the high limbs.
///
/// Returns `false` (with `out` holding the value truncated) when the value does not fit.
pub(crate) fn from_be_bytes(bytes: &[u8], out: &mut [u32]) -> bool {
    out.fill(0);
    let mut fits = true;
    let mut pending: u64 = 0;
    let mut pending_bits = 0;
    let mut index = 0;
    for &byte in bytes.iter().rev() {
        pending |= u64::from(byte) << pending_bits;
        pending_bits += 8;
        if pending_bits >= LIMB_BITS {
            let limb = pending as u32 & LIMB_MASK;
            match out.get_mut(index) {
                Some(slot) => *slot = limb,
                None => fits &= limb == 0,
            }
            index += 1;
            pending >>= LIMB_BITS;
            pending_bits -= LIMB_BITS;
        }
    }
    match out.get_mut(index) {
        Some(slot) => *slot = pending as u32,
        None => fits &= pending == 0,
    }
    fits
}

/// Writes `limbs` as big-endian bytes filling all of `out`; bits that do not fit are dropped.
pub(crate) fn to_be_bytes(limbs: &[u32], out: &mut [u8]) {
    let mut pending: u64 = 0;
    let mut pending_bits = 0;
    let mut limbs = limbs.iter();
    for slot in out.iter_mut().rev() {
        if pending_bits < 8 {
            let next = limbs.next().copied().unwrap_or(0);
            pending |= u64::from(next) << pending_bits;
            pending_bits += LIMB_BITS;
        }
        *slot = pending as u8;
        pending >>= 8;
        pending_bits -= 8;
    }
}

/// Compares two numbers of the same limb count.
pub(crate) fn compare(a: &[u32], b: &[u32]) -> Ordering {
    debug_assert_eq!(a.len(), b.len());
    a.iter().rev().cmp(b.iter().rev())
}

/// `a -= b`, returning the borrow out of the top limb (1 when `b > a`).
pub(crate) fn sub_assign(a: &mut [u32], b: &[u32]) -> u32 {
    debug_assert_eq!(a.len(), b.len());
    let mut borrow = 0;
    for (x, &y) in a.iter_mut().zip(b) {
        let diff = x.wrapping_sub(y).wrapping_sub(borrow);
        // Limbs are below 2^28, so a negative difference wraps to a u32 with its top bit set.
        borrow = diff >> 31;
        *x = diff & LIMB_MASK;
    }
    borrow
}

/// `a += b`, for a sum that fits the limbs (no carry out of the top limb).
pub(crate) fn add_assign(a: &mut [u32], b: &[u32]) {
    debug_assert_eq!(a.len(), b.len());
    let mut carry = 0;
    for (x, &y) in a.iter_mut().zip(b) {
        let sum = *x + y + carry;
        carry = sum >> LIMB_BITS;
        *x = sum & LIMB_MASK;
    }
    debug_assert_eq!(carry, 0);
}

/// Subtracts `n` from `a` when `a >= n`, so that a value below `2n` ends up below `n`.
pub(crate) fn reduce_once(a: &mut [u32], n: &[u32]) {
    if compare(a, n) != Ordering::Less {
        sub_assign(a, n);
    }
}

/// `x = x·2^28 mod n` for `x < n`, where `n` has `bits` significant bits (at least 64): one step
/// of long division.
pub(crate) fn shift_limb_mod(x: &mut [u32], n: &[u32], bits: usize) {
    let len = x.len();
    assert!(n.len() == len && bits >= 64);

    // The quotient q = ⌊y/n⌋ < 2^28 of y = x·2^28 is estimated from the top bits. With
    // t = bits - 32, n's top n_top = ⌊n/2^t⌋ has 32 bits and y's top y_top = ⌊y/2^t⌋ < 2^60 (as
    // y < n·2^28). Then q_est = ⌊y_top/(n_top + 1)⌋ <= y/n < (y_top + 1)/n_top < q_est + 2,
    // because the two bounds differ by (y_top + n_top + 1)/(n_top·(n_top + 1)) < 1; so
    // q_est <= q <= q_est + 1.
    let t = bits - 32;
    let n_top = bits_from(n, t) & 0xffff_ffff;
    // Bits t.. of y are bits t - 28.. of x.
    let estimate = bits_from(x, t - LIMB_BITS as usize) / (n_top + 1);

    // x = y - q_est·n in place: limb i of y is limb i - 1 of x. The carry is signed.
    let mut carry: i64 = 0;
    let mut below = 0;
    for i in 0..len {
        let limb = x[i];
        let v = i64::from(below) - (estimate * u64::from(n[i])) as i64 + carry;
        x[i] = v as u32 & LIMB_MASK;
        carry = v >> LIMB_BITS;
        below = limb;
    }
    let top = i64::from(below) + carry;

    // Now 0 <= y - q_est·n < 2n: at most one subtraction of n remains, needed when the value is
    // at least n, which includes one that reaches into limb L (2n can pass 2^(28L) when n
    // uses every bit of its limbs; the subtraction's borrow then clears that limb).
    debug_assert!(top == 0 || top == 1);
    if top != 0 || compare(x, n) != Ordering::Less {
        sub_assign(x, n);
    }
}

/// Bits `t..t + 64` of the number in `limbs` (zero beyond its end).
fn bits_from(limbs: &[u32], t: usize) -> u64 {
    let (first, shift) = (t / LIMB_BITS as usize, t % LIMB_BITS as usize);
    let mut window: u128 = 0;
    for i in (0..4).rev() {
        let limb = limbs.get(first + i).copied().unwrap_or(0);
        window = (window << LIMB_BITS) | u128::from(limb);
    }
    (window >> shift) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn bytes_round_trip_through_limbs() {
        let bytes: Vec<u8> = (0..=255u8).map(|b| b.wrapping_mul(157).wrapping_add(3)).collect();
        let mut limbs = [0u32; 74];
        assert!(from_be_bytes(&bytes, &mut limbs));
        assert!(limbs.iter().all(|&l| l <= LIMB_MASK));
        let mut back = [0u8; 256];
        to_be_bytes(&limbs, &mut back);
        assert_eq!(back.as_slice(), bytes.as_slice());
    }

    #[test]
    fn limbs_hold_the_low_bits_first() {
        let mut limbs = [0u32; 3];
        assert!(from_be_bytes(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef], &mut limbs));
        let value: u64 = 0x0123_4567_89ab_cdef;
        assert_eq!(limbs[0], (value & 0x0fff_ffff) as u32);
        assert_eq!(limbs[1], ((value >> 28) & 0x0fff_ffff) as u32);
        assert_eq!(limbs[2], (value >> 56) as u32);
    }

    #[test]
    fn leading_zero_bytes_do_not_change_the_value() {
        let mut a = [0u32; 2];
        let mut b = [0u32; 2];
        assert!(from_be_bytes(&[0xff, 0xee], &mut a));
        assert!(from_be_bytes(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xee], &mut b));
        assert_eq!(a, b);
    }

    #[test]
    fn a_value_wider_than_the_limbs_is_reported() {
        let mut limbs = [0u32; 1];
        assert!(from_be_bytes(&[0x0f, 0xff, 0xff, 0xff], &mut limbs));
        assert!(!from_be_bytes(&[0x1f, 0xff, 0xff, 0xff], &mut limbs));
        assert!(!from_be_bytes(&[0x01, 0, 0, 0, 0], &mut limbs));
    }

    #[test]
    fn comparison_looks_at_the_most_significant_limb_first() {
        assert_eq!(compare(&[5, 1], &[0, 2]), Ordering::Less);
        assert_eq!(compare(&[5, 2], &[0, 2]), Ordering::Greater);
        assert_eq!(compare(&[5, 2], &[5, 2]), Ordering::Equal);
    }

    #[test]
    fn addition_carries_across_limbs() {
        let mut a = [LIMB_MASK, 0];
        add_assign(&mut a, &[1, 0]);
        assert_eq!(a, [0, 1]);
        add_assign(&mut a, &[LIMB_MASK, 2]);
        assert_eq!(a, [LIMB_MASK, 3]);
    }

    #[test]
    fn subtraction_borrows_across_limbs() {
        let mut a = [0, 1];
        assert_eq!(sub_assign(&mut a, &[1, 0]), 0);
        assert_eq!(a, [LIMB_MASK, 0]);
        assert_eq!(sub_assign(&mut a, &[0, 1]), 1);
    }

    #[test]
    fn shifting_by_a_limb_reduces_modulo_n() {
        // 3-limb moduli of 80 to 84 bits, checked against u128 arithmetic.
        let mut state = 0x1234_5678_9abc_def0_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for bits in [80usize, 83, 84] {
            for _ in 0..200 {
                let n_value = (u128::from(next()) << 64 | u128::from(next())) >> (128 - bits) | (1 << (bits - 1)) | 1;
                let x_value = (u128::from(next()) << 64 | u128::from(next())) % n_value;
                let to_limbs =
                    |value: u128| -> Vec<u32> { (0..3).map(|i| (value >> (28 * i)) as u32 & LIMB_MASK).collect() };
                let (n, mut x) = (to_limbs(n_value), to_limbs(x_value));
                shift_limb_mod(&mut x, &n, bits);
                assert_eq!(x, to_limbs((x_value << 28) % n_value), "{bits} bits");
            }
        }
    }
}
