//! Four f32 lanes: SIMD128 in wasm, four plain floats elsewhere.
//!
//! Both versions do exactly the same arithmetic (a multiply, then an add, each
//! rounded), so a kernel written with `F32x4` gives the same bits natively,
//! where its tests run, and in the SIMD128 wasm build. The second wasm build,
//! compiled with relaxed SIMD as well (see the Makefile's `pkg`), fuses the
//! multiply-add where the processor can: one rounding instead of two, and
//! fewer instructions in the kernels' inner loops.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::{
        f32x4_add, f32x4_eq, f32x4_mul, f32x4_ne, f32x4_pmax, f32x4_splat, f32x4_sub, i32x4, i32x4_add, i32x4_bitmask,
        i32x4_eq, i32x4_shuffle, i32x4_splat, i8x16_swizzle, v128, v128_and, v128_andnot, v128_load, v128_store,
    };

    use super::COMPRESS;

    #[derive(Clone, Copy)]
    pub struct F32x4(v128);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(v: f32) -> F32x4 {
            F32x4(f32x4_splat(v))
        }

        /// Safety: `p` must be valid for reading 4 floats (any alignment).
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> F32x4 {
            F32x4(v128_load(p.cast()))
        }

        /// Safety: `p` must be valid for writing 4 floats (any alignment).
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            v128_store(p.cast(), self.0)
        }

        /// self + a * b
        #[cfg(not(target_feature = "relaxed-simd"))]
        #[inline(always)]
        pub fn mul_add(self, a: F32x4, b: F32x4) -> F32x4 {
            F32x4(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }

        /// self + a * b, fused where the processor can (one rounding).
        #[cfg(target_feature = "relaxed-simd")]
        #[inline(always)]
        pub fn mul_add(self, a: F32x4, b: F32x4) -> F32x4 {
            F32x4(core::arch::wasm32::f32x4_relaxed_madd(a.0, b.0, self.0))
        }

        #[inline(always)]
        pub fn add(self, o: F32x4) -> F32x4 {
            F32x4(f32x4_add(self.0, o.0))
        }

        #[inline(always)]
        pub fn mul(self, o: F32x4) -> F32x4 {
            F32x4(f32x4_mul(self.0, o.0))
        }

        #[inline(always)]
        pub fn sub(self, o: F32x4) -> F32x4 {
            F32x4(f32x4_sub(self.0, o.0))
        }

        /// 1.0 in the lanes with bits set (-0.0 counts), 0.0 in the others.
        #[inline(always)]
        pub fn ones_where_set(self) -> F32x4 {
            F32x4(v128_andnot(f32x4_splat(1.0), i32x4_eq(self.0, i32x4_splat(0))))
        }

        /// Per lane: `o` where it is larger, else self.
        #[inline(always)]
        pub fn max(self, o: F32x4) -> F32x4 {
            F32x4(f32x4_pmax(self.0, o.0))
        }

        /// Per lane: self where a == b, else 0.0.
        #[inline(always)]
        pub fn where_equal(self, a: F32x4, b: F32x4) -> F32x4 {
            F32x4(v128_and(self.0, f32x4_eq(a.0, b.0)))
        }

        /// The even lanes of (self, next) and the odd ones: [0 2 4 6], [1 3 5 7].
        #[inline(always)]
        pub fn deinterleave(self, next: F32x4) -> (F32x4, F32x4) {
            (F32x4(i32x4_shuffle::<0, 2, 4, 6>(self.0, next.0)), F32x4(i32x4_shuffle::<1, 3, 5, 7>(self.0, next.0)))
        }

        /// A bit per lane, lane l's 1 << l: set where the lane is not zero
        /// (a NaN's is set, -0.0's is not).
        #[inline(always)]
        pub fn nonzero(self) -> usize {
            i32x4_bitmask(f32x4_ne(self.0, f32x4_splat(0.0))) as usize
        }

        /// The lanes whose bits are set in `mask`, in order, then zeros.
        #[inline(always)]
        pub fn compress(self, mask: usize) -> F32x4 {
            // Safety: COMPRESS holds 16 rows of 16 bytes.
            F32x4(i8x16_swizzle(self.0, unsafe { v128_load(COMPRESS[mask & 15].as_ptr().cast()) }))
        }

        /// Lanes in pairs: ([a0 b0 a1 b1], [a2 b2 a3 b3]).
        #[inline(always)]
        pub fn zip(self, b: F32x4) -> (F32x4, F32x4) {
            (F32x4(i32x4_shuffle::<0, 4, 1, 5>(self.0, b.0)), F32x4(i32x4_shuffle::<2, 6, 3, 7>(self.0, b.0)))
        }

        /// The bits (not the values) of first, first + step, first + 2 step and
        /// first + 3 step: whole numbers that travel with the lanes they count.
        #[inline(always)]
        pub fn counting(first: u32, step: u32) -> F32x4 {
            let step = step as i32;
            F32x4(i32x4_add(i32x4_splat(first as i32), i32x4(0, step, 2 * step, 3 * step)))
        }

        /// Four rows of a 4 x 4 block as its four columns.
        #[inline(always)]
        pub fn transpose([a, b, c, d]: [F32x4; 4]) -> [F32x4; 4] {
            let (ab_lo, ab_hi) = (i32x4_shuffle::<0, 4, 1, 5>(a.0, b.0), i32x4_shuffle::<2, 6, 3, 7>(a.0, b.0));
            let (cd_lo, cd_hi) = (i32x4_shuffle::<0, 4, 1, 5>(c.0, d.0), i32x4_shuffle::<2, 6, 3, 7>(c.0, d.0));
            [
                F32x4(i32x4_shuffle::<0, 1, 4, 5>(ab_lo, cd_lo)),
                F32x4(i32x4_shuffle::<2, 3, 6, 7>(ab_lo, cd_lo)),
                F32x4(i32x4_shuffle::<0, 1, 4, 5>(ab_hi, cd_hi)),
                F32x4(i32x4_shuffle::<2, 3, 6, 7>(ab_hi, cd_hi)),
            ]
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct F32x4([f32; 4]);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(v: f32) -> F32x4 {
            F32x4([v; 4])
        }

        /// Safety: `p` must be valid for reading 4 floats (any alignment).
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> F32x4 {
            F32x4(p.cast::<[f32; 4]>().read_unaligned())
        }

        /// Safety: `p` must be valid for writing 4 floats (any alignment).
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            p.cast::<[f32; 4]>().write_unaligned(self.0)
        }

        /// self + a * b
        #[inline(always)]
        pub fn mul_add(self, a: F32x4, b: F32x4) -> F32x4 {
            F32x4(std::array::from_fn(|l| self.0[l] + a.0[l] * b.0[l]))
        }

        #[inline(always)]
        pub fn add(self, o: F32x4) -> F32x4 {
            F32x4(std::array::from_fn(|l| self.0[l] + o.0[l]))
        }

        #[inline(always)]
        pub fn mul(self, o: F32x4) -> F32x4 {
            F32x4(std::array::from_fn(|l| self.0[l] * o.0[l]))
        }

        #[inline(always)]
        pub fn sub(self, o: F32x4) -> F32x4 {
            F32x4(std::array::from_fn(|l| self.0[l] - o.0[l]))
        }

        /// 1.0 in the lanes with bits set (-0.0 counts), 0.0 in the others.
        #[inline(always)]
        pub fn ones_where_set(self) -> F32x4 {
            F32x4(std::array::from_fn(|l| if self.0[l].to_bits() != 0 { 1.0 } else { 0.0 }))
        }

        /// Per lane: `o` where it is larger, else self.
        #[inline(always)]
        pub fn max(self, o: F32x4) -> F32x4 {
            F32x4(std::array::from_fn(|l| if o.0[l] > self.0[l] { o.0[l] } else { self.0[l] }))
        }

        /// Per lane: self where a == b, else 0.0.
        #[inline(always)]
        pub fn where_equal(self, a: F32x4, b: F32x4) -> F32x4 {
            F32x4(std::array::from_fn(|l| if a.0[l] == b.0[l] { self.0[l] } else { 0.0 }))
        }

        /// The even lanes of (self, next) and the odd ones: [0 2 4 6], [1 3 5 7].
        #[inline(always)]
        pub fn deinterleave(self, next: F32x4) -> (F32x4, F32x4) {
            let (a, b) = (self.0, next.0);
            (F32x4([a[0], a[2], b[0], b[2]]), F32x4([a[1], a[3], b[1], b[3]]))
        }

        /// A bit per lane, lane l's 1 << l: set where the lane is not zero
        /// (a NaN's is set, -0.0's is not).
        #[inline(always)]
        pub fn nonzero(self) -> usize {
            (0..4).map(|l| usize::from(self.0[l] != 0.0) << l).sum()
        }

        /// The lanes whose bits are set in `mask`, in order, then zeros.
        #[inline(always)]
        pub fn compress(self, mask: usize) -> F32x4 {
            // Without a branch: a lane not kept goes to a fifth slot.
            let (mut out, mut kept) = ([0.0; 5], 0);
            for l in 0..4 {
                let keep = mask >> l & 1;
                out[if keep == 1 { kept } else { 4 }] = self.0[l];
                kept += keep;
            }
            F32x4([out[0], out[1], out[2], out[3]])
        }

        /// Lanes in pairs: ([a0 b0 a1 b1], [a2 b2 a3 b3]).
        #[inline(always)]
        pub fn zip(self, b: F32x4) -> (F32x4, F32x4) {
            let (a, b) = (self.0, b.0);
            (F32x4([a[0], b[0], a[1], b[1]]), F32x4([a[2], b[2], a[3], b[3]]))
        }

        /// The bits (not the values) of first, first + step, first + 2 step and
        /// first + 3 step: whole numbers that travel with the lanes they count.
        #[inline(always)]
        pub fn counting(first: u32, step: u32) -> F32x4 {
            F32x4(std::array::from_fn(|l| f32::from_bits(first + l as u32 * step)))
        }

        /// Four rows of a 4 x 4 block as its four columns.
        #[cfg(not(target_arch = "x86_64"))]
        #[inline(always)]
        pub fn transpose(rows: [F32x4; 4]) -> [F32x4; 4] {
            std::array::from_fn(|c| F32x4(std::array::from_fn(|r| rows[r].0[c])))
        }

        /// Four rows of a 4 x 4 block as its four columns, by SSE's shuffles
        /// (x86-64 always has them): element by element, the compiler wrote
        /// each value of the block with a store of its own.
        #[cfg(target_arch = "x86_64")]
        #[inline(always)]
        pub fn transpose(rows: [F32x4; 4]) -> [F32x4; 4] {
            use std::arch::x86_64::{
                __m128, _mm_loadu_ps, _mm_movehl_ps, _mm_movelh_ps, _mm_storeu_ps, _mm_unpackhi_ps, _mm_unpacklo_ps,
            };
            // Safety: SSE is part of x86-64; each pointer is to 4 floats.
            unsafe {
                let [a, b, c, d] = rows.map(|row| _mm_loadu_ps(row.0.as_ptr()));
                // [a0 b0 a1 b1], [c0 d0 c1 d1], [a2 b2 a3 b3], [c2 d2 c3 d3]
                let (ab_low, cd_low) = (_mm_unpacklo_ps(a, b), _mm_unpacklo_ps(c, d));
                let (ab_high, cd_high) = (_mm_unpackhi_ps(a, b), _mm_unpackhi_ps(c, d));
                let columns: [__m128; 4] = [
                    _mm_movelh_ps(ab_low, cd_low),
                    _mm_movehl_ps(cd_low, ab_low),
                    _mm_movelh_ps(ab_high, cd_high),
                    _mm_movehl_ps(cd_high, ab_high),
                ];
                columns.map(|column| {
                    let mut out = [0.0; 4];
                    _mm_storeu_ps(out.as_mut_ptr(), column);
                    F32x4(out)
                })
            }
        }
    }
}

pub use imp::F32x4;

/// For `F32x4::compress` in wasm: for each mask of 4 lanes, the bytes of
/// its set lanes in order, then 16s (a swizzle's zeros).
#[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
const COMPRESS: [[u8; 16]; 16] = {
    let mut table = [[16; 16]; 16];
    let mut mask = 0;
    while mask < 16 {
        let (mut lane, mut kept) = (0, 0);
        while lane < 4 {
            if mask >> lane & 1 == 1 {
                let mut byte = 0;
                while byte < 4 {
                    table[mask][4 * kept + byte] = (4 * lane + byte) as u8;
                    byte += 1;
                }
                kept += 1;
            }
            lane += 1;
        }
        mask += 1;
    }
    table
};

/// Copies floats 4 at a time, the last 4 overlapping the ones before when
/// the length is not a multiple of 4. In wasm, memcpy is `memory.copy`, a
/// call out to the engine: it costs a call on each of the many short lines
/// im2col and pooling copy, and on longer copies V8's memmove was sometimes
/// (depending on the two addresses) many times slower than this loop.
pub fn copy_floats(dst: &mut [f32], src: &[f32]) {
    let n = dst.len();
    assert_eq!(n, src.len(), "copy_floats: lengths differ");
    if n < 4 {
        dst.iter_mut().zip(src).for_each(|(d, &s)| *d = s);
        return;
    }
    // (Each step's start clamped, rather than whole fours and then the last
    // four: LLVM makes that loop a memory.copy again.)
    for at in (0..n).step_by(4).map(|at| at.min(n - 4)) {
        // Safety: at + 4 <= n, and both slices hold n floats.
        unsafe { F32x4::load(src.as_ptr().add(at)).store(dst.as_mut_ptr().add(at)) };
    }
}

/// dst += a * src, 4 lanes at a time (a multiply, then an add, each
/// rounded, in the tail too; fused in the relaxed build's lanes). Inlined,
/// so that a length known when compiling (a row of a 5 x 5 kernel) leaves
/// no loop to set up for a few floats.
#[inline(always)]
pub fn add_scaled(dst: &mut [f32], a: f32, src: &[f32]) {
    let n = dst.len();
    assert_eq!(n, src.len(), "add_scaled: lengths differ");
    let (scale, whole) = (F32x4::splat(a), n / 4 * 4);
    for at in (0..whole).step_by(4) {
        // Safety: at + 4 <= n, and both slices hold n floats.
        unsafe {
            let d = dst.as_mut_ptr().add(at);
            F32x4::load(d).mul_add(scale, F32x4::load(src.as_ptr().add(at))).store(d);
        }
    }
    dst[whole..].iter_mut().zip(&src[whole..]).for_each(|(d, &s)| *d += a * s);
}

/// sums[r] += the sum of row r of `m` [sums.len(), cols], each row summed in
/// order from -0.0 (as `Iterator::sum` adds: the bits of the plain loop).
/// Four rows at a time, a 4 x 4 block transposed so that each lane adds
/// one row's values in order: four chains of adds in one vector, where a
/// row's values one by one would wait on each other. Short of four rows,
/// the last four again, each sum kept once.
pub fn add_row_sums(sums: &mut [f32], m: &[f32], cols: usize) {
    let rows = sums.len();
    assert!(m.len() >= rows * cols, "add_row_sums: the matrix is smaller than its shape");
    let in_order = |r: usize, from: usize, sum: f32| m[r * cols..][from..cols].iter().fold(sum, |s, &v| s + v);
    if rows < 4 {
        sums.iter_mut().enumerate().for_each(|(r, s)| *s += in_order(r, 0, -0.0));
        return;
    }
    let whole = cols / 4 * 4;
    let mut done = 0;
    while done < rows {
        let first = done.min(rows - 4);
        let mut lanes = F32x4::splat(-0.0);
        for c in (0..whole).step_by(4) {
            // Safety: rows first..first+4 hold columns c..c+4 (checked above).
            let block = std::array::from_fn(|q| unsafe { F32x4::load(m.as_ptr().add((first + q) * cols + c)) });
            lanes = F32x4::transpose(block).into_iter().fold(lanes, F32x4::add);
        }
        let mut partial = [0.0; 4];
        // Safety: `partial` holds 4 floats.
        unsafe { lanes.store(partial.as_mut_ptr()) };
        for (r, partial) in (first..first + 4).zip(partial).skip(done - first) {
            sums[r] += in_order(r, whole, partial);
        }
        done = first + 4;
    }
}

#[cfg(test)]
mod tests {
    // In wasm (`make wasm-test`, both builds) these run with SIMD128 lanes.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn copy_floats_copies_every_length() {
        for n in 0..14 {
            let src: Vec<f32> = (0..n).map(|v| v as f32 + 1.0).collect();
            let mut dst = vec![0.0; n];
            copy_floats(&mut dst, &src);
            assert_eq!(dst, src, "length {n}");
        }
    }

    #[test]
    fn add_scaled_adds_every_length() {
        for n in 0..11 {
            let src: Vec<f32> = (0..n).map(|v| v as f32 + 1.0).collect();
            let mut dst = vec![0.5; n];
            add_scaled(&mut dst, 2.0, &src);
            assert_eq!(dst, src.iter().map(|s| 0.5 + 2.0 * s).collect::<Vec<_>>(), "length {n}");
        }
    }

    /// Bit for bit what a plain `sum()` per row gives.
    #[test]
    fn row_sums_add_in_order() {
        let mut rng = fastrand::Rng::with_seed(4);
        for (rows, cols) in [(6, 784), (16, 100), (3, 1), (9, 7), (4, 3), (5, 0)] {
            let m: Vec<f32> = (0..rows * cols).map(|_| rng.f32() - 0.5).collect();
            let start: Vec<f32> = (0..rows).map(|_| rng.f32()).collect();
            let mut fast = start.clone();
            add_row_sums(&mut fast, &m, cols);
            let plain: Vec<u32> =
                (0..rows).map(|r| (start[r] + m[r * cols..][..cols].iter().sum::<f32>()).to_bits()).collect();
            assert_eq!(fast.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), plain, "{rows} x {cols}");
        }
    }

    fn lanes(v: F32x4) -> [u32; 4] {
        let mut out = [0.0; 4];
        // Safety: `out` holds 4 floats.
        unsafe { v.store(out.as_mut_ptr()) };
        out.map(f32::to_bits)
    }

    /// The lanes a mask keeps come first, in order, then zeros; `nonzero`
    /// sets the bits of lanes that are not +-0.0 (a NaN's too). (These are
    /// the plain versions; the wasm build's are checked by its predictions,
    /// which would change with any row of the linear layers lost.)
    #[test]
    fn nonzero_masks_and_compress_keep_the_lanes_in_order() {
        // Safety: 4 floats each.
        let v = unsafe { F32x4::load([1.0, -0.0, f32::NAN, 0.0].as_ptr()) };
        assert_eq!(v.nonzero(), 0b0101);
        let v = unsafe { F32x4::load([1.5, 2.5, 3.5, 4.5].as_ptr()) };
        for mask in 0..16 {
            let mut expected: Vec<u32> =
                (0..4).filter(|l| mask >> l & 1 == 1).map(|l| (l as f32 + 1.5).to_bits()).collect();
            expected.resize(4, 0);
            assert_eq!(lanes(v.compress(mask)), expected[..], "mask {mask:04b}");
        }
        assert_eq!(lanes(F32x4::counting(7, 120)), [7, 127, 247, 367]);
        let (first, second) = F32x4::counting(0, 1).zip(F32x4::counting(10, 1));
        assert_eq!((lanes(first), lanes(second)), ([0, 10, 1, 11], [2, 12, 3, 13]));
    }
}
