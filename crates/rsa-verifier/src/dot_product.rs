//! The one hot loop of the verifier: dot products of 28-bit limbs into `u64`s.
//!
//! Montgomery multiplication (see `montgomery`) is written as column sums, each a dot product of
//! one operand with a reversed copy of the other. Four neighbouring columns read the same range
//! of the first operand and the reversed one shifted by one limb per column, so the kernel
//! computes them together: every limb of `x` loaded serves four columns, and the per-call
//! overhead is paid once per four. Keeping the kernel this small lets a SIMD version replace it
//! without touching the arithmetic around it.
//!
//! Callers guarantee each true sum is below 2^64 (at most 256 products of 28-bit limbs), so the
//! lanes of the SIMD version may be added with wrapping arithmetic and still give exact sums.
//!
//! Ranges are a start index per slice and a length in groups of four limbs, not subslices: the
//! release profile optimises for size, and at that level range slicing becomes a function call
//! per slice, a real cost in a kernel called thousands of times per verification. Whole groups
//! of four (callers pad with zeros, see `montgomery::Padded`) mean no tail loop.

/// Sums for four neighbouring columns `k, k + 1, k + 2, k + 3`.
pub(crate) type ColumnSums = [u64; 4];

/// One dot-product range: `x[x_at..]` against `y[y_at + 3 - c..]` for column `k + c`, over
/// `4·quads` limbs.
pub(crate) struct Window<'a> {
    pub(crate) x: &'a [u32],
    pub(crate) x_at: usize,
    pub(crate) y: &'a [u32],
    pub(crate) y_at: usize,
    pub(crate) quads: usize,
}

impl Window<'_> {
    /// Panics unless every limb the window reads, the shifted ones included, is in bounds.
    #[inline(always)]
    fn check(&self) {
        let len = 4 * self.quads;
        assert!(self.x_at + len <= self.x.len() && self.y_at + len + 3 <= self.y.len());
    }
}

/// A way to compute the sums of four neighbouring columns over a window.
pub(crate) trait DotProduct {
    /// Returns `Σ x[x_at + i]·y[y_at + 3 - c + i]` over `i < 4·quads` for `c = 0, 1, 2, 3`.
    fn columns(window: &Window) -> ColumnSums;
}

/// Plain Rust, compiled and tested on every target (with SIMD128 only the tests use it, as the
/// reference for the SIMD kernel).
#[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
pub(crate) struct Portable;

impl DotProduct for Portable {
    #[inline(always)]
    fn columns(window: &Window) -> ColumnSums {
        window.check();
        let len = 4 * window.quads;
        // Cut once so the loop needs no bounds checks.
        let x = &window.x[window.x_at..window.x_at + len];
        let y = &window.y[window.y_at..window.y_at + len + 3];
        let mut sums = [0u64; 4];
        // Plain indexing rather than values carried between iterations, so that LLVM can
        // vectorise the loop at opt-level 3.
        for i in 0..len {
            let limb = u64::from(x[i]);
            sums[0] = sums[0].wrapping_add(limb * u64::from(y[i + 3]));
            sums[1] = sums[1].wrapping_add(limb * u64::from(y[i + 2]));
            sums[2] = sums[2].wrapping_add(limb * u64::from(y[i + 1]));
            sums[3] = sums[3].wrapping_add(limb * u64::from(y[i]));
        }
        sums
    }
}

/// wasm SIMD128: two 32×32→64 multiplies per instruction (`i64x2.extmul_{low,high}_i32x4_u`).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) struct Simd128;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl DotProduct for Simd128 {
    #[inline(always)]
    fn columns(window: &Window) -> ColumnSums {
        window.check();
        let x = window.x.as_ptr().wrapping_add(window.x_at);
        let y = window.y.as_ptr().wrapping_add(window.y_at);
        let mut sums = [simd::zero(); 4];
        for quad in 0..window.quads {
            // SAFETY: `check` keeps the reads of limbs `4·quad..4·quad + 4` from `x` and
            // `4·quad..4·quad + 7` from `y` inside their slices; wasm loads need no alignment.
            let (x, y0, y1, y2, y3) = unsafe {
                let (x, y) = (x.add(4 * quad), y.add(4 * quad));
                let x = simd::load(x);
                (x, simd::load(y), simd::load(y.add(1)), simd::load(y.add(2)), simd::load(y.add(3)))
            };
            sums[0] = simd::multiply_accumulate(sums[0], x, y3);
            sums[1] = simd::multiply_accumulate(sums[1], x, y2);
            sums[2] = simd::multiply_accumulate(sums[2], x, y1);
            sums[3] = simd::multiply_accumulate(sums[3], x, y0);
        }
        let (first, second) = (simd::lane_sums(sums[0], sums[1]), simd::lane_sums(sums[2], sums[3]));
        [first.0, first.1, second.0, second.1]
    }
}

/// Thin wrappers over the `core::arch::wasm32` intrinsics the kernel uses.
///
/// The loads take a raw pointer and are the only `unsafe` in the verifier. Building vectors from
/// four scalars instead would be safe, but LLVM then emits lane-by-lane loads that make the
/// kernel slower than the scalar one.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{
        i64x2_add, i64x2_extmul_high_u32x4, i64x2_extmul_low_u32x4, i64x2_extract_lane, i64x2_shuffle, i64x2_splat,
        v128, v128_load,
    };

    #[inline(always)]
    pub(super) fn zero() -> v128 {
        i64x2_splat(0)
    }

    /// The four limbs at `limbs`.
    ///
    /// # Safety
    /// The 16 bytes from `limbs` must be inside one live allocation.
    #[inline(always)]
    pub(super) unsafe fn load(limbs: *const u32) -> v128 {
        // SAFETY: guaranteed by the caller.
        unsafe { v128_load(limbs.cast::<v128>()) }
    }

    /// Adds the four products `a[i]·b[i]` into the two 64-bit lanes of `sums`.
    #[inline(always)]
    pub(super) fn multiply_accumulate(sums: v128, a: v128, b: v128) -> v128 {
        let sums = i64x2_add(sums, i64x2_extmul_low_u32x4(a, b));
        i64x2_add(sums, i64x2_extmul_high_u32x4(a, b))
    }

    /// The lane totals of two accumulators, added pairwise in one step.
    #[inline(always)]
    pub(super) fn lane_sums(a: v128, b: v128) -> (u64, u64) {
        let totals = i64x2_add(i64x2_shuffle::<0, 2>(a, b), i64x2_shuffle::<1, 3>(a, b));
        (i64x2_extract_lane::<0>(totals) as u64, i64x2_extract_lane::<1>(totals) as u64)
    }
}

/// The kernel the verifier uses on this target.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) type Fastest = Simd128;

/// The kernel the verifier uses on this target.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) type Fastest = Portable;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A small deterministic generator, so failures reproduce and no dependency is needed.
    pub(crate) struct XorShift(pub u64);

    impl XorShift {
        pub(crate) fn next_u64(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        pub(crate) fn limb(&mut self) -> u32 {
            (self.next_u64() >> 36) as u32
        }
    }

    fn schoolbook(x: &[u32], y: &[u32]) -> u64 {
        let sum: u128 = x.iter().zip(y).map(|(&a, &b)| u128::from(a) * u128::from(b)).sum();
        u64::try_from(sum).expect("test sums fit in 64 bits")
    }

    fn agrees_with_schoolbook<D: DotProduct>() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for quads in 0..=40 {
            let len = 4 * quads;
            let x: Vec<u32> = (0..len + 7).map(|_| rng.limb()).collect();
            let y: Vec<u32> = (0..len + 9).map(|_| rng.limb()).collect();
            let (x_at, y_at) = (quads % 8, quads % 6);
            let window = Window { x: &x, x_at, y: &y, y_at, quads };
            let x = &x[x_at..x_at + len];
            let expected: Vec<u64> = (0..4).map(|c| schoolbook(x, &y[y_at + 3 - c..y_at + 3 - c + len])).collect();
            assert_eq!(D::columns(&window).to_vec(), expected, "{quads} quads");
        }
        // The largest sums the Montgomery code can ask for: 148 products of the largest limbs.
        let top = vec![(1u32 << 28) - 1; 152];
        let expected = schoolbook(&top[..148], &top[..148]);
        let window = Window { x: &top, x_at: 0, y: &top, y_at: 0, quads: 37 };
        assert_eq!(D::columns(&window), [expected; 4]);
    }

    // wasm aborts on panic, so this one only runs natively.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    #[should_panic]
    fn a_window_past_the_end_of_a_slice_panics_instead_of_reading_beyond_it() {
        // The most shifted read would take y[6], one past the end.
        let y = [1, 2, 3, 4, 5, 6];
        let window = Window { x: &[1, 2, 3, 4], x_at: 0, y: &y, y_at: 0, quads: 1 };
        Fastest::columns(&window);
    }

    #[test]
    fn the_portable_dot_product_matches_a_schoolbook_sum() {
        agrees_with_schoolbook::<Portable>();
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn the_simd_dot_product_matches_a_schoolbook_sum() {
        agrees_with_schoolbook::<Simd128>();
    }
}
