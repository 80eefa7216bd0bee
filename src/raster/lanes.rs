//! Four f32 lanes (the pixels of a quad, lane `dy * 2 + dx`) with the operations the fragment
//! back end needs, each giving exactly the bits of the scalar operation lane by lane: SSE2 on
//! x86-64 (every x86-64 CPU has it), arrays elsewhere. Interface rows are written with one
//! 16-byte store, which the JIT'd code's vector loads then read without a stall.

/// Four lanes.
pub type Lanes = [f32; 4];

#[derive(Clone, Copy)]
pub struct F4(
    #[cfg(target_arch = "x86_64")] pub(crate) std::arch::x86_64::__m128,
    #[cfg(not(target_arch = "x86_64"))] pub(crate) Lanes,
);

impl std::fmt::Debug for F4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("F4").field(&self.lanes()).finish()
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::{F4, Lanes};
    use std::arch::x86_64::*;

    macro_rules! op {
        ($trait:ident, $f:ident, $intr:ident) => {
            impl std::ops::$trait for F4 {
                type Output = F4;
                #[inline(always)]
                fn $f(self, o: F4) -> F4 {
                    // SAFETY: SSE2 is part of x86-64.
                    F4(unsafe { $intr(self.0, o.0) })
                }
            }
        };
    }
    op!(Add, add, _mm_add_ps);
    op!(Sub, sub, _mm_sub_ps);
    op!(Mul, mul, _mm_mul_ps);
    op!(Div, div, _mm_div_ps);
    // SAFETY (every block here): SSE2 is part of x86-64; loads and stores touch the four
    // words of their arrays.
    impl F4 {
        #[inline(always)]
        pub fn new(v: Lanes) -> F4 {
            F4(unsafe { _mm_loadu_ps(v.as_ptr()) })
        }
        #[inline(always)]
        pub fn splat(x: f32) -> F4 {
            F4(unsafe { _mm_set1_ps(x) })
        }
        /// The lanes' bits, stored at once.
        #[inline(always)]
        pub fn store(self, out: &mut [u32; 4]) {
            unsafe { _mm_storeu_ps(out.as_mut_ptr() as *mut f32, self.0) }
        }
        /// The lanes.
        #[inline(always)]
        pub fn lanes(self) -> Lanes {
            let mut out = [0.0; 4];
            unsafe { _mm_storeu_ps(out.as_mut_ptr(), self.0) };
            out
        }
        /// `f32::clamp(x, 0.0, 1.0)`: NaN stays NaN (maxps and minps give their second
        /// operand when one is NaN, and return it for equal values, as `clamp` does).
        #[inline(always)]
        pub fn clamp01(self) -> F4 {
            unsafe {
                let m = _mm_max_ps(_mm_setzero_ps(), self.0);
                F4(_mm_min_ps(_mm_set1_ps(1.0), m))
            }
        }
        /// `f32::min` where `o` is never NaN (minps gives `o` when `self` is NaN, as `min`).
        #[inline(always)]
        pub fn min(self, o: F4) -> F4 {
            F4(unsafe { _mm_min_ps(self.0, o.0) })
        }
        /// `f32::max` where `o` is never NaN.
        #[inline(always)]
        pub fn max(self, o: F4) -> F4 {
            F4(unsafe { _mm_max_ps(self.0, o.0) })
        }
        /// Bit l set where lane l is `>= 0.0` (not for NaN).
        #[inline(always)]
        pub fn nonnegative(self) -> u8 {
            unsafe { _mm_movemask_ps(_mm_cmpge_ps(self.0, _mm_setzero_ps())) as u8 }
        }
        /// Per lane: `self` where `x` is non-zero and finite, else `other`.
        #[inline(always)]
        pub fn where_nonzero_finite(self, x: F4, other: F4) -> F4 {
            unsafe {
                let z = _mm_setzero_ps();
                // x - x is 0 for finite x, NaN for infinities and NaN.
                let ok = _mm_and_ps(_mm_cmpneq_ps(x.0, z), _mm_cmpeq_ps(_mm_sub_ps(x.0, x.0), z));
                F4(_mm_or_ps(
                    _mm_and_ps(ok, self.0),
                    _mm_andnot_ps(ok, other.0),
                ))
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod imp {
    use super::{F4, Lanes};

    macro_rules! op {
        ($trait:ident, $f:ident, $o:tt) => {
            impl std::ops::$trait for F4 {
                type Output = F4;
                fn $f(self, o: F4) -> F4 {
                    self.zip(o, |a, b| a $o b)
                }
            }
        };
    }
    op!(Add, add, +);
    op!(Sub, sub, -);
    op!(Mul, mul, *);
    op!(Div, div, /);
    impl F4 {
        pub fn new(v: Lanes) -> F4 {
            F4(v)
        }
        pub fn splat(x: f32) -> F4 {
            F4([x; 4])
        }
        pub fn store(self, out: &mut [u32; 4]) {
            *out = self.0.map(f32::to_bits);
        }
        pub fn lanes(self) -> Lanes {
            self.0
        }
        fn zip(self, o: F4, f: impl Fn(f32, f32) -> f32) -> F4 {
            F4(std::array::from_fn(|l| f(self.0[l], o.0[l])))
        }
        pub fn clamp01(self) -> F4 {
            F4(self.0.map(|x| x.clamp(0.0, 1.0)))
        }
        pub fn min(self, o: F4) -> F4 {
            self.zip(o, f32::min)
        }
        pub fn max(self, o: F4) -> F4 {
            self.zip(o, f32::max)
        }
        pub fn nonnegative(self) -> u8 {
            (0..4).fold(0, |m, l| m | ((self.0[l] >= 0.0) as u8) << l)
        }
        pub fn where_nonzero_finite(self, x: F4, other: F4) -> F4 {
            F4(std::array::from_fn(|l| {
                let s = x.0[l];
                if s != 0.0 && s.is_finite() {
                    self.0[l]
                } else {
                    other.0[l]
                }
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(v: F4) -> [u32; 4] {
        let mut o = [0; 4];
        v.store(&mut o);
        o
    }

    /// Every operation against the scalar one, on values that include NaN, infinities, signed
    /// zeros and subnormals.
    #[test]
    fn lanes_give_the_scalar_bits() {
        let special = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            2.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e-40,
            3.4e38,
            0.1,
        ];
        let mut k = 0usize;
        let mut pick = || {
            k = k.wrapping_mul(7).wrapping_add(5) % special.len();
            special[k]
        };
        for _ in 0..2000 {
            let a: Lanes = std::array::from_fn(|_| pick());
            let b: Lanes = std::array::from_fn(|_| pick());
            let (va, vb) = (F4::new(a), F4::new(b));
            let same = |got: F4, want: [f32; 4], what: &str| {
                let w = want.map(f32::to_bits);
                let g = bits(got);
                for l in 0..4 {
                    let nan = f32::from_bits(g[l]).is_nan() && want[l].is_nan();
                    assert!(g[l] == w[l] || nan, "{what} {a:?} {b:?}: {g:x?} {w:x?}");
                }
            };
            same(va + vb, std::array::from_fn(|l| a[l] + b[l]), "add");
            same(va - vb, std::array::from_fn(|l| a[l] - b[l]), "sub");
            same(va * vb, std::array::from_fn(|l| a[l] * b[l]), "mul");
            same(va / vb, std::array::from_fn(|l| a[l] / b[l]), "div");
            same(va.clamp01(), a.map(|x| x.clamp(0.0, 1.0)), "clamp01");
            let bn = b.map(|x| if x.is_nan() { 0.25 } else { x });
            let vbn = F4::new(bn);
            same(va.min(vbn), std::array::from_fn(|l| a[l].min(bn[l])), "min");
            same(va.max(vbn), std::array::from_fn(|l| a[l].max(bn[l])), "max");
            let sel = std::array::from_fn(|l| {
                if b[l] != 0.0 && b[l].is_finite() {
                    a[l]
                } else {
                    -7.0
                }
            });
            same(va.where_nonzero_finite(vb, F4::splat(-7.0)), sel, "select");
            let nonneg = (0..4).fold(0, |m, l| m | ((a[l] >= 0.0) as u8) << l);
            assert_eq!(va.nonnegative(), nonneg, "nonnegative {a:?}");
        }
    }
}
