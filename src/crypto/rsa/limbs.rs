//! Numbers as little-endian arrays of 28-bit limbs held in `u32`s.
//!
//! 28 bits rather than 32 leave headroom: a product of two limbs is below 2^56, so a
//! multiplication column can add up 256 of them in a `u64` before carrying (see `montgomery`).
//! The helpers here are the cheap linear-time operations around the multiplications: conversion
//! to and from big-endian bytes, comparison, subtraction and modular doubling.

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

/// Subtracts `n` from `a` when `a >= n`, so that a value below `2n` ends up below `n`.
pub(crate) fn reduce_once(a: &mut [u32], n: &[u32]) {
    if compare(a, n) != Ordering::Less {
        sub_assign(a, n);
    }
}

/// `a = 2a mod n` for `a < n`.
pub(crate) fn double_mod(a: &mut [u32], n: &[u32]) {
    let mut carry = 0;
    for limb in a.iter_mut() {
        let doubled = (*limb << 1) | carry;
        carry = doubled >> LIMB_BITS;
        *limb = doubled & LIMB_MASK;
    }
    // 2a < 2n, so one subtraction is enough; a carry out of the top limb means 2a exceeds the
    // limb width and therefore also n.
    if carry != 0 || compare(a, n) != Ordering::Less {
        sub_assign(a, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn bytes_round_trip_through_limbs() {
        let bytes: Vec<u8> = (0..=255u8)
            .map(|b| b.wrapping_mul(157).wrapping_add(3))
            .collect();
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
        assert!(from_be_bytes(
            &[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
            &mut limbs
        ));
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
    fn subtraction_borrows_across_limbs() {
        let mut a = [0, 1];
        assert_eq!(sub_assign(&mut a, &[1, 0]), 0);
        assert_eq!(a, [LIMB_MASK, 0]);
        assert_eq!(sub_assign(&mut a, &[0, 1]), 1);
    }

    #[test]
    fn doubling_wraps_around_the_modulus() {
        let n = [7, 0];
        let mut a = [5, 0];
        double_mod(&mut a, &n);
        assert_eq!(a, [3, 0]);
        let n = [1, 1 << 27];
        let mut a = [0, 1 << 27];
        double_mod(&mut a, &n);
        assert_eq!(compare(&a, &n), Ordering::Less);
        // 2 * 2^55 - (2^55 + 1) = 2^55 - 1
        assert_eq!(a, [LIMB_MASK, (1 << 27) - 1]);
    }
}
