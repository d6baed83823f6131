//! The one hot loop of the verifier: dot products of 28-bit limbs into `u64`s.
//!
//! Montgomery multiplication (see `montgomery`) is written as column sums, each a dot product of
//! one operand with a reversed copy of the other. Two neighbouring columns read the same range
//! of the first operand and the reversed one shifted by a single limb, so the kernel computes
//! them together: every limb of `x` loaded serves two columns, and the per-call overhead is
//! paid once per pair. Keeping the kernel this small lets a SIMD version replace it without
//! touching the arithmetic around it.
//!
//! Callers guarantee each true sum is below 2^64 (at most 256 products of 28-bit limbs), so the
//! lanes of the SIMD version may be added with wrapping arithmetic and still give exact sums.
//!
//! Ranges are a start index per slice and a length in groups of four limbs, not subslices: the
//! release profile optimises for size, and at that level range slicing becomes a function call
//! per slice, a real cost in a kernel called thousands of times per verification. Whole groups
//! of four (callers pad with zeros, see `montgomery::Padded`) mean no tail loop.

/// Sums for two neighbouring columns: `(column k, column k + 1)`.
pub(crate) type ColumnPair = (u64, u64);

/// One dot-product range: `x[x_at..]` against `y[y_at..]` (for column k + 1) and against
/// `y[y_at + 1..]` (for column k), over `4·quads` limbs.
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
        assert!(
            self.x_at + 4 * self.quads <= self.x.len() && self.y_at + 4 * self.quads < self.y.len()
        );
    }
}

/// A way to compute the column-pair sums of two windows in one pass.
pub(crate) trait DotProduct {
    /// For each window returns `(Σ x[x_at + i]·y[y_at + 1 + i], Σ x[x_at + i]·y[y_at + i])`
    /// over `i < 4·quads`. A Montgomery column pair needs a product window and a reduction
    /// window; `first.quads <= second.quads` (a squaring's product range is the shorter).
    fn column_pairs(first: &Window, second: &Window) -> (ColumnPair, ColumnPair);
}

/// Plain Rust, compiled and tested on every target.
pub(crate) struct Portable;

impl Portable {
    #[inline(always)]
    fn window(window: &Window) -> ColumnPair {
        window.check();
        let (mut shifted, mut aligned) = (0u64, 0u64);
        for i in 0..4 * window.quads {
            let limb = u64::from(window.x[window.x_at + i]);
            shifted = shifted.wrapping_add(limb * u64::from(window.y[window.y_at + 1 + i]));
            aligned = aligned.wrapping_add(limb * u64::from(window.y[window.y_at + i]));
        }
        (shifted, aligned)
    }
}

impl DotProduct for Portable {
    #[inline(always)]
    fn column_pairs(first: &Window, second: &Window) -> (ColumnPair, ColumnPair) {
        (Self::window(first), Self::window(second))
    }
}

/// wasm SIMD128: two 32×32→64 multiplies per instruction (`i64x2.extmul_{low,high}_i32x4_u`).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) struct Simd128;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl DotProduct for Simd128 {
    #[inline(always)]
    fn column_pairs(first: &Window, second: &Window) -> (ColumnPair, ColumnPair) {
        first.check();
        second.check();
        assert!(first.quads <= second.quads);
        let mut first_sums = simd::PairSums::new(first);
        let mut second_sums = simd::PairSums::new(second);
        for quad in 0..first.quads {
            // SAFETY: `check` keeps both windows' reads inside their slices, and
            // `quad < first.quads <= second.quads`.
            unsafe {
                first_sums.add_quad(quad);
                second_sums.add_quad(quad);
            }
        }
        for quad in first.quads..second.quads {
            // SAFETY: as above, `quad < second.quads`.
            unsafe { second_sums.add_quad(quad) };
        }
        (first_sums.totals(), second_sums.totals())
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
        i64x2_add, i64x2_extmul_high_u32x4, i64x2_extmul_low_u32x4, i64x2_extract_lane,
        i64x2_shuffle, i64x2_splat, v128, v128_load,
    };

    use super::{ColumnPair, Window};

    /// Running sums of one window, two 64-bit lanes per column.
    pub(super) struct PairSums {
        x: *const u32,
        y: *const u32,
        shifted: v128,
        aligned: v128,
    }

    impl PairSums {
        #[inline(always)]
        pub(super) fn new(window: &Window) -> Self {
            Self {
                x: window.x.as_ptr().wrapping_add(window.x_at),
                y: window.y.as_ptr().wrapping_add(window.y_at),
                shifted: i64x2_splat(0),
                aligned: i64x2_splat(0),
            }
        }

        /// Adds the products of limb group `quad`.
        ///
        /// # Safety
        /// Limbs `4·quad..4·quad + 4` from the window's `x`, and `..4·quad + 5` from its `y`,
        /// must be inside the window's slices.
        #[inline(always)]
        pub(super) unsafe fn add_quad(&mut self, quad: usize) {
            let offset = 4 * quad;
            // SAFETY: guaranteed by the caller; wasm loads need no alignment.
            let (x, y, y_shifted) = unsafe {
                (
                    v128_load(self.x.wrapping_add(offset).cast::<v128>()),
                    v128_load(self.y.wrapping_add(offset).cast::<v128>()),
                    v128_load(self.y.wrapping_add(offset + 1).cast::<v128>()),
                )
            };
            self.shifted = multiply_accumulate(self.shifted, x, y_shifted);
            self.aligned = multiply_accumulate(self.aligned, x, y);
        }

        /// Both columns' totals, lanes added pairwise in one step.
        #[inline(always)]
        pub(super) fn totals(&self) -> ColumnPair {
            let low_lanes = i64x2_shuffle::<0, 2>(self.shifted, self.aligned);
            let high_lanes = i64x2_shuffle::<1, 3>(self.shifted, self.aligned);
            let totals = i64x2_add(low_lanes, high_lanes);
            (
                i64x2_extract_lane::<0>(totals) as u64,
                i64x2_extract_lane::<1>(totals) as u64,
            )
        }
    }

    /// Adds the four products `a[i]·b[i]` into the two 64-bit lanes of `sums`.
    #[inline(always)]
    fn multiply_accumulate(sums: v128, a: v128, b: v128) -> v128 {
        let sums = i64x2_add(sums, i64x2_extmul_low_u32x4(a, b));
        i64x2_add(sums, i64x2_extmul_high_u32x4(a, b))
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
        let sum: u128 = x
            .iter()
            .zip(y)
            .map(|(&a, &b)| u128::from(a) * u128::from(b))
            .sum();
        u64::try_from(sum).expect("test sums fit in 64 bits")
    }

    fn agrees_with_schoolbook<D: DotProduct>() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for quads in 0..=40 {
            let len = 4 * quads;
            let mut limbs = |count: usize| -> Vec<u32> { (0..count).map(|_| rng.limb()).collect() };
            let (x1, y1, x2, y2) = (
                limbs(len + 7),
                limbs(len + 6),
                limbs(len + 7),
                limbs(len + 6),
            );
            let pair = |x: &[u32], x_at: usize, y: &[u32], y_at: usize, quads: usize| {
                let len = 4 * quads;
                let x = &x[x_at..x_at + len];
                (
                    schoolbook(x, &y[y_at + 1..y_at + 1 + len]),
                    schoolbook(x, &y[y_at..y_at + len]),
                )
            };
            let shorter = quads / 2;
            let first = Window {
                x: &x1,
                x_at: 3,
                y: &y1,
                y_at: 1,
                quads: shorter,
            };
            let second = Window {
                x: &x2,
                x_at: quads % 8,
                y: &y2,
                y_at: quads % 6,
                quads,
            };
            assert_eq!(
                D::column_pairs(&first, &second),
                (
                    pair(&x1, 3, &y1, 1, shorter),
                    pair(&x2, quads % 8, &y2, quads % 6, quads)
                ),
                "{quads} quads"
            );
        }
        // The largest sums the Montgomery code can ask for: 147 products of the largest limbs.
        let top = vec![(1u32 << 28) - 1; 152];
        let expected = schoolbook(&top[..148], &top[..148]);
        let window = Window {
            x: &top,
            x_at: 0,
            y: &top,
            y_at: 0,
            quads: 37,
        };
        assert_eq!(
            D::column_pairs(&window, &window),
            ((expected, expected), (expected, expected))
        );
    }

    // wasm aborts on panic, so this one only runs natively.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    #[should_panic]
    fn a_window_past_the_end_of_a_slice_panics_instead_of_reading_beyond_it() {
        // The shifted read would take y[4], one past the end.
        let window = Window {
            x: &[1, 2, 3, 4],
            x_at: 0,
            y: &[1, 2, 3, 4],
            y_at: 0,
            quads: 1,
        };
        Fastest::column_pairs(&window, &window);
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
