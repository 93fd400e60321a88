//! Winograd's minimal filtering F(2x2, 5x5) (Lavin and Gray, "Fast Algorithms
//! for Convolutional Neural Networks", 2016): a stride-1 5 x 5 convolution
//! computed in 2 x 2 output tiles, with 36 multiplies per tile and pair of
//! channels instead of 100. In wasm, LeNet's C3 runs this way.
//!
//! For a 6 x 6 input tile d and a 5 x 5 kernel g, the 2 x 2 output tile is
//!   Y = A^T [ (G g G^T) * (B^T d B) ] A      (* elementwise)
//! built on the points 0, 1, -1, 2, -2 and infinity:
//!   B^T = [4  0 -5  0  1  0]   G = [ 1/4     0     0     0    0 ]   A^T = [1 1  1 1  1 0]
//!         [0 -4 -4  1  1  0]       [-1/6 -1/6  -1/6  -1/6 -1/6 ]         [0 1 -1 2 -2 1]
//!         [0  4 -4 -1  1  0]       [-1/6  1/6  -1/6   1/6 -1/6 ]
//!         [0 -2 -1  2  1  0]       [1/24  1/12  1/6   1/3  2/3 ]
//!         [0  2 -1 -2  1  0]       [1/24 -1/12  1/6  -1/3  2/3 ]
//!         [0  4  0 -5  0  1]       [ 0     0     0     0    1  ]
//! Summed over the input channels, the 36 elementwise products of each tile
//! become 36 matrix products, one per position x of the 6 x 6 transforms:
//!   M_x [T, O] = V_x [T, C] . U_x [C, O]
//! with V = B^T d B for each tile and input channel, U = G g G^T for each
//! pair of channels (computed once per version of the weights, see derived.rs),
//! and each tile's output A^T M A + bias. Where a 2 x 2 max pooling at
//! stride 2 follows (LeNet's S4), predict keeps only each tile's largest
//! output: the tiles are the pooling windows.
//!
//! The transforms add and scale by small integers, so the outputs differ from
//! the direct sums only by rounding: on random tiles, by at most about 1e-6
//! times the size of the terms (conv.rs, `winograd_matches_the_naive_definition`).

use std::array::from_fn;

use super::gemm::transpose;
use super::lanes::F32x4;

/// The kernel transform G, in f64: the transformed kernels are computed once
/// and rounded once.
const G: [[f64; 5]; 6] = [
    [1.0 / 4.0, 0.0, 0.0, 0.0, 0.0],
    [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
    [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
    [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0, 1.0 / 3.0, 2.0 / 3.0],
    [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0, -1.0 / 3.0, 2.0 / 3.0],
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

    /// Output tiles down and across.
    fn tiles(&self) -> (usize, usize) {
        ((self.height - 4) / 2, (self.width - 4) / 2)
    }

    /// The scratch floats `forward` needs.
    pub fn scratch_len(&self) -> usize {
        let (lanes, (th, tw)) = (self.lanes(), self.tiles());
        let tiles = th * tw;
        (self.height + 6) * self.width * lanes + 36 * rounded(tiles) * (lanes + self.outputs) + 4 * tiles * self.outputs
    }
}

/// Up to a multiple of 4.
fn rounded(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// What [`forward`] writes of each 2 x 2 output tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tiles {
    /// All 4 outputs: y [O, OH, OW].
    Whole,
    /// The largest, as a 2 x 2 max pooling at stride 2 gives it: y [O, OH / 2, OW / 2].
    Max,
}

impl Tiles {
    /// Values written per tile and output channel.
    pub fn per_tile(self) -> usize {
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
    let (lanes, (th, tw)) = (dims.lanes(), dims.tiles());
    let (tiles, line) = (th * tw, width * lanes);
    let positions = what.per_tile() * tiles;
    // V and M hold whole blocks of 4 tiles; the rows past the last tile hold
    // whatever they held, and their products are not read.
    let plane = rounded(tiles);
    assert!(outputs % 4 == 0 && x.len() == channels * height * width && bias.len() == outputs);
    assert!(kernels.len() == 36 * channels * outputs && y.len() == positions * outputs);
    let (pixels, rest) = scratch.split_at_mut(height * line);
    let (rows, rest) = rest.split_at_mut(6 * line);
    let (v, rest) = rest.split_at_mut(36 * plane * lanes);
    let (m, yt) = rest.split_at_mut(36 * plane * outputs);
    let yt = &mut yt[..positions * outputs];

    channels_last(x, channels, lanes, pixels);
    // V = B^T d B for every tile, as V[x][t][c].
    for ti in 0..th {
        // B^T down the tiles' 6 rows, along the whole width at once.
        let d = &pixels[2 * ti * line..][..6 * line];
        for q in (0..line).step_by(4) {
            // Safety: q + 4 <= line, so every read is inside row a of `d` and every write inside row j of `rows`.
            unsafe {
                let t = input_transform(from_fn(|a| F32x4::load(d.as_ptr().add(a * line + q))));
                for (j, t) in t.into_iter().enumerate() {
                    t.store(rows.as_mut_ptr().add(j * line + q));
                }
            }
        }
        // B across each tile's 6 columns.
        for tj in 0..tw {
            let t = ti * tw + tj;
            for j in 0..6 {
                for q in (0..lanes).step_by(4) {
                    // Safety: columns 2tj..2tj+6 are inside the width, q + 4 <= lanes, and t < tiles.
                    unsafe {
                        let row = rows.as_ptr().add(j * line + 2 * tj * lanes + q);
                        let s = input_transform(from_fn(|b| F32x4::load(row.add(b * lanes))));
                        for (l, s) in s.into_iter().enumerate() {
                            s.store(v.as_mut_ptr().add(((6 * j + l) * plane + t) * lanes + q));
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
    // Each tile's A^T M A + bias (or its largest value + bias), into Y^T [positions, O], then Y.
    let ow = 2 * tw;
    for t in 0..tiles {
        let (ti, tj) = (t / tw, t % tw);
        for q in (0..outputs).step_by(4) {
            // Safety: every M_x holds plane x outputs floats, t < tiles <= plane,
            // q + 4 <= outputs, and the positions written are inside Y^T.
            unsafe {
                let (tile, b) = (tile_outputs(m, (plane, outputs), t, q), F32x4::load(bias.as_ptr().add(q)));
                match what {
                    Tiles::Whole => {
                        for (i, row) in tile.into_iter().enumerate() {
                            for (j, value) in row.into_iter().enumerate() {
                                value.add(b).store(yt.as_mut_ptr().add(((2 * ti + i) * ow + 2 * tj + j) * outputs + q));
                            }
                        }
                    }
                    Tiles::Max => {
                        // As `Pool2d` compares them (down, then across); adding b after
                        // the max gives what adding it first would: rounding keeps order.
                        let [[y00, y01], [y10, y11]] = tile;
                        y00.max(y10).max(y01.max(y11)).add(b).store(yt.as_mut_ptr().add(t * outputs + q));
                    }
                }
            }
        }
    }
    transpose(yt, (positions, outputs), y);
}

/// Tile t's 2 x 2 outputs A^T M A (no bias) for output channels q..q+4.
/// Safety: M holds 36 x plane x outputs floats, t < plane and q + 4 <= outputs.
#[inline(always)]
unsafe fn tile_outputs(m: &[f32], (plane, outputs): (usize, usize), t: usize, q: usize) -> [[F32x4; 2]; 2] {
    let at = |x: usize| F32x4::load(m.as_ptr().add((x * plane + t) * outputs + q));
    let down: [[F32x4; 2]; 6] = from_fn(|l| output_transform(from_fn(|j| at(6 * j + l))));
    from_fn(|i| output_transform(from_fn(|l| down[l][i])))
}

/// M [T, O] = V [T, C] . U [C, O] for T a multiple of 4, V's rows `lanes`
/// apart: tiles of 4 x 8 (then 4 x 4) in registers. (`gemm` took twice as
/// long on products this short: C is the whole depth.)
fn products(v: &[f32], u: &[f32], m: &mut [f32], (tiles, outputs, channels): (usize, usize, usize), lanes: usize) {
    assert!(tiles % 4 == 0 && v.len() >= tiles * lanes && m.len() >= tiles * outputs, "products: V or M is too small");
    assert!(u.len() >= channels * outputs && channels <= lanes, "products: U is smaller than its shape");
    for t in (0..tiles).step_by(4) {
        let mut o = 0;
        // Safety: rows t..t+4 of V and M, and columns o..o+4*NV of U and M, are inside them.
        while o + 8 <= outputs {
            unsafe { product_tile::<2>(v, u, m, (t, o), (outputs, channels), lanes) };
            o += 8;
        }
        if o < outputs {
            unsafe { product_tile::<1>(v, u, m, (t, o), (outputs, channels), lanes) };
        }
    }
}

/// M[t..t+4, o..o+4*NV].
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
    let mut acc = [[F32x4::splat(0.0); NV]; 4];
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

/// x [C, P] as [P, lanes]: a pixel's channels in lanes (zero past C), 4 x 4
/// blocks at a time. (P is a multiple of 4: the input's sides are even.)
fn channels_last(x: &[f32], channels: usize, lanes: usize, out: &mut [f32]) {
    let pixels = x.len() / channels;
    assert!(channels <= lanes && lanes % 4 == 0 && pixels % 4 == 0, "channels_last: 4 x 4 blocks");
    assert!(out.len() >= pixels * lanes, "channels_last: the output is smaller than its shape");
    for c in (0..channels).step_by(4) {
        for p in (0..pixels).step_by(4) {
            // Safety: rows c..c+4 that exist, columns p..p+4 <= pixels; out holds pixels x lanes floats.
            unsafe {
                let row = |r: usize| x.as_ptr().add((c + r) * pixels + p);
                let rows = from_fn(|r| if c + r < channels { F32x4::load(row(r)) } else { F32x4::splat(0.0) });
                for (k, pixel) in F32x4::transpose(rows).into_iter().enumerate() {
                    pixel.store(out.as_mut_ptr().add((p + k) * lanes + c));
                }
            }
        }
    }
}

/// B^T d for one column d of a tile.
#[inline(always)]
fn input_transform([d0, d1, d2, d3, d4, d5]: [F32x4; 6]) -> [F32x4; 6] {
    let (two, four, five) = (F32x4::splat(2.0), F32x4::splat(4.0), F32x4::splat(5.0));
    let (d4_d2, d3_d1) = (d4.sub(d2), d3.sub(d1).mul(two));
    [
        d0.mul(four).sub(d2.mul(five)).add(d4),
        d3.add(d4).sub(d1.add(d2).mul(four)),
        d4.sub(d3).add(d1.sub(d2).mul(four)),
        d4_d2.add(d3_d1),
        d4_d2.sub(d3_d1),
        d1.mul(four).sub(d3.mul(five)).add(d5),
    ]
}

/// A^T m for one column m of a tile's products.
#[inline(always)]
fn output_transform([m0, m1, m2, m3, m4, m5]: [F32x4; 6]) -> [F32x4; 2] {
    [m0.add(m1).add(m2).add(m3).add(m4), m1.sub(m2).add(m3.sub(m4).mul(F32x4::splat(2.0))).add(m5)]
}

/// U = G g G^T for kernels [O, C * 25], as U[x][c][o] (36 x C x O floats).
pub fn transform_kernels(weight: &[f32], (outputs, channels): (usize, usize), u: &mut [f32]) {
    for (oc, g) in weight.chunks_exact(25).enumerate() {
        let (o, c) = (oc / channels, oc % channels);
        let gg: [[f64; 5]; 6] = from_fn(|j| from_fn(|col| (0..5).map(|r| G[j][r] * g[r * 5 + col] as f64).sum()));
        for (j, gg) in gg.iter().enumerate() {
            for (l, g_row) in G.iter().enumerate() {
                let value: f64 = gg.iter().zip(g_row).map(|(a, b)| a * b).sum();
                u[((6 * j + l) * channels + c) * outputs + o] = value as f32;
            }
        }
    }
}
