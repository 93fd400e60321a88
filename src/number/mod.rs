//! Reading a whole number: several digits written side by side on one
//! canvas, read left to right.
//!
//! 1. Ink: the canvas through steps 1 and 2 of [`crate::preprocess`].
//! 2. Pieces: connected groups of ink (8-neighbours, ink above [`CORE`]),
//!    or, when the caller knows the pen's strokes, each stroke's ink
//!    ([`strokes`]). Specks far smaller than the largest piece are dropped.
//! 3. Digits of several strokes: the pieces, sorted left to right, are
//!    grouped into digits by the reading that the network likes best
//!    (a dynamic programme over runs of up to [`MAX_PIECES`] neighbouring
//!    pieces that overlap across). So the bar of a 4, the cap of a 5, a 7's
//!    crossbar or a 1's foot join their digit when the whole reads better
//!    than the parts; pieces side by side pay [`JOIN_COST`] to be joined.
//! 4. Digits that touch: a group wider than [`WIDE`] times its height is
//!    also tried cut in two at the columns where its ink is thinnest, each
//!    side read again as one digit or cut again; the cut is kept when the
//!    sides read better than the whole (or the whole is not a digit). The
//!    network is trained to call two digits side by side "not a digit"
//!    ([`crate::synth`]), or it reads a touching pair as one digit as surely
//!    as either half, and the whole wins. A 1 at either end of a group may
//!    be cut out narrower than other digits when it is one tall stroke.
//! 5. Marks that are not digits are dropped: a scribble by the network's
//!    "not a digit" answer ([`crate::Spec::reject`]); a point, a comma or a
//!    dash by its size, less than [`MARK_HEIGHT`] of the tallest digit's
//!    height (the network sees every piece scaled to the same size).
//!
//! Every group goes through the same preprocessing (crop, 20 px, centre) as
//! a single digit, and is read as [`Network::read`] reads one (five shifted
//! readings averaged: the parse's choices are only as good as the readings
//! they compare). A reading's score is the log of its probability, less a
//! cost for a digit much wider than tall or for a piece left out, so a parse
//! is as likely as the product of its digits' probabilities and shapes.

use serde::Serialize;

use crate::error::Result;
use crate::model::{Network, Workspace};
use crate::preprocess::{self, SIDE};
use crate::read::Reading;

mod strokes;
pub use strokes::Stroke;

/// Ink above this is part of a piece (the antialiased edge below it is not,
/// so two strokes that nearly touch stay apart).
const CORE: f32 = 0.3;
/// Pieces with fewer pixels than this share of the largest are specks.
const SPECK: f32 = 0.02;
/// At most this many pieces make one digit.
const MAX_PIECES: usize = 3;
/// A group at least this many times as wide as it is tall is also tried as
/// several digits.
const WIDE: f32 = 0.7;
/// The columns of least ink tried as cuts through touching digits.
const THINNEST: usize = 6;
/// What a digit wider than usual costs its reading's score, per unit of
/// width beyond [`USUAL_WIDTH`] times its height: two touching digits then
/// read as two, not as one wide one.
const WIDTH_COST: f32 = 2.0;
const USUAL_WIDTH: f32 = 1.1;
/// What cutting a group into one more digit costs the score.
const SPLIT_COST: f32 = 0.6;
/// What joining two pieces side by side into one digit costs the score.
const JOIN_COST: f32 = 2.0;
/// A piece read as a digit is a mark (a decimal point, a comma, a dash)
/// when it is less tall than this share of the tallest digit's height.
const MARK_HEIGHT: f32 = 0.5;
/// What leaving a piece out as "not a digit" costs the score: without it,
/// dropping is free, and a 5 whose bowl is lifted off its cap reads as the
/// 2 of its bowl alone, the cap left out.
const DROP_COST: f32 = 2.0;
/// A digit cut out of a group is this many times the group's height wide,
/// at least and at most (thin slices of a digit read as 1s)...
const MIN_DIGIT_WIDTH: f32 = 0.2;
const MAX_DIGIT_WIDTH: f32 = 1.2;
/// ...but a 1 touching its neighbour is narrower: a narrow stretch at an
/// end of a group may be read when its ink is one stroke at least this
/// share of the group's height (a slice of a scribble is not).
const ONE_TALL: f32 = 0.7;

/// A box in canvas pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Box {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

/// One digit of a number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberDigit {
    pub digit: u32,
    pub confidence: f32,
    /// The ten digits' probabilities.
    pub probabilities: Vec<f32>,
    #[serde(rename = "box")]
    pub bbox: Box,
    /// The network's input for this digit (1 x 32 x 32), as it read it.
    #[serde(skip)]
    pub input: Vec<f32>,
}

/// What [`Network::read_digits`] makes of a canvas.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberReading {
    /// The digits joined, left to right ("" for a blank canvas).
    pub text: String,
    pub digits: Vec<NumberDigit>,
}

/// A set of ink pixels (indices into the canvas) and their bounding box.
#[derive(Debug, Clone)]
struct Piece {
    pixels: Vec<u32>,
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

impl Piece {
    fn of(pixels: Vec<u32>, width: usize) -> Piece {
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for &p in &pixels {
            let (x, y) = (p as usize % width, p as usize / width);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
        }
        Piece { pixels, x0, y0, x1, y1 }
    }

    fn join(parts: &[Piece], width: usize) -> Piece {
        Piece::of(parts.iter().flat_map(|p| p.pixels.iter().copied()).collect(), width)
    }

    fn bbox(&self) -> Box {
        Box { x: self.x0, y: self.y0, width: self.x1 - self.x0, height: self.y1 - self.y0 }
    }
}

/// A piece read by the network (from `input`), with the log of its
/// answer's probability.
struct Read {
    piece: Piece,
    input: Vec<f32>,
    reading: Reading,
    score: f32,
}

impl Network {
    /// Reads every digit on a `width x height` RGBA canvas, left to right.
    /// A blank canvas gives no digits; errors as [`preprocess::preprocess_rgba`].
    pub fn read_digits(&self, rgba: &[u8], width: usize, height: usize, ws: &mut Workspace) -> Result<NumberReading> {
        self.read_digits_in_strokes(rgba, width, height, &[], ws)
    }

    /// As [`Network::read_digits`], knowing the `strokes` that drew the
    /// canvas (none: read as `read_digits` reads): each stroke's ink is a
    /// piece, so digits that touch but were written apart stay apart. Ink
    /// no stroke explains is read by its connected groups. A stroke with a
    /// point that is not finite, or a pen width that is not positive, is an
    /// error.
    pub fn read_digits_in_strokes(
        &self,
        rgba: &[u8],
        width: usize,
        height: usize,
        strokes: &[Stroke],
        ws: &mut Workspace,
    ) -> Result<NumberReading> {
        strokes::check(strokes, width, height)?;
        let Some(ink) = preprocess::ink_rgba(rgba, width, height)? else {
            return Ok(NumberReading { text: String::new(), digits: Vec::new() });
        };
        let by_strokes = !strokes.is_empty();
        let reader = Reader { net: self, ink: &ink.values, width, inverted: ink.inverted, by_strokes };
        let pieces = if by_strokes {
            let (mut found, rest) = strokes::stroke_pieces(&ink.values, width, height, strokes);
            found.extend(components(&rest, width, height));
            without_specks(found)
        } else {
            pieces(&ink.values, width, height)
        };
        let reads = reader.parse(&pieces, ws)?;
        let tallest = reads.iter().filter(|r| r.reading.digit.is_some()).map(|r| r.piece.y1 - r.piece.y0).max();
        let mut digits = Vec::new();
        for read in reads {
            let Some(digit) = read.reading.digit else { continue };
            // Preprocessing scales every piece to the same size, so the
            // network cannot tell a decimal point from a 0; the number can.
            if ((read.piece.y1 - read.piece.y0) as f32) < MARK_HEIGHT * tallest.unwrap_or(0) as f32 {
                continue;
            }
            digits.push(NumberDigit {
                digit,
                confidence: read.reading.confidence,
                probabilities: read.reading.probabilities,
                bbox: read.piece.bbox(),
                input: read.input,
            });
        }
        let text = digits.iter().map(|d| char::from_digit(d.digit, 10).unwrap_or('?')).collect();
        Ok(NumberReading { text, digits })
    }
}

struct Reader<'a> {
    net: &'a Network,
    ink: &'a [f32],
    width: usize,
    inverted: bool,
    /// The pieces are strokes: one digit's strokes often lie over each other.
    by_strokes: bool,
}

impl Reader<'_> {
    /// The best reading of the pieces (sorted left to right): runs of
    /// neighbouring pieces joined into digits, wide ones cut into several.
    fn parse(&self, pieces: &[Piece], ws: &mut Workspace) -> Result<Vec<Read>> {
        // best[i]: the best score of the first i pieces, and where its last run starts.
        let n = pieces.len();
        let mut best: Vec<(f32, usize, Vec<Read>)> = Vec::with_capacity(n + 1);
        best.push((0.0, 0, Vec::new()));
        for end in 1..=n {
            let mut choice: Option<(f32, usize, Vec<Read>)> = None;
            for start in end.saturating_sub(MAX_PIECES)..end {
                let run = &pieces[start..end];
                if run.len() > 1 && !overlapping(run) {
                    continue;
                }
                let reads = self.read_group(Piece::join(run, self.width), ws)?;
                // Joined pieces must make digits: a mark that is not a digit
                // is one piece (else two digits joined could vanish as one).
                if run.len() > 1 && reads.iter().any(|r| r.reading.digit.is_none()) {
                    continue;
                }
                let apart =
                    if self.by_strokes && start > 0 { apart_cost(&pieces[start - 1], &pieces[start]) } else { 0.0 };
                let score = best[start].0 + reads.iter().map(|r| r.score).sum::<f32>() - join_cost(run) - apart;
                if choice.as_ref().is_none_or(|c| score > c.0) {
                    choice = Some((score, start, reads));
                }
            }
            best.push(choice.expect("a run of one piece is always tried"));
        }
        // Walk back from the end.
        let mut runs = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start, reads) = std::mem::replace(&mut best[end], (0.0, 0, Vec::new()));
            runs.push(reads);
            end = start;
        }
        Ok(runs.into_iter().rev().flatten().collect())
    }

    /// One group read as one digit or, if it is wide, as the best row of
    /// digits made by cutting it at some of its thinnest columns (a dynamic
    /// programme over the cuts: each stretch between two cuts is read once).
    fn read_group(&self, piece: Piece, ws: &mut Workspace) -> Result<Vec<Read>> {
        let whole = self.read(piece, ws)?;
        let (w, h) = (whole.piece.x1 - whole.piece.x0, whole.piece.y1 - whole.piece.y0);
        if (w as f32) < WIDE * h as f32 {
            return Ok(vec![whole]);
        }
        let mut cuts = self.cuts(&whole.piece, h);
        cuts.insert(0, whole.piece.x0);
        cuts.push(whole.piece.x1);
        // best[j]: the best row of digits from cuts[0] to cuts[j].
        let mut best: Vec<Option<(f32, usize, Option<Read>)>> = (0..cuts.len()).map(|_| None).collect();
        best[0] = Some((0.0, 0, None));
        for j in 1..cuts.len() {
            for i in 0..j {
                let Some(before) = best[i].as_ref().map(|b| b.0) else { continue };
                let span = cuts[j] - cuts[i];
                // A stretch narrower than a digit can still be a 1 touching
                // its neighbour: at an end of the group, if it is one stroke.
                let (last, narrow) = (cuts.len() - 1, (span as f32) < MIN_DIGIT_WIDTH * h as f32);
                if (i, j) == (0, last) || span as f32 > MAX_DIGIT_WIDTH * h as f32 || (narrow && i != 0 && j != last) {
                    continue;
                }
                let pixels: Vec<u32> = whole
                    .piece
                    .pixels
                    .iter()
                    .copied()
                    .filter(|&p| (cuts[i]..cuts[j]).contains(&(p as usize % self.width)))
                    .collect();
                if pixels.is_empty() {
                    continue;
                }
                let piece = Piece::of(pixels, self.width);
                if narrow && !one_stroke(&piece, self.width, h) {
                    continue;
                }
                let read = self.read(piece, ws)?;
                if read.reading.digit.is_none() {
                    continue;
                }
                // Each digit past the first costs SPLIT_COST: slices of one
                // digit often read confidently as a 1 and something.
                let score = before + read.score - if i == 0 { 0.0 } else { SPLIT_COST };
                if best[j].as_ref().is_none_or(|b| score > b.0) {
                    best[j] = Some((score, i, Some(read)));
                }
            }
        }
        let Some((score, _, _)) = best[cuts.len() - 1] else { return Ok(vec![whole]) };
        if score <= whole.score && whole.reading.digit.is_some() {
            return Ok(vec![whole]);
        }
        let mut reads = Vec::new();
        let mut j = cuts.len() - 1;
        while j > 0 {
            let (_, i, read) = best[j].take().expect("a step of the best row");
            reads.extend(read);
            j = i;
        }
        reads.reverse();
        Ok(reads)
    }

    /// Where to try cutting a wide piece: every sixth of its height across,
    /// and its columns of least ink (where two digits often touch).
    fn cuts(&self, piece: &Piece, height: usize) -> Vec<usize> {
        let w = piece.x1 - piece.x0;
        let mut columns = vec![0u32; w];
        for &p in &piece.pixels {
            columns[p as usize % self.width - piece.x0] += 1;
        }
        let step = (height / 6).max(2);
        let apart = (height / 12).max(2);
        let mut thinnest: Vec<usize> = (apart.min(w)..w.saturating_sub(apart)).collect();
        thinnest.sort_by_key(|&c| (columns[c], c));
        let mut picked: Vec<usize> = Vec::new();
        for c in thinnest.into_iter().take(THINNEST).chain((step..w.saturating_sub(apart)).step_by(step)) {
            if picked.iter().all(|&q| q.abs_diff(c) >= apart) {
                picked.push(c);
            }
        }
        picked.sort_unstable();
        picked.into_iter().map(|c| piece.x0 + c).collect()
    }

    /// Reads one piece: its ink (with the faint edge around it) cropped and
    /// preprocessed as a single digit.
    fn read(&self, piece: Piece, ws: &mut Workspace) -> Result<Read> {
        let margin = 2;
        let height = self.ink.len() / self.width;
        let (x0, y0) = (piece.x0.saturating_sub(margin), piece.y0.saturating_sub(margin));
        let (x1, y1) = ((piece.x1 + margin).min(self.width), (piece.y1 + margin).min(height));
        let (w, h) = (x1 - x0, y1 - y0);
        let mut crop = vec![0.0f32; w * h];
        // The piece's own pixels, and the faint edge (not part of any piece)
        // next to them.
        let mut own = vec![false; w * h];
        for &p in &piece.pixels {
            let (x, y) = (p as usize % self.width, p as usize / self.width);
            own[(y - y0) * w + (x - x0)] = true;
        }
        for y in 0..h {
            for x in 0..w {
                let v = self.ink[(y0 + y) * self.width + x0 + x];
                let near = || {
                    (y.saturating_sub(1)..(y + 2).min(h))
                        .any(|yy| (x.saturating_sub(1)..(x + 2).min(w)).any(|xx| own[yy * w + xx]))
                };
                if own[y * w + x] || (v > 0.0 && v <= CORE && near()) {
                    crop[y * w + x] = v;
                }
            }
        }
        let input = match preprocess::from_levelled(&crop, w, h, self.inverted) {
            Some(p) => p.input,
            None => vec![0.0; SIDE * SIDE],
        };
        let reading = self.net.read(&input, ws)?;
        let aspect = (piece.x1 - piece.x0) as f32 / (piece.y1 - piece.y0) as f32;
        let cost = if reading.digit.is_some() { WIDTH_COST * (aspect - USUAL_WIDTH).max(0.0) } else { DROP_COST };
        let score = reading.confidence.max(1e-9).ln() - cost;
        Ok(Read { piece, input, reading, score })
    }
}

/// Whether a narrow stretch of a group could be a 1 on its own: its ink is
/// one piece (specks aside) at least [`ONE_TALL`] of the group's height.
fn one_stroke(p: &Piece, width: usize, group_height: usize) -> bool {
    let (w, h) = (p.x1 - p.x0, p.y1 - p.y0);
    if (h as f32) < ONE_TALL * group_height as f32 {
        return false;
    }
    let mut ink = vec![0.0; w * h];
    for &q in &p.pixels {
        let (x, y) = (q as usize % width, q as usize / width);
        ink[(y - p.y0) * w + x - p.x0] = 1.0;
    }
    pieces(&ink, w, h).len() == 1
}

/// What joining a run of pieces into one digit costs the score: nothing
/// for pieces stacked over each other (a 5's cap, a 4's stem), up to
/// [`JOIN_COST`] a pair for pieces side by side, which are usually two digits.
fn join_cost(run: &[Piece]) -> f32 {
    run.windows(2)
        .map(|w| {
            let (a, b) = (&w[0], &w[1]);
            let across = a.x1.min(b.x1).saturating_sub(a.x0.max(b.x0)) as f32;
            let narrower = (a.x1 - a.x0).min(b.x1 - b.x0).max(1) as f32;
            JOIN_COST * (1.0 - across / narrower).clamp(0.0, 1.0)
        })
        .sum()
}

/// What parting two strokes that lie mostly over each other costs the
/// score: up to [`JOIN_COST`] as more than half the narrower one's width
/// is under the other (the two loops of an 8 read well as 0 and 0; two
/// digits written close overlap less).
fn apart_cost(a: &Piece, b: &Piece) -> f32 {
    let across = a.x1.min(b.x1).saturating_sub(a.x0.max(b.x0)) as f32;
    let narrower = (a.x1 - a.x0).min(b.x1 - b.x0).max(1) as f32;
    JOIN_COST * (2.0 * across / narrower - 1.0).clamp(0.0, 1.0)
}

/// Whether each piece of a run overlaps the next across (their column
/// ranges meet, or almost: within a tenth of the taller one's height).
fn overlapping(run: &[Piece]) -> bool {
    run.windows(2).all(|w| {
        let slack = (w[0].y1 - w[0].y0).max(w[1].y1 - w[1].y0) / 10;
        // Sorted by their middles, the second piece ends right of the
        // first's start; it only has to start before the first ends.
        w[1].x0 < w[0].x1 + slack
    })
}

/// The connected pieces of ink above [`CORE`], specks dropped, sorted by
/// their middles, left to right.
fn pieces(ink: &[f32], width: usize, height: usize) -> Vec<Piece> {
    without_specks(components(ink, width, height))
}

/// The connected pieces of ink above [`CORE`]. Each row's ink is cut into
/// runs, and a run joins the runs of the row above that it touches
/// (8-neighbours) in a union-find: far fewer steps than visiting each
/// pixel's neighbours.
fn components(ink: &[f32], width: usize, height: usize) -> Vec<Piece> {
    // (row, first column, end column) of each run, row by row.
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let mut row_runs = Vec::with_capacity(height + 1);
    for (y, row) in ink.chunks_exact(width).enumerate() {
        row_runs.push(runs.len());
        let mut x = 0;
        while x < width {
            if row[x] > CORE {
                let start = x;
                while x < width && row[x] > CORE {
                    x += 1;
                }
                runs.push((y, start, x));
            }
            x += 1;
        }
    }
    row_runs.push(runs.len());
    // Each run's root is the first run of its piece in reading order.
    let mut parent: Vec<usize> = (0..runs.len()).collect();
    for y in 1..height {
        let above = row_runs[y - 1]..row_runs[y];
        let mut first = above.start;
        for run in row_runs[y]..row_runs[y + 1] {
            let (_, start, end) = runs[run];
            // Runs above that end left of this one's first column less one
            // cannot touch it, nor any run to its right.
            while first < above.end && runs[first].2 < start {
                first += 1;
            }
            let mut other = first;
            while other < above.end && runs[other].1 <= end {
                let (a, b) = (root(&mut parent, run), root(&mut parent, other));
                parent[a.max(b)] = a.min(b);
                other += 1;
            }
        }
    }
    // Pieces numbered in the order their first run comes.
    let mut piece_of = vec![usize::MAX; runs.len()];
    let mut pixels: Vec<Vec<u32>> = Vec::new();
    for (run, &(y, start, end)) in runs.iter().enumerate() {
        let r = root(&mut parent, run);
        if piece_of[r] == usize::MAX {
            piece_of[r] = pixels.len();
            pixels.push(Vec::new());
        }
        pixels[piece_of[r]].extend((start..end).map(|x| (y * width + x) as u32));
    }
    pixels.into_iter().map(|p| Piece::of(p, width)).collect()
}

/// The pieces without specks, sorted by their middles, left to right.
fn without_specks(mut pieces: Vec<Piece>) -> Vec<Piece> {
    let largest = pieces.iter().map(|p| p.pixels.len()).max().unwrap_or(0);
    pieces.retain(|p| p.pixels.len() as f32 >= SPECK * largest as f32);
    // Left to right by their middle, so a wide cap sorts with its digit.
    pieces.sort_by_key(|p| (p.x0 + p.x1, p.y0));
    pieces
}

/// The root of `i` in a union-find forest, halving the path on the way.
#[inline(never)] // one copy for its three callers: the .wasm's bytes
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces by their definition: a flood fill over 8-neighbours from
    /// each unvisited pixel above [`CORE`], each piece's pixels sorted.
    fn flood(ink: &[f32], width: usize, height: usize) -> Vec<Vec<u32>> {
        let mut seen = vec![false; ink.len()];
        let mut found = Vec::new();
        for start in 0..ink.len() {
            if ink[start] <= CORE || seen[start] {
                continue;
            }
            seen[start] = true;
            let (mut piece, mut stack) = (Vec::new(), vec![start]);
            while let Some(p) = stack.pop() {
                piece.push(p as u32);
                let (x, y) = ((p % width) as isize, (p / width) as isize);
                for (dx, dy) in (-1..=1).flat_map(|dx| (-1..=1).map(move |dy| (dx, dy))) {
                    let (nx, ny) = (x + dx, y + dy);
                    if (0..width as isize).contains(&nx) && (0..height as isize).contains(&ny) {
                        let q = ny as usize * width + nx as usize;
                        if ink[q] > CORE && !seen[q] {
                            seen[q] = true;
                            stack.push(q);
                        }
                    }
                }
            }
            piece.sort_unstable();
            found.push(piece);
        }
        found
    }

    #[test]
    fn pieces_are_the_8_connected_groups_of_ink() {
        let mut rng = fastrand::Rng::with_seed(7);
        for (width, height, density) in
            [(1, 1, 0.5), (1, 9, 0.6), (9, 1, 0.6), (17, 13, 0.3), (40, 25, 0.45), (33, 31, 0.6)]
        {
            for _ in 0..20 {
                let ink: Vec<f32> = (0..width * height)
                    .map(|_| if rng.f32() < density { 0.31 + 0.69 * rng.f32() } else { CORE * rng.f32() })
                    .collect();
                let mut expected = flood(&ink, width, height);
                let largest = expected.iter().map(Vec::len).max().unwrap_or(0);
                expected.retain(|p| p.len() as f32 >= SPECK * largest as f32);
                let mut got: Vec<Vec<u32>> = pieces(&ink, width, height)
                    .into_iter()
                    .map(|p| {
                        let mut pixels = p.pixels;
                        pixels.sort_unstable();
                        pixels
                    })
                    .collect();
                got.sort();
                expected.sort();
                assert_eq!(got, expected, "{width} x {height}, density {density}");
            }
        }
    }
}
