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
//! and each tile's output A^T M A + bias. The tiles cover the output: along a
//! side 2 past a multiple of 4, the last tile is 2 outputs long, F(2, 5) on 6
//! of the same points along that side (LeNet's C3: 10 x 10 outputs, tiles of
//! 4, 4 and 2 down and across; see `Order`). Where a 2 x 2 max pooling at
//! stride 2 follows (LeNet's S4), predict keeps only the largest of each
//! 2 x 2 block of a tile: the blocks are the pooling windows.
//!
//! The transforms add and scale by small numbers, so the outputs differ from
//! the direct sums only by rounding: on random tiles, by at most about 1e-6
//! times the size of the terms (conv.rs, `winograd_matches_the_naive_definition`).

use std::array::from_fn;
use std::ops::Range;

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

/// The positions along a side (of 8) of the points a short tile's F(2, 5)
/// is built on: 0, 1, -1, 2, -2 and infinity.
const SHORT: [usize; 6] = [0, 1, 2, 3, 4, 7];
/// The positions along a whole side.
const EVERY: [usize; N] = [0, 1, 2, 3, 4, 5, 6, 7];
/// A position that only whole sides have (the point 1/2).
const WHOLE_ONLY: usize = 5;

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

    /// Rows of V_x and M_x: the tiles in whole register tiles of the products.
    /// The rows past the last tile hold whatever they held, and their products
    /// are not read.
    fn plane(&self) -> usize {
        Order::new(*self).tiles().div_ceil(ROWS) * ROWS
    }

    /// The scratch floats `forward` needs.
    pub fn scratch_len(&self) -> usize {
        let line = self.width * self.lanes();
        let outputs = (self.height - 4) * (self.width - 4) * self.outputs;
        (self.height + N) * line + POSITIONS * self.plane() * (self.lanes() + self.outputs) + outputs
    }
}

/// Up to a multiple of 4.
fn rounded(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// The tiles, and where each one's transforms go in V and M. The outputs'
/// sides are even: along a side 2 past a multiple of 4, the last tile is
/// short, F(2, 5) along that side (6 inputs, 2 outputs) on the points of
/// [`SHORT`]. Its transforms have only those 6 of the 8 positions along that
/// side, so the products at the other positions skip it (LeNet's C3: 484 tile
/// products per pair of channels instead of 9 x 64 = 576). In V and M the
/// tiles go in four groups, so that the tiles having each position are one
/// range (`having`): those short across only (the last column's), the whole
/// ones (row by row), those short down only (the last row's), then the one
/// short both ways.
#[derive(Clone, Copy)]
struct Order {
    /// Whole tiles down and across.
    rows: usize,
    columns: usize,
    /// Is the last row, the last column, short?
    short_row: bool,
    short_column: bool,
}

impl Order {
    fn new(dims: Dims) -> Order {
        let (oh, ow) = (dims.height - 4, dims.width - 4);
        Order { rows: oh / M, columns: ow / M, short_row: oh % M != 0, short_column: ow % M != 0 }
    }

    fn tile_rows(self) -> usize {
        self.rows + self.short_row as usize
    }

    fn tile_columns(self) -> usize {
        self.columns + self.short_column as usize
    }

    fn tiles(self) -> usize {
        self.tile_rows() * self.tile_columns()
    }

    /// The sizes of the four groups.
    fn groups(self) -> [usize; 4] {
        let (short_row, short_column) = (self.short_row as usize, self.short_column as usize);
        [self.rows * short_column, self.rows * self.columns, short_row * self.columns, short_row * short_column]
    }

    /// Where tile (ti, tj) goes.
    fn index(self, ti: usize, tj: usize) -> usize {
        let [across, whole, ..] = self.groups();
        match (ti < self.rows, tj < self.columns) {
            (true, false) => ti,
            (true, true) => across + ti * self.columns + tj,
            (false, true) => across + whole + tj,
            (false, false) => across + whole + self.columns,
        }
    }

    /// The tiles whose transforms have position (j, l): every tile where both
    /// are points of the short tiles' F(2, 5), else only the tiles whole down
    /// (j), across (l), or both.
    fn having(self, j: usize, l: usize) -> Range<usize> {
        let [across, whole, down, corner] = self.groups();
        let (every_row, every_column) = (SHORT.contains(&j), SHORT.contains(&l));
        let start = if every_column { 0 } else { across };
        let end = across + whole + if every_row { down + if every_column { corner } else { 0 } } else { 0 };
        start..end
    }
}

/// What [`forward`] writes of the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tiles {
    /// All of it: y [O, OH, OW].
    Whole,
    /// The largest of each 2 x 2 block, as a 2 x 2 max pooling at stride 2
    /// gives it, then a ReLU if `relu`: y [O, OH / 2, OW / 2].
    Max { relu: bool },
}

impl Tiles {
    /// Values written per 4 outputs.
    pub fn per_four(self) -> usize {
        match self {
            Tiles::Whole => 4,
            Tiles::Max { .. } => 1,
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
    let (lanes, order, plane, line) = (dims.lanes(), Order::new(dims), dims.plane(), width * dims.lanes());
    let (oh, ow) = (height - 4, width - 4);
    let positions = oh * ow / 4 * what.per_four();
    assert!(oh % 2 == 0 && ow % 2 == 0 && outputs % 4 == 0, "forward: even output sides, outputs in fours");
    assert!(x.len() == channels * height * width && bias.len() == outputs && y.len() == positions * outputs);
    assert!(kernels.len() == POSITIONS * channels * outputs, "forward: kernels of another shape");
    let (pixels, rest) = scratch.split_at_mut(height * line);
    let (rows, rest) = rest.split_at_mut(N * line);
    let (v, rest) = rest.split_at_mut(POSITIONS * plane * lanes);
    let (m, yt) = rest.split_at_mut(POSITIONS * plane * outputs);
    let yt = &mut yt[..positions * outputs];

    channels_last(x, (channels, width), lanes, pixels);
    input_transforms(pixels, rows, v, (dims, order));
    // M_x [T, O] = V_x [T, C] . U_x [C, O] over the tiles having position x; V_x's padding lanes are not read.
    for (x, u) in kernels.chunks_exact(channels * outputs).enumerate() {
        let tiles = order.having(x / N, x % N);
        products(&v[x * plane * lanes..], u, &mut m[x * plane * outputs..], (tiles, plane), (outputs, channels), lanes);
    }
    // Each tile's A^T M A, then + bias (or the largest of each 2 x 2 block + bias),
    // as far as the output reaches, into Y^T [positions, O], then Y.
    output_transforms(m, plane * outputs, order, outputs);
    write_outputs(m, bias, (yt, what), (dims, order));
    transpose(yt, (positions, outputs), y);
}

/// V = B^T d B for every tile, as V[x][t][c], from the channel-last `pixels`
/// through `rows` (one band of tile rows at a time). Inlined: one function
/// to the compiler, split for the reader.
#[inline(always)]
fn input_transforms(pixels: &[f32], rows: &mut [f32], v: &mut [f32], (dims, order): (Dims, Order)) {
    let (lanes, plane, height) = (dims.lanes(), dims.plane(), dims.height);
    let line = dims.width * lanes;
    let scales = (opaque(INPUT_SCALES), opaque(SHORT_SCALES));
    for ti in 0..order.tile_rows() {
        let short_row = ti == order.rows;
        // B^T down the tiles' rows, along the whole width at once, 4 lanes at
        // a time: 8 vectors in a row in `pixels` to 8 in a row in `rows`, so
        // `rows` holds float k of row j's line at N k + 4 j.
        // Safety: rows M ti..M ti + 8 (6 if short) <= height of each column p < line / 4
        // of `pixels`, and vectors 8 p..8 p + 8 of `rows` (N line floats).
        unsafe {
            let ends = (pixels.as_ptr().add(M * ti * 4), rows.as_mut_ptr());
            input_lines((short_row, line / 4), ends, ((4, 4), (height * 4, N * 4)), scales);
        }
        // B across each tile's columns.
        for tj in 0..order.tile_columns() {
            let (t, short_column) = (order.index(ti, tj), tj == order.columns);
            for &j in if short_row { &SHORT[..] } else { &EVERY[..] } {
                // Safety: columns M tj..M tj + 8 (6 if short) are inside the width, the
                // lanes' quads inside `rows` and V_x (x = N j + l), and t < tiles.
                unsafe {
                    let row = rows.as_ptr().add(M * tj * lanes * N + 4 * j);
                    let out = v.as_mut_ptr().add((N * j * plane + t) * lanes);
                    input_lines(
                        (short_column, lanes / 4),
                        (row, out),
                        ((lanes * N, plane * lanes), (4 * N, 4)),
                        scales,
                    );
                }
            }
        }
    }
}

/// Each tile's outputs (A^T M A, already in `m`) + bias into Y^T [positions,
/// O], as far as the output reaches; or, for `Tiles::Max`, the largest of
/// each 2 x 2 block + bias (and the ReLU). Inlined as `input_transforms`.
#[inline(always)]
fn write_outputs(m: &[f32], bias: &[f32], (yt, what): (&mut [f32], Tiles), (dims, order): (Dims, Order)) {
    let (plane, outputs) = (dims.plane(), dims.outputs);
    let (oh, ow) = (dims.height - 4, dims.width - 4);
    let tile_columns = order.tile_columns();
    for tile in 0..order.tiles() {
        let (ti, tj) = (tile / tile_columns, tile % tile_columns);
        let t = order.index(ti, tj);
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
                                at(i, j)
                                    .add(b)
                                    .store(yt.as_mut_ptr().add(((M * ti + i) * ow + M * tj + j) * outputs + q));
                            }
                        }
                    }
                    Tiles::Max { relu } => {
                        let (pi, pj) = (M / 2 * ti, M / 2 * tj);
                        for i in 0..(M / 2).min(oh / 2 - pi) {
                            for j in 0..(M / 2).min(ow / 2 - pj) {
                                // As `Pool2d` compares them (down, then across); adding b after
                                // the max gives what adding it first would: rounding keeps order.
                                let (u, v) = (2 * i, 2 * j);
                                let max = at(u, v).max(at(u + 1, v)).max(at(u, v + 1).max(at(u + 1, v + 1))).add(b);
                                // zero.max(v) is v where v > 0, else 0.0: `Activation::Relu`'s values.
                                let max = if relu { F32x4::splat(0.0).max(max) } else { max };
                                max.store(yt.as_mut_ptr().add(((pi + i) * (ow / 2) + pj + j) * outputs + q));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A^T M A for every tile, in place: M [64, block] holds M_x [T, O] for the
/// 64 positions x = 8 j + l, T in `order`'s order; after it, output (i, j)
/// of every tile is at position 8 i + j. Down the columns first (each
/// column's 8 products give its 4 outputs, written over its first 4; a short
/// tile's 6 give 2), then across the rows of outputs likewise.
fn output_transforms(m: &mut [f32], block: usize, order: Order, outputs: usize) {
    assert!(order.tiles() * outputs <= block && m.len() >= POSITIONS * block, "output_transforms: M too small");
    let (m, scales) = (m.as_mut_ptr(), opaque(OUTPUT_SCALES));
    let floats = |tiles: Range<usize>| tiles.start * outputs..tiles.end * outputs;
    // Safety (each call): positions first + step * 7 < 64, and the tiles < order.tiles().
    for l in 0..N {
        let (whole, every) = (order.having(WHOLE_ONLY, l), order.having(0, l));
        unsafe {
            output_lines(false, m, block, (l, N), floats(whole.clone()), scales);
            output_lines(true, m, block, (l, N), floats(whole.end..every.end), scales);
        }
    }
    for i in 0..M {
        // Output rows 0 and 1 are in every tile, 2 and 3 only in those whole down.
        let j = if i < 2 { 0 } else { WHOLE_ONLY };
        let (whole, every) = (order.having(j, WHOLE_ONLY), order.having(j, 0));
        unsafe {
            output_lines(false, m, block, (N * i, 1), floats(whole.clone()), scales);
            output_lines(true, m, block, (N * i, 1), floats(every.start..whole.start), scales);
            output_lines(true, m, block, (N * i, 1), floats(whole.end..every.end), scales);
        }
    }
}

/// A^T m for the floats `floats` of every block of M, in place: the 8
/// positions `step` apart from `first` (a short tile's 6, SHORT) give the
/// first 4 (2).
/// Safety: first + 7 step < 64, and `floats` lie inside a block.
unsafe fn output_lines(
    short: bool,
    m: *mut f32,
    block: usize,
    (first, step): (usize, usize),
    floats: Range<usize>,
    scales: [F32x4; 6],
) {
    let at = |k: usize, a: usize| m.add((first + step * a) * block + k);
    if short {
        for k in floats.step_by(4) {
            let z = short_output_transform(SHORT.map(|a| F32x4::load(at(k, a))), scales);
            for (a, z) in z.into_iter().enumerate() {
                z.store(at(k, a));
            }
        }
    } else {
        for k in floats.step_by(4) {
            let z = output_transform(from_fn(|a| F32x4::load(at(k, a))), scales);
            for (a, z) in z.into_iter().enumerate() {
                z.store(at(k, a));
            }
        }
    }
}

/// B^T d for `count` lines of tiles (F(2, 5)'s if `short`): line n's 8
/// inputs (6) `steps.0` floats apart from d + n next.0, its 8 outputs to the
/// positions (SHORT's) `steps.1` floats apart from out + n next.1. The branch
/// is taken once, outside the loop.
/// Safety: those inputs and outputs are in bounds.
#[inline(always)]
unsafe fn input_lines(
    (short, count): (bool, usize),
    (d, out): (*const f32, *mut f32),
    (steps, next): ((usize, usize), (usize, usize)),
    (scales, short_scales): ([F32x4; 8], [F32x4; 5]),
) {
    let lines = (0..count).map(|n| (d.add(n * next.0), out.add(n * next.1)));
    if short {
        for (d, out) in lines {
            let t = short_input_transform(from_fn(|a| F32x4::load(d.add(a * steps.0))), short_scales);
            for (k, t) in SHORT.into_iter().zip(t) {
                t.store(out.add(k * steps.1));
            }
        }
    } else {
        for (d, out) in lines {
            let t = input_transform(from_fn(|a| F32x4::load(d.add(a * steps.0))), scales);
            for (k, t) in t.into_iter().enumerate() {
                t.store(out.add(k * steps.1));
            }
        }
    }
}

/// M [T, O] = V [T, C] . U [C, O] over the rows `tiles` of V and M, V's rows
/// `lanes` apart: tiles of 3 x 8 (then 3 x 4) in registers, the last ending
/// where `tiles` ends (or, for fewer than 3 rows, reaching past them inside
/// the `plane`). (3 x 8 was the fastest tile for LeNet's C3 in Node, and
/// `gemm` is slower on products this short: C is the whole depth.)
fn products(
    v: &[f32],
    u: &[f32],
    m: &mut [f32],
    (tiles, plane): (Range<usize>, usize),
    (outputs, channels): (usize, usize),
    lanes: usize,
) {
    assert!(
        tiles.end <= plane && ROWS <= plane && v.len() >= plane * lanes && m.len() >= plane * outputs,
        "products: V or M is too small"
    );
    assert!(u.len() >= channels * outputs && channels <= lanes, "products: U is smaller than its shape");
    let last = tiles.end.max(tiles.start + ROWS).min(plane) - ROWS;
    for t in tiles.step_by(ROWS).map(|t| t.min(last)) {
        let mut o = 0;
        // Safety: rows t..t+ROWS <= plane of V and M, and columns o..o+4*NV of U and M, are inside them.
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

/// x [C, H, W] with a pixel's channels in `lanes` lanes, by columns of 4
/// lanes H long: channels c..c+4 of pixel (i, j) at ((j lanes + c) / 4 H + i) 4,
/// so that the 8 rows a tile's transform reads are 8 vectors in a row. The
/// lanes past C repeat channel C - 1: the products never read them. 4 x 4
/// blocks at a time, along each row (the last block of a row overlapping the
/// one before where W is not a multiple of 4).
fn channels_last(x: &[f32], (channels, width): (usize, usize), lanes: usize, out: &mut [f32]) {
    let pixels = x.len() / channels;
    let (rows, quads) = (pixels / width, lanes / 4);
    assert!(channels <= lanes && lanes % 4 == 0 && width >= 4, "channels_last: 4 x 4 blocks");
    assert!(out.len() >= pixels * lanes, "channels_last: the output is too small");
    // Floats from one pixel's lanes to the next pixel's along a row.
    let next = quads * rows * 4;
    for c in (0..channels).step_by(4) {
        // Safety: channels c..c+4 (at most C - 1) of x, pixels (i, j..j+4) inside
        // a row of it; each pixel's lanes c..c+4 <= lanes lie inside `out`.
        unsafe {
            let planes: [*const f32; 4] = from_fn(|r| x.as_ptr().add((c + r).min(channels - 1) * pixels));
            let quad = out.as_mut_ptr().add(c * rows);
            for i in 0..rows {
                for j in (0..width).step_by(4).map(|j| j.min(width - 4)) {
                    let block = planes.map(|plane| F32x4::load(plane.add(i * width + j)));
                    let at = quad.add(j * next + 4 * i);
                    for (k, pixel) in F32x4::transpose(block).into_iter().enumerate() {
                        pixel.store(at.add(k * next));
                    }
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

/// The scales `short_input_transform` multiplies by: 1/4, 3, 3.75, 7.5, 4.
const SHORT_SCALES: [f32; 5] = [0.25, 3.0, 3.75, 7.5, 4.0];

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
    let (e, f) =
        (d6.mul_add(d2, quarter).mul_add(d4, minus_k125), d1.mul(half).mul_add(d3, minus_k25).mul_add(d5, two));
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

/// F(2, 5)'s B^T d for one line d of a short tile, its rows at the positions
/// of [`SHORT`] (the points 0, 1, -1, 2, -2 and infinity):
///   B^T = [1  0     -5/4   0     1/4   0]   A^T = [1 1  1 1  1 0]
///         [0 -3     -3     3/4   3/4   0]         [0 1 -1 2 -2 1]
///         [0  3     -3    -3/4   3/4   0]
///         [0 -15/2  -15/4  15/2  15/4  0]
///         [0  15/2  -15/4 -15/2  15/4  0]
///         [0  4      0    -5     0     1]
/// These make the same kernels' transforms do: G's row for a point is the
/// kernel's polynomial there, scaled, whatever the tile's size, and these
/// B^T and A^T were solved for G's scales. `scales`: [`SHORT_SCALES`].
#[inline(always)]
fn short_input_transform(
    [d0, d1, d2, d3, d4, d5]: [F32x4; 6],
    [quarter, three, k375, k75, four]: [F32x4; 5],
) -> [F32x4; 6] {
    let (e, f) = (d4.sub(d2), d3.sub(d1));
    let (g, h) = (d4.mul(quarter).sub(d2).mul(three), d3.mul(quarter).sub(d1).mul(three));
    let (ke, kf) = (e.mul(k375), f.mul(k75));
    [d0.sub(d2).add(e.mul(quarter)), g.add(h), g.sub(h), ke.add(kf), ke.sub(kf), d5.sub(d3).sub(f.mul(four))]
}

/// F(2, 5)'s A^T m for one line m of a short tile's products (at the
/// positions of [`SHORT`]). `scales`: [`OUTPUT_SCALES`].
#[inline(always)]
fn short_output_transform([m0, m1, m2, m3, m4, m7]: [F32x4; 6], [two, ..]: [F32x4; 6]) -> [F32x4; 2] {
    [m0.add(m1.add(m2)).add(m3.add(m4)), m1.sub(m2).add(m3.sub(m4).mul(two)).add(m7)]
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
