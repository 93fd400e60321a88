//! C += A . B^T with both operands' rows contiguous: every value of C is a
//! dot product of a row of A and a row of B, taken 4 lanes at a time and
//! summed across its lanes at the end. The rows of B are read at listed
//! offsets of one slice, as `gemm_rows_at` reads them.
//!
//! A stride-1 convolution's weight gradient with lanes along its positions
//! (LeNet's C1 in wasm): A is the output gradient in wide rows, B the input
//! shifted by each kernel tap, and dW [O, taps] = dY . X_tap^T. Its 6
//! channels would fill 6 of 8 lanes with lanes along the channels, and its
//! 784 positions fill all 4.

use super::lanes::F32x4;

/// c[i * ldc + j] += sum over q < len of a[i * lda + q] * b[rows[j] + q], for
/// i < m and j < n. Tiles of 2 rows by 4 columns, the last overlapping the
/// one before when m is odd or n not a multiple of 4.
pub fn dots_at(
    (a, lda): (&[f32], usize),
    (b, rows): (&[f32], &[usize]),
    c: &mut [f32],
    ldc: usize,
    (m, n, len): (usize, usize, usize),
) {
    assert!(m == 0 || (m - 1) * lda + len <= a.len(), "dots: A is smaller than its shape");
    assert!(rows.len() >= n && rows[..n].iter().all(|&r| r + len <= b.len()), "dots: B is smaller than its shape");
    assert!(m == 0 || n == 0 || (m - 1) * ldc + n <= c.len(), "dots: C is smaller than its shape");
    if m < 2 || n < 4 {
        // Too small for a tile: one value at a time.
        for (i, j) in (0..m).flat_map(|i| (0..n).map(move |j| (i, j))) {
            let (a, b) = (&a[i * lda..][..len], &b[rows[j]..][..len]);
            c[i * ldc + j] += a.iter().zip(b).fold(0.0, |sum, (a, b)| sum + a * b);
        }
        return;
    }
    for i in (0..m).step_by(2) {
        let first_row = i.min(m - 2);
        for j in (0..n).step_by(4) {
            let first_col = j.min(n - 4);
            let sums = tile(&a[first_row * lda..], lda, (b, &rows[first_col..first_col + 4]), len);
            // Of an overlapping tile, only the values the one before left.
            for (r, sums) in sums.iter().enumerate().filter(|(r, _)| first_row + r >= i) {
                let c = &mut c[(first_row + r) * ldc + first_col..][..4];
                for (col, (c, sum)) in c.iter_mut().zip(sums).enumerate() {
                    if first_col + col >= j {
                        *c += sum;
                    }
                }
            }
        }
    }
}

/// The 2 x 4 dot products of rows a[0..] and a[lda..] with the rows of B at
/// `rows`, each over `len` floats.
#[inline(always)]
fn tile(a: &[f32], lda: usize, (b, rows): (&[f32], &[usize]), len: usize) -> [[f32; 4]; 2] {
    let (a, rows) = ([&a[..len], &a[lda..][..len]], [rows[0], rows[1], rows[2], rows[3]]);
    let b: [&[f32]; 4] = rows.map(|r| &b[r..][..len]);
    let whole = len / 4 * 4;
    let mut acc = [[F32x4::splat(0.0); 4]; 2];
    for q in (0..whole).step_by(4) {
        // Safety: q + 4 <= len, and every row holds len floats.
        unsafe {
            let av = a.map(|a| F32x4::load(a.as_ptr().add(q)));
            for (col, b) in b.iter().enumerate() {
                let bv = F32x4::load(b.as_ptr().add(q));
                for (acc, &av) in acc.iter_mut().zip(&av) {
                    acc[col] = acc[col].mul_add(av, bv);
                }
            }
        }
    }
    let mut sums = [[0.0; 4]; 2];
    for ((sums, acc), a) in sums.iter_mut().zip(&acc).zip(a) {
        for ((sum, acc), b) in sums.iter_mut().zip(acc).zip(&b) {
            let mut lanes = [0.0; 4];
            // Safety: `lanes` holds 4 floats.
            unsafe { acc.store(lanes.as_mut_ptr()) };
            let tail = a[whole..].iter().zip(&b[whole..]).fold(0.0, |sum, (a, b)| sum + a * b);
            *sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail;
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    // In wasm (`make wasm-test`, both builds) these run with SIMD128 lanes.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Every shape from one value to several tiles with overlapping edges,
    /// lengths with and without a tail, against the plain double sum; C's
    /// values are added to, and those outside the shape left alone.
    #[test]
    fn matches_the_plain_sums() {
        let mut rng = fastrand::Rng::with_seed(21);
        for (m, n, len) in [(1, 1, 1), (1, 5, 7), (2, 4, 8), (3, 5, 9), (6, 25, 892), (5, 7, 3), (4, 13, 16)] {
            let lda = len + rng.usize(0..3);
            let a: Vec<f32> = (0..m * lda).map(|_| rng.f32() - 0.5).collect();
            let b: Vec<f32> = (0..len + 40).map(|_| rng.f32() - 0.5).collect();
            let rows: Vec<usize> = (0..n).map(|_| rng.usize(0..=40)).collect();
            let ldc = n + 1;
            let mut c: Vec<f32> = (0..m * ldc).map(|v| v as f32).collect();
            dots_at((&a, lda), (&b, &rows), &mut c, ldc, (m, n, len));
            for (i, j) in (0..m).flat_map(|i| (0..ldc).map(move |j| (i, j))) {
                let start = (i * ldc + j) as f32;
                if j >= n {
                    assert_eq!(c[i * ldc + j], start, "outside the shape");
                    continue;
                }
                let sum: f32 = (0..len).map(|q| a[i * lda + q] * b[rows[j] + q]).sum();
                let tolerance = 1e-5 * (len as f32).sqrt() * (1.0 + start);
                assert!((c[i * ldc + j] - start - sum).abs() < tolerance, "{m}x{n} over {len}: ({i}, {j})");
            }
        }
    }
}
