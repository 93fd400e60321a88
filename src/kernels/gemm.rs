//! The matrix products behind convolution and the linear layer:
//!   C = start + A . B
//! with C row-major and B's rows contiguous. Lanes run along C's rows: a tile
//! of up to 4 x 8 values of C (4 x 16 with AVX2) stays in registers while
//! each A(i, k) is broadcast and multiplied into a row of B. A may have any
//! strides, or be read at listed offsets (`gemm_gathered`); so may B's rows
//! (`gemm_rows_at`). A last tile of 4 may overlap the one before rather than
//! leave single columns. A matrix stored by columns times a vector runs as
//! its transpose. (A linear layer's matrix times one vector does not come
//! here: see `linear::affine`.)
//! The matrices of a small network fit in cache, so the kernels read them
//! where they are instead of packing them first. `reference` (tests only) is
//! the plain triple loop the kernels are checked against.

use super::lanes::F32x4;

/// A matrix in a slice: element (i, j) is data[i * row_stride + j * col_stride].
#[derive(Clone, Copy)]
pub struct Mat<'a> {
    pub data: &'a [f32],
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> Mat<'a> {
    /// Row-major, `stride` floats from one row to the next.
    pub fn rows(data: &'a [f32], stride: usize) -> Mat<'a> {
        Mat { data, row_stride: stride, col_stride: 1 }
    }

    /// The transpose (the same numbers, strides swapped).
    pub fn t(self) -> Mat<'a> {
        Mat { data: self.data, row_stride: self.col_stride, col_stride: self.row_stride }
    }

    /// Does the slice hold a rows x cols matrix with these strides?
    fn holds(&self, rows: usize, cols: usize) -> bool {
        rows == 0 || cols == 0 || (rows - 1) * self.row_stride + (cols - 1) * self.col_stride < self.data.len()
    }
}

/// What C holds before the products are added.
#[derive(Clone, Copy)]
pub enum Start<'a> {
    Zero,
    /// C's current values: the products are accumulated.
    Keep,
    /// One value per row of C.
    RowBias(&'a [f32]),
    /// One value per column of C.
    ColBias(&'a [f32]),
}

impl<'a> Start<'a> {
    /// The same start for the transposed C.
    fn transposed(self) -> Start<'a> {
        match self {
            Start::RowBias(b) => Start::ColBias(b),
            Start::ColBias(b) => Start::RowBias(b),
            other => other,
        }
    }

    fn value(self, current: f32, i: usize, j: usize) -> f32 {
        match self {
            Start::Zero => 0.0,
            Start::Keep => current,
            Start::RowBias(b) => b[i],
            Start::ColBias(b) => b[j],
        }
    }
}

/// C = start + A . B for A [m, k], B [k, n] and C [m, n] row-major with
/// `ldc` floats between rows.
pub fn gemm(a: Mat, b: Mat, c: &mut [f32], ldc: usize, (m, n, k): (usize, usize, usize), start: Start) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(a.holds(m, k) && b.holds(k, n), "gemm: A or B is smaller than its shape");
    check_c_and_start(c, ldc, (m, n), start);
    if n == 1 && ldc == 1 && a.row_stride == 1 {
        // A matrix stored by columns times a vector: as C^T = B^T . A^T, a
        // row of lanes along C.
        nn(b.t(), (a.data, Every(a.col_stride)), c, m, (1, m, k), start.transposed());
    } else {
        assert!(b.col_stride == 1 || n == 1, "gemm: B needs contiguous rows");
        nn(a, (b.data, Every(b.row_stride)), c, ldc, (m, n, k), start);
    }
}

/// [`gemm`] with B's rows at listed offsets of one slice, its columns
/// contiguous: B(kk, j) = b[rows[kk] + j]. A convolution with stride 1 reads
/// its input this way, each row of B one kernel tap, without copying it into
/// an im2col matrix.
///
/// `zero`, when given, says where B's columns are zero in every row: one
/// value per 4 columns from column 0, 0.0 when those 4 are. C's columns
/// there are left at `start` without reading A or B: the same values as the
/// products as long as A is finite (0 * w = 0).
pub fn gemm_rows_at(
    a: Mat,
    (b, rows, zero): (&[f32], &[usize], Option<&[f32]>),
    c: &mut [f32],
    ldc: usize,
    (m, n, k): (usize, usize, usize),
    start: Start,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(a.holds(m, k), "gemm: A is smaller than its shape");
    assert!(
        rows.len() >= k && rows[..k].iter().max().is_none_or(|&r| r + n <= b.len()),
        "gemm: B is smaller than its shape"
    );
    check_c_and_start(c, ldc, (m, n), start);
    assert!(zero.is_none_or(|zero| zero.len() >= n.div_ceil(4)), "gemm: a value per 4 columns of B");
    // Runs of columns that are all zero or all not.
    let mut j = 0;
    while j < n {
        let (multiply, end) = match zero {
            None => (true, n),
            Some(zero) => {
                let multiply = zero[j / 4] != 0.0;
                (multiply, (j / 4 + 1..n.div_ceil(4)).find(|&q| (zero[q] != 0.0) != multiply).map_or(n, |q| 4 * q))
            }
        };
        // Where B is zero, a product of no terms: C = start.
        let depth = if multiply { k } else { 0 };
        nn(a, (&b[j..], Listed(rows)), &mut c[j..], ldc, (m, end - j, depth), start);
        j = end;
    }
}

/// [`gemm`] with A read at listed offsets of one slice: A(i, kk) =
/// a[rows[i] + cols[kk]], m a multiple of 4, and B row-major with contiguous
/// rows. A convolution with many output channels reads its input this way: A
/// is the im2col matrix transposed, one row per output position and one
/// column per kernel tap, and C holds the output with the channels along its
/// rows.
pub fn gemm_gathered(
    (a, rows, cols): (&[f32], &[usize], &[usize]),
    b: Mat,
    c: &mut [f32],
    ldc: usize,
    (m, n, k): (usize, usize, usize),
    start: Start,
) {
    if m == 0 || n == 0 {
        return;
    }
    let max = |offsets: &[usize]| offsets.iter().max().copied().unwrap_or(0);
    let fits = rows.len() >= m && cols.len() >= k && (k == 0 || max(&rows[..m]) + max(&cols[..k]) < a.len());
    assert!(fits, "gemm: A is smaller than its shape");
    assert!(m % 4 == 0, "gemm: A's rows come in fours");
    assert!(b.col_stride == 1 && b.holds(k, n), "gemm: B needs contiguous rows and its shape");
    check_c_and_start(c, ldc, (m, n), start);
    nn(Gathered { data: a, rows: &rows[..m], cols }, (b.data, Every(b.row_stride)), c, ldc, (m, n, k), start);
}

/// dst [cols, rows] = src [rows, cols] transposed (both row-major).
#[inline]
pub fn transpose(src: &[f32], shape: (usize, usize), dst: &mut [f32]) {
    transpose_into(src, shape, (dst, shape.0))
}

/// [`transpose`] into rows `ld` floats apart (ld >= rows; what lies between
/// is left as it is): blocks of 4 x 4 in registers, the edges one value at a time.
pub fn transpose_into(src: &[f32], shape: (usize, usize), (dst, ld): (&mut [f32], usize)) {
    let (rows, cols) = shape;
    assert!(ld >= rows, "transpose: rows of the output hold those of the input");
    let fits = rows == 0 || cols == 0 || (src.len() >= rows * cols && dst.len() >= (cols - 1) * ld + rows);
    assert!(fits, "transpose: a matrix is smaller than its shape");
    // Natively the 4 x 4 blocks take half the time compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // Safety: the processor has AVX2.
        return unsafe { transpose_avx2(src, shape, (dst, ld)) };
    }
    transpose_body(src, shape, (dst, ld))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn transpose_avx2(src: &[f32], shape: (usize, usize), dst: (&mut [f32], usize)) {
    transpose_body(src, shape, dst)
}

#[cfg_attr(target_arch = "x86_64", inline(always))]
fn transpose_body(src: &[f32], (rows, cols): (usize, usize), (dst, ld): (&mut [f32], usize)) {
    if rows < 4 || cols < 4 {
        for (r, c) in (0..rows).flat_map(|r| (0..cols).map(move |c| (r, c))) {
            dst[c * ld + r] = src[r * cols + c];
        }
        return;
    }
    // Blocks from every fourth row and column; a last block overlaps the
    // one before when rows or cols is not a multiple of 4 (the overlap is
    // copied twice), so that no value goes one at a time.
    let starts = |n: usize| (0..n).step_by(4).map(move |at| at.min(n - 4));
    for r in starts(rows) {
        for c in starts(cols) {
            // Safety: rows r..r+4 and columns c..c+4 are inside both matrices.
            unsafe {
                let block = std::array::from_fn(|q| F32x4::load(src.as_ptr().add((r + q) * cols + c)));
                for (q, column) in F32x4::transpose(block).into_iter().enumerate() {
                    column.store(dst.as_mut_ptr().add((c + q) * ld + r));
                }
            }
        }
    }
}

fn check_c_and_start(c: &[f32], ldc: usize, (m, n): (usize, usize), start: Start) {
    assert!(ldc >= n && (m - 1) * ldc + n <= c.len(), "gemm: C is smaller than its shape");
    match start {
        Start::RowBias(v) => assert!(v.len() >= m, "gemm: a bias per row"),
        Start::ColBias(v) => assert!(v.len() >= n, "gemm: a bias per column"),
        Start::Zero | Start::Keep => {}
    }
}

/// Where B's rows start in its slice (B's columns are contiguous).
trait RowStarts: Copy {
    /// Safety: kk is below the k that the caller of `nn` checked B for.
    unsafe fn start(self, kk: usize) -> usize;
}

/// How `nn` reads A: a cursor over a tile's rows, moved along k.
trait Lhs: Copy {
    /// A's rows come in fours: `nn` then needs no tiles of fewer rows.
    const ROWS_IN_FOURS: bool = false;
    type Cursor: Copy;
    /// At A(i, 0), for rows i..i+MR (MR <= 4).
    /// Safety: those rows are inside what the caller of `nn` checked.
    unsafe fn cursor(self, i: usize) -> Self::Cursor;
    /// A(i + r, kk), with the cursor moved kk times.
    /// Safety: r < MR and kk < k.
    unsafe fn get(self, at: Self::Cursor, kk: usize, r: usize) -> f32;
    /// The cursor at the next kk.
    fn step(self, at: Self::Cursor) -> Self::Cursor;
    /// A(i, kk), bounds-checked.
    fn value(self, i: usize, kk: usize) -> f32;
}

impl Lhs for Mat<'_> {
    type Cursor = *const f32;

    #[inline(always)]
    unsafe fn cursor(self, i: usize) -> *const f32 {
        self.data.as_ptr().add(i * self.row_stride)
    }

    #[inline(always)]
    unsafe fn get(self, at: *const f32, _: usize, r: usize) -> f32 {
        *at.add(r * self.row_stride)
    }

    #[inline(always)]
    fn step(self, at: *const f32) -> *const f32 {
        at.wrapping_add(self.col_stride)
    }

    fn value(self, i: usize, kk: usize) -> f32 {
        self.data[i * self.row_stride + kk * self.col_stride]
    }
}

/// A(i, kk) = data[rows[i] + cols[kk]], both offset lists checked against
/// the slice by `gemm_gathered`.
#[derive(Clone, Copy)]
struct Gathered<'a> {
    data: &'a [f32],
    rows: &'a [usize],
    cols: &'a [usize],
}

impl Lhs for Gathered<'_> {
    const ROWS_IN_FOURS: bool = true;
    /// Where each of the tile's 4 rows starts.
    type Cursor = [*const f32; 4];

    #[inline(always)]
    unsafe fn cursor(self, i: usize) -> [*const f32; 4] {
        std::array::from_fn(|r| self.data.as_ptr().add(*self.rows.get_unchecked(i + r)))
    }

    #[inline(always)]
    unsafe fn get(self, at: [*const f32; 4], kk: usize, r: usize) -> f32 {
        *at[r].add(*self.cols.get_unchecked(kk))
    }

    #[inline(always)]
    fn step(self, at: [*const f32; 4]) -> [*const f32; 4] {
        at
    }

    fn value(self, i: usize, kk: usize) -> f32 {
        self.data[self.rows[i] + self.cols[kk]]
    }
}

/// Every `.0` floats.
#[derive(Clone, Copy)]
struct Every(usize);

impl RowStarts for Every {
    #[inline(always)]
    unsafe fn start(self, kk: usize) -> usize {
        kk * self.0
    }
}

/// At listed offsets: at least k of them, checked against B's slice by the
/// caller. (An unchecked read: a bounds check here costs a fifth of the time.)
#[derive(Clone, Copy)]
struct Listed<'a>(&'a [usize]);

impl RowStarts for Listed<'_> {
    #[inline(always)]
    unsafe fn start(self, kk: usize) -> usize {
        *self.0.get_unchecked(kk)
    }
}

/// Natively on x86-64 the kernels run compiled for AVX2 when the processor
/// has it: the compiler then joins pairs of 4-lane operations into 8-lane
/// ones, and `nn`'s tiles are 16 columns wide instead of 8 (the registers are
/// twice as wide). Each value of C still sums the same products in the same
/// order, with no fused multiply-add, so the bits are the same.
fn nn<A: Lhs, R: RowStarts>(
    a: A,
    b: (&[f32], R),
    c: &mut [f32],
    ldc: usize,
    shape: (usize, usize, usize),
    start: Start,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // Safety: the processor has AVX2.
        return unsafe { nn_avx2(a, b, c, ldc, shape, start) };
    }
    nn_body::<_, _, 2>(a, b, c, ldc, shape, start)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn nn_avx2<A: Lhs, R: RowStarts>(
    a: A,
    b: (&[f32], R),
    c: &mut [f32],
    ldc: usize,
    shape: (usize, usize, usize),
    start: Start,
) {
    nn_body::<_, _, 4>(a, b, c, ldc, shape, start)
}

/// NV: the widest tile, in vectors of 4 columns.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn nn_body<A: Lhs, R: RowStarts, const NV: usize>(
    a: A,
    b: (&[f32], R),
    c: &mut [f32],
    ldc: usize,
    (m, n, k): (usize, usize, usize),
    start: Start,
) {
    let mut i = 0;
    if A::ROWS_IN_FOURS {
        // Fewer tile shapes: a smaller wasm.
        for i in (0..m).step_by(4) {
            nn_rows::<4, NV, _, _>(a, b, c, ldc, i, (n, k), start);
        }
        return;
    }
    // Tiles of 4 rows, then 2, then 1 (no tile of 3: a smaller wasm).
    while i < m {
        let rows = match m - i {
            4.. => 4,
            2 | 3 => 2,
            _ => 1,
        };
        match rows {
            4 => nn_rows::<4, NV, _, _>(a, b, c, ldc, i, (n, k), start),
            2 => nn_rows::<2, NV, _, _>(a, b, c, ldc, i, (n, k), start),
            _ => nn_rows::<1, NV, _, _>(a, b, c, ldc, i, (n, k), start),
        }
        i += rows;
    }
}

/// Rows i..i+MR of C: tiles of 4 * NV columns, of 8, one of 4, then what is
/// left as a tile of 4 overlapping the one before (or single columns).
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn nn_rows<const MR: usize, const NV: usize, A: Lhs, R: RowStarts>(
    a: A,
    b: (&[f32], R),
    c: &mut [f32],
    ldc: usize,
    i: usize,
    (n, k): (usize, usize),
    start: Start,
) {
    let mut j = 0;
    // Safety (both tiles): the callers of `nn` checked that A, B and C hold
    // their shapes, and the tiles stay inside rows i..i+MR and columns j..n.
    while j + 4 * NV <= n {
        unsafe { nn_tile::<MR, NV, _, _>(a, b, c, ldc, (i, j), k, start) };
        j += 4 * NV;
    }
    // (With NV = 2 this tile is the one above; leaving it out keeps the wasm small and fast.)
    if NV > 2 && j + 8 <= n {
        unsafe { nn_tile::<MR, 2, _, _>(a, b, c, ldc, (i, j), k, start) };
        j += 8;
    }
    if j + 4 <= n {
        unsafe { nn_tile::<MR, 1, _, _>(a, b, c, ldc, (i, j), k, start) };
        j += 4;
    }
    if j < n && n >= 4 && !matches!(start, Start::Keep) {
        // The last few columns as a tile of 4 overlapping the one before: the
        // overlap is written twice with the same values (unless accumulating).
        unsafe { nn_tile::<MR, 1, _, _>(a, b, c, ldc, (i, n - 4), k, start) };
        j = n;
    }
    for j in j..n {
        for i in i..i + MR {
            let mut sum = start.value(c[i * ldc + j], i, j);
            for kk in 0..k {
                // Safety: kk < k.
                sum += a.value(i, kk) * b.0[unsafe { b.1.start(kk) } + j];
            }
            c[i * ldc + j] = sum;
        }
    }
}

/// C[i..i+MR, j..j+4*NV] in registers, one step of k at a time.
/// Safety: that block and the rows/columns of A and B it reads are in bounds.
#[inline(always)]
unsafe fn nn_tile<const MR: usize, const NV: usize, A: Lhs, R: RowStarts>(
    a: A,
    (b, rows): (&[f32], R),
    c: &mut [f32],
    ldc: usize,
    (i, j): (usize, usize),
    k: usize,
    start: Start,
) {
    let cp = c.as_mut_ptr().add(i * ldc + j);
    let mut acc = [[F32x4::splat(0.0); NV]; MR];
    for (r, row) in acc.iter_mut().enumerate() {
        for (v, lanes) in row.iter_mut().enumerate() {
            *lanes = match start {
                Start::Zero => F32x4::splat(0.0),
                Start::Keep => F32x4::load(cp.add(r * ldc + 4 * v)),
                Start::RowBias(bias) => F32x4::splat(bias[i + r]),
                Start::ColBias(bias) => F32x4::load(bias.as_ptr().add(j + 4 * v)),
            };
        }
    }
    let mut at = a.cursor(i);
    for kk in 0..k {
        let bp = b.as_ptr().add(rows.start(kk) + j);
        let mut bv = [F32x4::splat(0.0); NV];
        for (v, lanes) in bv.iter_mut().enumerate() {
            *lanes = F32x4::load(bp.add(4 * v));
        }
        for (r, row) in acc.iter_mut().enumerate() {
            let av = F32x4::splat(a.get(at, kk, r));
            for (lanes, &bv) in row.iter_mut().zip(&bv) {
                *lanes = lanes.mul_add(av, bv);
            }
        }
        at = a.step(at);
    }
    for (r, row) in acc.iter().enumerate() {
        for (v, lanes) in row.iter().enumerate() {
            lanes.store(cp.add(r * ldc + 4 * v));
        }
    }
}

/// The definition, one multiply-add at a time.
#[cfg(test)]
pub fn reference(a: Mat, b: Mat, c: &mut [f32], ldc: usize, (m, n, k): (usize, usize, usize), start: Start) {
    for i in 0..m {
        for j in 0..n {
            let mut sum = start.value(c[i * ldc + j], i, j);
            for kk in 0..k {
                sum += a.data[i * a.row_stride + kk * a.col_stride] * b.data[kk * b.row_stride + j * b.col_stride];
            }
            c[i * ldc + j] = sum;
        }
    }
}

#[cfg(test)]
mod tests {
    // In wasm (`make wasm-test`, both builds) these run with SIMD128 lanes.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn random(rng: &mut fastrand::Rng, len: usize) -> Vec<f32> {
        (0..len).map(|_| rng.f32() * 2.0 - 1.0).collect()
    }

    /// Every value of `fast` within 1e-5 (relative, plus 1e-5) of `slow`'s.
    fn assert_close(fast: &[f32], slow: &[f32], what: std::fmt::Arguments) {
        for (x, y) in fast.iter().zip(slow) {
            assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{what}: {x} vs {y}");
        }
    }

    /// Random shapes, A row-major or transposed (and stored by columns times
    /// a vector), padded row strides, every start: the kernels agree with
    /// the triple loop.
    #[test]
    fn kernels_match_the_reference() {
        let mut rng = fastrand::Rng::with_seed(5);
        for case in 0..600 {
            let layout = case % 3;
            let (m, k) = (rng.usize(1..19), rng.usize(0..40));
            let n = if layout == 2 { 1 } else { rng.usize(1..27) };
            let pad = rng.usize(0..3);
            let a_data = random(&mut rng, (m + pad) * (k + pad));
            let a = match layout {
                0 => Mat::rows(&a_data, k + pad),
                _ => Mat::rows(&a_data, m + pad).t(),
            };
            let b_data = random(&mut rng, (k + pad) * (n + pad));
            let b = Mat::rows(&b_data, n + pad);
            let ldc = if layout == 2 { 1 } else { n + pad };
            let initial = random(&mut rng, m * ldc);
            let bias = random(&mut rng, m.max(n));
            for start in [Start::Zero, Start::Keep, Start::RowBias(&bias), Start::ColBias(&bias)] {
                let (mut fast, mut slow) = (initial.clone(), initial.clone());
                gemm(a, b, &mut fast, ldc, (m, n, k), start);
                reference(a, b, &mut slow, ldc, (m, n, k), start);
                assert_close(&fast, &slow, format_args!("case {case} ({m}x{n}x{k}, layout {layout})"));
            }
        }
    }

    /// Natively the kernels may run compiled for AVX2: they must give the
    /// same bits as the plain build (and so as wasm).
    #[test]
    fn every_build_of_the_kernels_gives_the_same_bits() {
        let mut rng = fastrand::Rng::with_seed(8);
        for _ in 0..100 {
            let (m, n, k) = (rng.usize(1..19), rng.usize(1..40), rng.usize(1..60));
            let (a_data, b_data) = (random(&mut rng, m * k), random(&mut rng, k * n));
            let (a, b) = (Mat::rows(&a_data, k), Mat::rows(&b_data, n));
            let (mut dispatched, mut plain) = (vec![0.0; m * n], vec![0.0; m * n]);
            nn(a, (b.data, Every(n)), &mut dispatched, n, (m, n, k), Start::Zero);
            nn_body::<_, _, 2>(a, (b.data, Every(n)), &mut plain, n, (m, n, k), Start::Zero);
            assert_eq!(dispatched, plain, "nn {m}x{n}x{k}");
        }
    }

    /// B's rows at arbitrary offsets of one slice, against the same B copied out.
    #[test]
    fn listed_rows_match_the_reference() {
        let mut rng = fastrand::Rng::with_seed(6);
        for case in 0..200 {
            let (m, n, k) = (rng.usize(1..9), rng.usize(1..30), rng.usize(0..30));
            let a_data = random(&mut rng, m * k);
            let source = random(&mut rng, 64);
            let rows: Vec<usize> = (0..k).map(|_| rng.usize(0..=64 - n.min(64))).collect();
            let copied: Vec<f32> = rows.iter().flat_map(|&r| source[r..r + n].iter().copied()).collect();
            let bias = random(&mut rng, m);
            let (mut fast, mut slow) = (vec![0.0; m * n], vec![0.0; m * n]);
            let a = Mat::rows(&a_data, k);
            gemm_rows_at(a, (&source, &rows, None), &mut fast, n, (m, n, k), Start::RowBias(&bias));
            reference(a, Mat::rows(&copied, n), &mut slow, n, (m, n, k), Start::RowBias(&bias));
            assert_close(&fast, &slow, format_args!("case {case} ({m}x{n}x{k})"));
        }
    }

    /// Columns of B flagged zero leave C at its start: the same bits as
    /// multiplying them, whatever the tile widths around them (in the
    /// SIMD128 and native builds).
    #[test]
    fn columns_flagged_zero_give_the_same_bits() {
        let mut rng = fastrand::Rng::with_seed(10);
        for case in 0..200 {
            let (m, n, k) = (rng.usize(1..9), rng.usize(1..60), rng.usize(1..30));
            let a_data = random(&mut rng, m * k);
            let mut b = random(&mut rng, k * n);
            let zero: Vec<f32> = (0..n.div_ceil(4)).map(|_| if rng.bool() { 0.0 } else { 1.0 }).collect();
            for (j, value) in b.iter_mut().enumerate().filter(|(j, _)| zero[j % n / 4] == 0.0) {
                *value = if j % 3 == 0 { -0.0 } else { 0.0 };
            }
            let rows: Vec<usize> = (0..k).map(|kk| kk * n).collect();
            let bias = random(&mut rng, m);
            let (mut skipped, mut multiplied, mut slow) = (vec![0.0; m * n], vec![0.0; m * n], vec![0.0; m * n]);
            let a = Mat::rows(&a_data, k);
            gemm_rows_at(a, (&b, &rows, Some(&zero)), &mut skipped, n, (m, n, k), Start::RowBias(&bias));
            gemm_rows_at(a, (&b, &rows, None), &mut multiplied, n, (m, n, k), Start::RowBias(&bias));
            reference(a, Mat::rows(&b, n), &mut slow, n, (m, n, k), Start::RowBias(&bias));
            // The relaxed build may fuse a multiply-add in a tile of 4 columns and
            // not in a single one, so there the tile widths change the rounding.
            if cfg!(target_feature = "relaxed-simd") {
                assert_close(&skipped, &multiplied, format_args!("case {case} ({m}x{n}x{k})"));
            } else {
                assert_eq!(skipped, multiplied, "case {case} ({m}x{n}x{k})");
            }
            assert_close(&skipped, &slow, format_args!("case {case} ({m}x{n}x{k})"));
        }
    }

    /// A read at listed row and column offsets, against the same A copied out.
    #[test]
    fn gathered_a_matches_the_reference() {
        let mut rng = fastrand::Rng::with_seed(9);
        for case in 0..200 {
            let (m, n, k) = (4 * rng.usize(1..6), rng.usize(1..27), rng.usize(0..30));
            let source = random(&mut rng, 96);
            let rows: Vec<usize> = (0..m).map(|_| rng.usize(0..48)).collect();
            let cols: Vec<usize> = (0..k).map(|_| rng.usize(0..48)).collect();
            let source = &source;
            let copied: Vec<f32> = rows.iter().flat_map(|&r| cols.iter().map(move |&c| source[r + c])).collect();
            let b_data = random(&mut rng, k * n);
            let bias = random(&mut rng, n);
            let (mut fast, mut slow) = (vec![0.0; m * n], vec![0.0; m * n]);
            let b = Mat::rows(&b_data, n);
            gemm_gathered((source, &rows, &cols), b, &mut fast, n, (m, n, k), Start::ColBias(&bias));
            reference(Mat::rows(&copied, k), b, &mut slow, n, (m, n, k), Start::ColBias(&bias));
            assert_close(&fast, &slow, format_args!("case {case} ({m}x{n}x{k})"));
        }
    }

    #[test]
    fn transpose_swaps_rows_and_columns() {
        for (rows, cols) in [(2, 3), (4, 4), (16, 150), (100, 16), (9, 7), (1, 13), (6, 784)] {
            let src: Vec<f32> = (0..rows * cols).map(|v| v as f32).collect();
            let mut dst = vec![0.0; rows * cols];
            transpose(&src, (rows, cols), &mut dst);
            for (r, c) in (0..rows).flat_map(|r| (0..cols).map(move |c| (r, c))) {
                assert_eq!(dst[c * rows + r], src[r * cols + c], "{rows}x{cols} at ({r}, {c})");
            }
            // Into rows 3 floats longer: the 3 after each row stay as they were.
            let ld = rows + 3;
            let mut dst = vec![-1.0; cols * ld];
            transpose_into(&src, (rows, cols), (&mut dst, ld));
            for (c, row) in dst.chunks(ld).enumerate() {
                let expected: Vec<f32> = (0..rows).map(|r| src[r * cols + c]).chain([-1.0; 3]).collect();
                assert_eq!(row, expected, "{rows}x{cols} into rows of {ld}, row {c}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "smaller than its shape")]
    fn a_short_matrix_is_refused() {
        let a = [0.0; 5];
        let mut c = [0.0; 4];
        gemm(Mat::rows(&a, 3), Mat::rows(&a, 2), &mut c, 2, (2, 2, 3), Start::Zero);
    }
}
