//! Winograd's minimal filtering F(4x4, 5x5) (Lavin and Gray, "Fast Algorithms
//! for Convolutional Neural Networks", 2016): a stride-1 5 x 5 convolution
//! computed in 4 x 4 output tiles, with 64 multiplies per tile and pair of
//! channels instead of 400. In wasm, LeNet's C3 runs this way.
//!
//! For an 8 x 8 input tile d and a 5 x 5 kernel g, the 4 x 4 output tile is
//!   Y = A^T [ (G g G^T) * (B^T d B) ] A      (* elementwise)
//! built on the points 0, 1, -1, 2, -2, 1/2, -1/2 and infinity (B^T is the
//! one NNPACK uses for F(6x6, 3x3), which has the same points):
//!   B^T = [1  0   -21/4  0     21/4   0     -1  0]   A^T = [1 1  1 1  1  1    1   0]
//!         [0  1    1    -17/4 -17/4   1      1  0]         [0 1 -1 2 -2 1/2 -1/2  0]
//!         [0 -1    1     17/4 -17/4  -1      1  0]         [0 1  1 4  4 1/4  1/4  0]
//!         [0  1/2  1/4  -5/2  -5/4    2      1  0]         [0 1 -1 8 -8 1/8 -1/8  1]
//!         [0 -1/2  1/4   5/2  -5/4   -2      1  0]
//!         [0  2    4    -5/2  -5      1/2    1  0]
//!         [0 -2    4     5/2  -5     -1/2    1  0]
//!         [0 -1    0     21/4  0    -21/4    0  1]
//! and G below. Summed over the input channels, the 64 elementwise products
//! of each tile become 64 matrix products, one per position x of the 8 x 8
//! transforms:
//!   M_x [T, O] = V_x [T, C] . U_x [C, O]
//! with V = B^T d B for each tile and input channel, U = G g G^T for each
//! pair of channels (computed once per version of the weights, see derived.rs),
//! and each tile's output A^T M A + bias. The tiles cover the output, the last
//! ones reaching past it over zeros (LeNet's C3: 10 x 10 outputs, 3 x 3 tiles);
//! what lies past it is not written. Where a 2 x 2 max pooling at stride 2
//! follows (LeNet's S4), predict keeps only the largest of each 2 x 2 block of
//! a tile: the blocks are the pooling windows.
//!
//! The transforms add and scale by small numbers, so the outputs differ from
//! the direct sums only by rounding: on random tiles, by at most about 1e-6
//! times the size of the terms (conv.rs, `winograd_matches_the_naive_definition`).

use std::array::from_fn;

use super::gemm::transpose;
use super::lanes::F32x4;

/// Outputs along a tile's side, and inputs: M + 4.
const M: usize = 4;
const N: usize = 8;

/// Positions of the 8 x 8 transforms, a matrix product each: the kernels
/// transformed hold POSITIONS x C x O floats.
pub const POSITIONS: usize = N * N;

/// Tiles per register tile of the matrix products.
const ROWS: usize = 3;

/// The kernel transform G, in f64: the transformed kernels are computed once
/// and rounded once.
const G: [[f64; 5]; N] = [
    [1.0, 0.0, 0.0, 0.0, 0.0],
    [-2.0 / 9.0, -2.0 / 9.0, -2.0 / 9.0, -2.0 / 9.0, -2.0 / 9.0],
    [-2.0 / 9.0, 2.0 / 9.0, -2.0 / 9.0, 2.0 / 9.0, -2.0 / 9.0],
    [1.0 / 90.0, 1.0 / 45.0, 2.0 / 45.0, 4.0 / 45.0, 8.0 / 45.0],
    [1.0 / 90.0, -1.0 / 45.0, 2.0 / 45.0, -4.0 / 45.0, 8.0 / 45.0],
    [32.0 / 45.0, 16.0 / 45.0, 8.0 / 45.0, 4.0 / 45.0, 2.0 / 45.0],
    [32.0 / 45.0, -16.0 / 45.0, 8.0 / 45.0, -4.0 / 45.0, 2.0 / 45.0],
    [0.0, 0.0, 0.0, 0.0, 1.0],
];

/// The sizes of one sample: the (padded) input [C, H, W] and O output channels.
#[derive(Clone, Copy)]
pub struct Dims {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub outputs: usize,
}

impl Dims {
    /// Lanes per pixel in the channel-last copy of the input: C rounded up to 4.
    fn lanes(&self) -> usize {
        rounded(self.channels)
    }

    /// Output tiles down and across: enough to cover the H - 4 x W - 4 outputs.
    fn tiles(&self) -> (usize, usize) {
        ((self.height - 4).div_ceil(M), (self.width - 4).div_ceil(M))
    }

    /// The input's rows and columns as far as the tiles reach: past the input
    /// itself, zeros.
    fn reach(&self) -> (usize, usize) {
        let (th, tw) = self.tiles();
        (M * th + 4, M * tw + 4)
    }

    /// Rows of V_x and M_x: the tiles in whole register tiles of the products.
    /// The rows past the last tile hold whatever they held, and their products
    /// are not read.
    fn plane(&self) -> usize {
        let (th, tw) = self.tiles();
        (th * tw).div_ceil(ROWS) * ROWS
    }

    /// The scratch floats `forward` needs.
    pub fn scratch_len(&self) -> usize {
        let (lanes, (rows, columns)) = (self.lanes(), self.reach());
        let line = columns * lanes;
        let outputs = (self.height - 4) * (self.width - 4) * self.outputs;
        (rows + N) * line + POSITIONS * self.plane() * (lanes + self.outputs) + outputs
    }
}

/// Up to a multiple of 4.
fn rounded(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// What [`forward`] writes of the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tiles {
    /// All of it: y [O, OH, OW].
    Whole,
    /// The largest of each 2 x 2 block, as a 2 x 2 max pooling at stride 2
    /// gives it: y [O, OH / 2, OW / 2].
    Max,
}

impl Tiles {
    /// Values written per 4 outputs.
    pub fn per_four(self) -> usize {
        match self {
            Tiles::Whole => 4,
            Tiles::Max => 1,
        }
    }
}

/// One sample: y from x [C, H, W] (already padded; OH = H - 4 and OW = W - 4,
/// both even, O a multiple of 4), with `kernels` from [`transform_kernels`].
pub fn forward(
    x: &[f32],
    dims: Dims,
    (kernels, bias): (&[f32], &[f32]),
    (y, what): (&mut [f32], Tiles),
    scratch: &mut [f32],
) {
    let Dims { channels, height, width, outputs } = dims;
    let (lanes, (th, tw), (reach_h, reach_w)) = (dims.lanes(), dims.tiles(), dims.reach());
    let (tiles, line) = (th * tw, reach_w * lanes);
    let (oh, ow) = (height - 4, width - 4);
    let positions = oh * ow / 4 * what.per_four();
    let plane = dims.plane();
    assert!(oh % 2 == 0 && ow % 2 == 0 && outputs % 4 == 0, "forward: even output sides, outputs in fours");
    assert!(x.len() == channels * height * width && bias.len() == outputs && y.len() == positions * outputs);
    assert!(kernels.len() == POSITIONS * channels * outputs, "forward: kernels of another shape");
    let (pixels, rest) = scratch.split_at_mut(reach_h * line);
    let (rows, rest) = rest.split_at_mut(N * line);
    let (v, rest) = rest.split_at_mut(POSITIONS * plane * lanes);
    let (m, yt) = rest.split_at_mut(POSITIONS * plane * outputs);
    let yt = &mut yt[..positions * outputs];

    channels_last(x, (channels, width), (lanes, reach_h), pixels);
    // Zeros where the tiles reach past the input: the rows below, then the right-hand columns.
    let (inside, right) = pixels.split_at_mut(width * lanes * reach_h);
    for column in inside.chunks_exact_mut(4 * reach_h) {
        column[4 * height..].fill(0.0);
    }
    right.fill(0.0);
    // V = B^T d B for every tile, as V[x][t][c].
    let input_scales = opaque(INPUT_SCALES);
    for ti in 0..th {
        // B^T down the tiles' 8 rows, along the whole width at once, 4 lanes at
        // a time: 8 vectors in a row in `pixels` to 8 in a row in `rows`, so
        // `rows` holds float k of row j's line at N k + 4 j.
        for p in 0..line / 4 {
            // Safety: rows M ti..M ti + 8 <= reach_h of column p < line / 4 of `pixels`,
            // and vectors 8 p..8 p + 8 of `rows` (N line floats).
            unsafe {
                let d = pixels.as_ptr().add((p * reach_h + M * ti) * 4);
                let t = input_transform(from_fn(|a| F32x4::load(d.add(4 * a))), input_scales);
                for (j, t) in t.into_iter().enumerate() {
                    t.store(rows.as_mut_ptr().add((p * N + j) * 4));
                }
            }
        }
        // B across each tile's 8 columns.
        for tj in 0..tw {
            let t = ti * tw + tj;
            for j in 0..N {
                for q in (0..lanes).step_by(4) {
                    // Safety: columns M tj..M tj + N are inside the reach, q + 4 <= lanes, and t < tiles.
                    unsafe {
                        let row = rows.as_ptr().add((M * tj * lanes + q) * N + 4 * j);
                        let s = input_transform(from_fn(|b| F32x4::load(row.add(b * lanes * N))), input_scales);
                        for (l, s) in s.into_iter().enumerate() {
                            s.store(v.as_mut_ptr().add(((N * j + l) * plane + t) * lanes + q));
                        }
                    }
                }
            }
        }
    }
    // M_x [T, O] = V_x [T, C] . U_x [C, O]; V_x's padding lanes are not read.
    for (x, u) in kernels.chunks_exact(channels * outputs).enumerate() {
        products(&v[x * plane * lanes..], u, &mut m[x * plane * outputs..], (plane, outputs, channels), lanes);
    }
    // Each tile's A^T M A, then + bias (or the largest of each 2 x 2 block + bias),
    // as far as the output reaches, into Y^T [positions, O], then Y.
    output_transforms(m, plane * outputs, tiles * outputs);
    for t in 0..tiles {
        let (ti, tj) = (t / tw, t % tw);
        for q in (0..outputs).step_by(4) {
            // Safety: every M_x holds plane x outputs floats, t < tiles <= plane,
            // q + 4 <= outputs, and the positions written are inside the output.
            unsafe {
                let at = |i: usize, j: usize| F32x4::load(m.as_ptr().add(((N * i + j) * plane + t) * outputs + q));
                let b = F32x4::load(bias.as_ptr().add(q));
                match what {
                    Tiles::Whole => {
                        for i in 0..M.min(oh - M * ti) {
                            for j in 0..M.min(ow - M * tj) {
                                at(i, j).add(b).store(yt.as_mut_ptr().add(((M * ti + i) * ow + M * tj + j) * outputs + q));
                            }
                        }
                    }
                    Tiles::Max => {
                        let (pi, pj) = (M / 2 * ti, M / 2 * tj);
                        for i in 0..(M / 2).min(oh / 2 - pi) {
                            for j in 0..(M / 2).min(ow / 2 - pj) {
                                // As `Pool2d` compares them (down, then across); adding b after
                                // the max gives what adding it first would: rounding keeps order.
                                let (u, v) = (2 * i, 2 * j);
                                let max = at(u, v).max(at(u + 1, v)).max(at(u, v + 1).max(at(u + 1, v + 1)));
                                max.add(b).store(yt.as_mut_ptr().add(((pi + i) * (ow / 2) + pj + j) * outputs + q));
                            }
                        }
                    }
                }
            }
        }
    }
    transpose(yt, (positions, outputs), y);
}

/// A^T M A for every tile, in place: M [64, block] holds M_x [T, O] for the
/// 64 positions x = 8 j + l, the first `len` floats of each block read; after
/// it, output (i, j) of every tile is at position 8 i + j. Down the columns
/// first (each column's 8 products give its 4 outputs, written over its
/// first 4), then across the 4 rows of outputs likewise.
fn output_transforms(m: &mut [f32], block: usize, len: usize) {
    assert!(len % 4 == 0 && len <= block && m.len() >= POSITIONS * block, "output_transforms: M too small");
    let (m, scales) = (m.as_mut_ptr(), opaque(OUTPUT_SCALES));
    // Each column, then each row of outputs: 8 positions `step` apart from `first`.
    for (first, step) in (0..N).map(|l| (l, N)).chain((0..M).map(|i| (N * i, 1))) {
        for k in (0..len).step_by(4) {
            // Safety: positions first + step * 7 < 64, and k + 4 <= len <= block.
            unsafe {
                let at = |a: usize| m.add((first + step * a) * block + k);
                let z = output_transform(from_fn(|a| F32x4::load(at(a))), scales);
                for (a, z) in z.into_iter().enumerate() {
                    z.store(at(a));
                }
            }
        }
    }
}

/// M [T, O] = V [T, C] . U [C, O] for T a multiple of 3, V's rows `lanes`
/// apart: tiles of 3 x 8 (then 3 x 4) in registers. (For LeNet's C3, 3 x 8
/// took 3.9 us in Node, 4 x 8 4.9, 2 x 16 4.3, 3 x 16 4.7, 3 x 12 more than
/// 3 x 8; `gemm` took twice as long on products this short: C is the whole
/// depth.)
fn products(v: &[f32], u: &[f32], m: &mut [f32], (tiles, outputs, channels): (usize, usize, usize), lanes: usize) {
    assert!(tiles % ROWS == 0 && v.len() >= tiles * lanes && m.len() >= tiles * outputs, "products: V or M is too small");
    assert!(u.len() >= channels * outputs && channels <= lanes, "products: U is smaller than its shape");
    for t in (0..tiles).step_by(ROWS) {
        let mut o = 0;
        // Safety: rows t..t+ROWS of V and M, and columns o..o+4*NV of U and M, are inside them.
        while o + 8 <= outputs {
            unsafe { product_tile::<2>(v, u, m, (t, o), (outputs, channels), lanes) };
            o += 8;
        }
        if o < outputs {
            unsafe { product_tile::<1>(v, u, m, (t, o), (outputs, channels), lanes) };
        }
    }
}

/// M[t..t+ROWS, o..o+4*NV].
/// Safety: those rows of V and M and columns of U and M are in bounds.
#[inline(always)]
unsafe fn product_tile<const NV: usize>(
    v: &[f32],
    u: &[f32],
    m: &mut [f32],
    (t, o): (usize, usize),
    (outputs, channels): (usize, usize),
    lanes: usize,
) {
    let (a, mut b) = (v.as_ptr().add(t * lanes), u.as_ptr().add(o));
    let mut acc = [[F32x4::splat(0.0); NV]; ROWS];
    for c in 0..channels {
        let bv: [F32x4; NV] = from_fn(|q| F32x4::load(b.add(4 * q)));
        for (r, acc) in acc.iter_mut().enumerate() {
            let s = F32x4::splat(*a.add(r * lanes + c));
            for (acc, &bv) in acc.iter_mut().zip(&bv) {
                *acc = acc.mul_add(s, bv);
            }
        }
        b = b.add(outputs);
    }
    for (r, acc) in acc.iter().enumerate() {
        for (q, acc) in acc.iter().enumerate() {
            acc.store(m.as_mut_ptr().add((t + r) * outputs + o + 4 * q));
        }
    }
}

/// x [C, H, W] with a pixel's channels in `lanes` lanes (zero past C), by
/// columns of 4 lanes `rows` long: channels c..c+4 of pixel (i, j) at
/// ((j lanes + c) / 4 rows + i) 4, so that the 8 rows a tile's transform
/// reads are 8 vectors in a row; 4 x 4 blocks at a time. (H W is a multiple
/// of 4: the input's sides are even.)
fn channels_last(x: &[f32], (channels, width): (usize, usize), (lanes, rows): (usize, usize), out: &mut [f32]) {
    let pixels = x.len() / channels;
    assert!(channels <= lanes && lanes % 4 == 0 && pixels % 4 == 0, "channels_last: 4 x 4 blocks");
    assert!(pixels / width <= rows && out.len() >= width * lanes * rows, "channels_last: the output is too small");
    let (mut row, mut column) = (0, 0);
    for p in (0..pixels).step_by(4) {
        let at: [usize; 4] = from_fn(|_| {
            let at = column * lanes * rows + 4 * row;
            (row, column) = if column + 1 == width { (row + 1, 0) } else { (row, column + 1) };
            at
        });
        for c in (0..channels).step_by(4) {
            // Safety: rows c..c+4 that exist, columns p..p+4 <= pixels; each pixel's
            // lanes c..c+4 <= lanes lie inside `out`.
            unsafe {
                let row = |r: usize| x.as_ptr().add((c + r) * pixels + p);
                let block = from_fn(|r| if c + r < channels { F32x4::load(row(r)) } else { F32x4::splat(0.0) });
                for (at, pixel) in at.into_iter().zip(F32x4::transpose(block)) {
                    pixel.store(out.as_mut_ptr().add(at + c * rows));
                }
            }
        }
    }
}

/// `values`, each in every lane, made where the compiler cannot see them:
/// the transforms' scales. As constants, Chromium 156 built each one again
/// at every use inside the transforms' loops (3 instructions each) instead
/// of keeping it in a register; Node 20 kept them in registers either way.
fn opaque<const K: usize>(values: [f32; K]) -> [F32x4; K] {
    std::hint::black_box(values).map(F32x4::splat)
}

/// The scales `input_terms` multiplies by: 4.25, 1/4, 1.25, 1/2, 2.5, 2, 4
/// and 5.25 (the relaxed build's fused form adds three of them negated).
#[cfg(not(target_feature = "relaxed-simd"))]
const INPUT_SCALES: [f32; 8] = [4.25, 0.25, 1.25, 0.5, 2.5, 2.0, 4.0, 5.25];
#[cfg(target_feature = "relaxed-simd")]
const INPUT_SCALES: [f32; 8] = [-4.25, 0.25, -1.25, 0.5, -2.5, 2.0, 4.0, 5.25];

/// The scales in A^T: 2, 1/2, 4, 1/4, 8, 1/8.
const OUTPUT_SCALES: [f32; 6] = [2.0, 0.5, 4.0, 0.25, 8.0, 0.125];

/// B^T d for one column d of a tile: rows 1-6 of B^T in pairs, each pair
/// the sum and the difference of two terms. `scales`: [`INPUT_SCALES`].
#[inline(always)]
fn input_transform(d: [F32x4; N], scales: [F32x4; 8]) -> [F32x4; N] {
    let [first, a, b, e, f, g, h, last] = input_terms(d, scales);
    [first, a.add(b), a.sub(b), e.add(f), e.sub(f), g.add(h), g.sub(h), last]
}

/// The first and last rows of B^T d, and the terms of the pairs between.
#[cfg(not(target_feature = "relaxed-simd"))]
#[inline(always)]
fn input_terms(
    [d0, d1, d2, d3, d4, d5, d6, d7]: [F32x4; N],
    [k425, quarter, k125, half, k25, two, four, k525]: [F32x4; 8],
) -> [F32x4; N] {
    let (a, b) = (d2.add(d6).sub(d4.mul(k425)), d1.add(d5).sub(d3.mul(k425)));
    let (e, f) = (d6.add(d2.mul(quarter)).sub(d4.mul(k125)), d1.mul(half).sub(d3.mul(k25)).add(d5.mul(two)));
    let (g, h) = (d6.add(d2.sub(d4.mul(k125)).mul(four)), d1.mul(two).sub(d3.mul(k25)).add(d5.mul(half)));
    let (first, last) = (d0.sub(d6).add(d4.sub(d2).mul(k525)), d7.sub(d1).add(d3.sub(d5).mul(k525)));
    [first, a, b, e, f, g, h, last]
}

/// `input_terms` in fused multiply-adds (the relaxed SIMD build: fewer
/// instructions, one rounding each).
#[cfg(target_feature = "relaxed-simd")]
#[inline(always)]
fn input_terms(
    [d0, d1, d2, d3, d4, d5, d6, d7]: [F32x4; N],
    [minus_k425, quarter, minus_k125, half, minus_k25, two, four, k525]: [F32x4; 8],
) -> [F32x4; N] {
    let (a, b) = (d2.add(d6).mul_add(d4, minus_k425), d1.add(d5).mul_add(d3, minus_k425));
    let (e, f) = (d6.mul_add(d2, quarter).mul_add(d4, minus_k125), d1.mul(half).mul_add(d3, minus_k25).mul_add(d5, two));
    let (g, h) = (d6.mul_add(d2.mul_add(d4, minus_k125), four), d1.mul(two).mul_add(d3, minus_k25).mul_add(d5, half));
    let (first, last) = (d0.sub(d6).mul_add(d4.sub(d2), k525), d7.sub(d1).mul_add(d3.sub(d5), k525));
    [first, a, b, e, f, g, h, last]
}

/// A^T m for one column m of a tile's products: the first row sums all but
/// m7; the others are made of the sums and differences of pairs.
/// `scales`: [`OUTPUT_SCALES`].
#[inline(always)]
fn output_transform([m0, m1, m2, m3, m4, m5, m6, m7]: [F32x4; N], scales: [F32x4; 6]) -> [F32x4; M] {
    let pairs = [m1.add(m2), m1.sub(m2), m3.add(m4), m3.sub(m4), m5.add(m6), m5.sub(m6)];
    let [s1, _, s2, _, s3, _] = pairs;
    let [r1, r2, r3] = output_rows(pairs, m7, scales);
    [m0.add(s1).add(s2).add(s3), r1, r2, r3]
}

/// Rows 1-3 of A^T m from the pairs' sums and differences and m7.
#[cfg(not(target_feature = "relaxed-simd"))]
#[inline(always)]
fn output_rows(
    [s1, d1, s2, d2, s3, d3]: [F32x4; 6],
    m7: F32x4,
    [two, half, four, quarter, eight, eighth]: [F32x4; 6],
) -> [F32x4; 3] {
    [
        d1.add(d2.mul(two)).add(d3.mul(half)),
        s1.add(s2.mul(four)).add(s3.mul(quarter)),
        d1.add(d2.mul(eight)).add(d3.mul(eighth)).add(m7),
    ]
}

/// `output_rows` in fused multiply-adds.
#[cfg(target_feature = "relaxed-simd")]
#[inline(always)]
fn output_rows(
    [s1, d1, s2, d2, s3, d3]: [F32x4; 6],
    m7: F32x4,
    [two, half, four, quarter, eight, eighth]: [F32x4; 6],
) -> [F32x4; 3] {
    [
        d1.mul_add(d2, two).mul_add(d3, half),
        s1.mul_add(s2, four).mul_add(s3, quarter),
        d1.add(m7).mul_add(d2, eight).mul_add(d3, eighth),
    ]
}

/// U = G g G^T for kernels [O, C * 25], as U[x][c][o] (64 x C x O floats).
pub fn transform_kernels(weight: &[f32], (outputs, channels): (usize, usize), u: &mut [f32]) {
    for (oc, g) in weight.chunks_exact(25).enumerate() {
        let (o, c) = (oc / channels, oc % channels);
        let gg: [[f64; 5]; N] = from_fn(|j| from_fn(|col| (0..5).map(|r| G[j][r] * g[r * 5 + col] as f64).sum()));
        for (j, gg) in gg.iter().enumerate() {
            for (l, g_row) in G.iter().enumerate() {
                let value: f64 = gg.iter().zip(g_row).map(|(a, b)| a * b).sum();
                u[((N * j + l) * channels + c) * outputs + o] = value as f32;
            }
        }
    }
}
