//! Four f32 lanes: SIMD128 in wasm, four plain floats elsewhere.
//!
//! Both versions do exactly the same arithmetic (a multiply, then an add, each
//! rounded; never a fused multiply-add), so a kernel written with `F32x4`
//! gives the same bits natively, where its tests run, and in wasm.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::{f32x4_add, f32x4_extract_lane, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

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
        #[inline(always)]
        pub fn mul_add(self, a: F32x4, b: F32x4) -> F32x4 {
            F32x4(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }

        /// (lane 0 + lane 1) + (lane 2 + lane 3)
        #[inline(always)]
        pub fn sum(self) -> f32 {
            (f32x4_extract_lane::<0>(self.0) + f32x4_extract_lane::<1>(self.0))
                + (f32x4_extract_lane::<2>(self.0) + f32x4_extract_lane::<3>(self.0))
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

        /// (lane 0 + lane 1) + (lane 2 + lane 3)
        #[inline(always)]
        pub fn sum(self) -> f32 {
            (self.0[0] + self.0[1]) + (self.0[2] + self.0[3])
        }
    }
}

pub use imp::F32x4;
