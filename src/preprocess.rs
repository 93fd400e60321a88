//! Canvas or image pixels -> the network's input convention: 1 x 32 x 32 f32,
//! row-major, background 0.0, ink 1.0, placed the way MNIST placed its digits.
//! Shared by the page (canvas RGBA) and the CLI (decoded PNG or JPEG).
//!
//! 1. Ink. Each pixel is composited over white, so transparent counts as
//!    white: v = lum * a + (1 - a), with lum = 0.299 r + 0.587 g + 0.114 b
//!    (Rec. 601 on the sRGB bytes) and everything in [0, 1]. Dark ink on a
//!    light ground gives ink = 1 - v = a (1 - lum). If the mean v of the
//!    outermost rows and columns is below 0.5, the image is light on dark and
//!    ink = v instead.
//! 2. Levels. The background b is the median ink of that border and m the
//!    strongest ink; ink' = clamp((ink - b) / (m - b), 0, 1). The image is
//!    blank if m - b < 0.1, or if fewer than 2 pixels have ink' > 0.05.
//! 3. Crop to the bounding box of the pixels with ink' > 0.05.
//! 4. Resize so the longer side is 20 pixels, keeping the aspect ratio, with a
//!    separable triangle filter as in PIL's antialiased resize: output pixel i
//!    is centred at input position c = (i + 0.5) * s, s = in / out, and input
//!    pixel j gets the weight max(0, 1 - |j + 0.5 - c| / r), r = max(1, s),
//!    normalized over the pixels inside the crop. The result is then
//!    stretched so its strongest pixel is 1.0: downscaling averages a thin
//!    stroke with the paper around it, and MNIST strokes are at full strength.
//! 5. Centre. With (cx, cy) the centre of mass of the resized digit in
//!    pixel-index coordinates, it is moved by (round(14 - cx), round(14 - cy))
//!    into a 28 x 28 field, clipping what falls outside, so the centre of mass
//!    lands within half a pixel of index 14, as in MNIST (its training digits
//!    have centres of mass in [13.5, 14.5], mean 14.0). Padding by 2 on each
//!    side then puts it within half a pixel of (16, 16) in the input.

use crate::{Error, Result};

/// Side of the network input, in pixels.
pub const SIDE: usize = 32;
/// The largest image accepted, in pixels (4096 x 4096).
pub const MAX_PIXELS: usize = 4096 * 4096;

/// Side of the MNIST field inside the input.
const FIELD: usize = 28;
/// Padding around the field on each side.
const PAD: usize = (SIDE - FIELD) / 2;
/// The longer side of the digit once resized.
const BOX: usize = 20;
/// The least contrast between ink and background that is not blank.
const MIN_CONTRAST: f32 = 0.1;
/// Ink (after levels) above this counts, for the speck test and the crop.
/// Low, so the faint edge of a stroke stays inside the box as in MNIST.
const INK_LEVEL: f32 = 0.05;
/// Fewer inked pixels than this is a speck, not a drawing.
const MIN_INK_PIXELS: usize = 2;

/// An image turned into one network input.
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocessed {
    /// `SIDE x SIDE` values in [0, 1], row-major.
    pub input: Vec<f32>,
    /// The ink's bounding box in source pixels, `(x0, y0, x1, y1)`, with
    /// `x1` and `y1` exclusive.
    pub bbox: (usize, usize, usize, usize),
    /// True if the image was read as light ink on a dark background.
    pub inverted: bool,
}

/// Turns `width x height` RGBA bytes (row-major, as in a canvas `ImageData`
/// or a decoded image) into a network input. `Ok(None)` means the image is
/// blank: nothing drawn, or too faint or too small to be a digit. Errors if a
/// side is 0, the image has more than [`MAX_PIXELS`], or `rgba` is not
/// `width * height * 4` bytes long.
pub fn preprocess_rgba(rgba: &[u8], width: usize, height: usize) -> Result<Option<Preprocessed>> {
    let Some(ink) = ink_rgba(rgba, width, height)? else { return Ok(None) };
    Ok(from_levelled(&ink.values, width, height, ink.inverted))
}

/// A whole image's ink after steps 1 and 2: values in [0, 1], row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Ink {
    pub values: Vec<f32>,
    pub inverted: bool,
}

/// Steps 1 and 2 on RGBA bytes, checked as [`preprocess_rgba`] checks them;
/// `Ok(None)` when the image has too little contrast to hold a drawing.
pub fn ink_rgba(rgba: &[u8], width: usize, height: usize) -> Result<Option<Ink>> {
    let pixels = check_size(width, height)?;
    if rgba.len() != pixels * 4 {
        return Err(Error::Input(format!(
            "a {width}x{height} RGBA image has {} bytes (4 per pixel), got {}",
            pixels * 4,
            rgba.len()
        )));
    }
    let mut ink: Vec<f32> = rgba.chunks_exact(4).map(|p| darkness(p.try_into().expect("chunks of 4"))).collect();
    let edge = border(width, height);
    let inverted = edge.clone().map(|i| ink[i]).sum::<f32>() > 0.5 * edge.count() as f32;
    if inverted {
        ink.iter_mut().for_each(|v| *v = 1.0 - *v);
    }
    Ok(levels(&mut ink, width, height).then_some(Ink { values: ink, inverted }))
}

/// Steps 2 to 5 on an image that is already ink (0 paper, 1 ink), row-major,
/// `width x height`: for drawings made in code. `None` means blank.
pub fn preprocess_ink(mut ink: Vec<f32>, width: usize, height: usize) -> Option<Preprocessed> {
    levels(&mut ink, width, height).then(|| from_levelled(&ink, width, height, false)).flatten()
}

/// How dark one RGBA pixel is once composited over white, a (1 - lum), in
/// [0, 1]. (Taking 4 bytes as an array lets the loop over pixels vectorize.)
fn darkness([r, g, b, a]: [u8; 4]) -> f32 {
    let [r, g, b, a] = [r, g, b, a].map(f32::from);
    a * (255.0 - (0.299 * r + 0.587 * g + 0.114 * b)) * (1.0 / (255.0 * 255.0))
}

/// The number of pixels, or an error for an empty or oversized image.
fn check_size(width: usize, height: usize) -> Result<usize> {
    if width == 0 || height == 0 {
        return Err(Error::Input(format!(
            "the image is {width}x{height} pixels; it needs at least one pixel in each direction"
        )));
    }
    match width.checked_mul(height) {
        Some(pixels) if pixels <= MAX_PIXELS => Ok(pixels),
        _ => Err(Error::Input(format!(
            "the image is {width}x{height} pixels, more than the {MAX_PIXELS} (4096x4096) accepted; scale it down first"
        ))),
    }
}

/// Step 2 in place; false if the image is blank (too little contrast).
fn levels(ink: &mut [f32], width: usize, height: usize) -> bool {
    let background = median(&border(width, height).map(|i| ink[i]).collect::<Vec<_>>());
    let strongest = peak(ink);
    if strongest - background < MIN_CONTRAST {
        return false;
    }
    let gain = 1.0 / (strongest - background);
    ink.iter_mut().for_each(|v| *v = ((*v - background) * gain).clamp(0.0, 1.0));
    true
}

/// Steps 3 to 5 on ink after levels; `None` if it is a speck.
pub fn from_levelled(ink: &[f32], width: usize, height: usize, inverted: bool) -> Option<Preprocessed> {
    let inked = |v: &f32| *v > INK_LEVEL;
    let (mut x0, mut y0, mut x1, mut y1, mut count) = (width, height, 0, 0, 0);
    for (y, row) in ink.chunks_exact(width).enumerate() {
        let Some(first) = row.iter().position(inked) else { continue };
        let last = first + row[first..].iter().rposition(inked).unwrap_or(0);
        (x0, y0, x1, y1) = (x0.min(first), y0.min(y), x1.max(last + 1), y1.max(y + 1));
        count += row[first..=last].iter().filter(|v| inked(v)).count();
    }
    if count < MIN_INK_PIXELS {
        return None;
    }
    let bbox = (x0, y0, x1, y1);
    let (digit, w) = resize(ink, width, bbox);
    Some(Preprocessed { input: centre(&digit, w), bbox, inverted })
}

/// Indices of the outermost rows and columns, each pixel once.
fn border(width: usize, height: usize) -> impl Iterator<Item = usize> + Clone {
    let top = 0..width;
    let bottom = (height > 1).then(|| (height - 1) * width..height * width).into_iter().flatten();
    let sides = (1..height.saturating_sub(1)).flat_map(move |y| {
        let right = (width > 1).then_some(y * width + width - 1);
        std::iter::once(y * width).chain(right)
    });
    top.chain(bottom).chain(sides)
}

/// The largest value, or 0.0: a max over 8 lanes, so the loop vectorizes.
fn peak(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        lanes.iter_mut().zip(chunk).for_each(|(l, &v)| *l = l.max(v));
    }
    lanes.iter().chain(rest).copied().fold(0.0, f32::max)
}

/// The median (the upper one for an even count) of a non-empty list: the
/// smallest value that more than half the list is at most, found by halving
/// the range of bit patterns in `f32::total_cmp`'s order, 32 counts of the
/// list. (`select_nth_unstable` made the .wasm larger.)
fn median(values: &[f32]) -> f32 {
    let key = |v: f32| {
        let bits = v.to_bits();
        if bits >> 31 == 1 {
            !bits
        } else {
            bits | 1 << 31
        }
    };
    let (half, mut low, mut high) = (values.len() / 2, 0, u32::MAX);
    while low < high {
        let mid = low + (high - low) / 2;
        if values.iter().filter(|&&v| key(v) <= mid).count() > half {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    *values.iter().find(|&&v| key(v) == low).expect("the median is one of the values")
}

/// Resizes the `bbox` crop of `ink` (rows of `width`) so its longer side is
/// BOX, then stretches it so its strongest pixel is 1.0. Returns the digit
/// and its width.
fn resize(ink: &[f32], width: usize, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> (Vec<f32>, usize) {
    let (cw, ch) = (x1 - x0, y1 - y0);
    let scale = BOX as f32 / cw.max(ch) as f32;
    let side = |n: usize| ((n as f32 * scale).round() as usize).clamp(1, BOX);
    let (w, h) = (side(cw), side(ch));
    let (across, down) = (Taps::new(cw, w), Taps::new(ch, h));

    // Along the rows first: ch x w.
    let mut rows = vec![0.0f32; ch * w];
    for (y, out) in rows.chunks_exact_mut(w).enumerate() {
        let src = &ink[(y0 + y) * width + x0..][..cw];
        for (i, o) in out.iter_mut().enumerate() {
            let (start, weights) = across.get(i);
            *o = weights.iter().zip(&src[start..]).map(|(k, v)| k * v).sum();
        }
    }
    // Then down the columns: h x w.
    let mut digit = vec![0.0f32; h * w];
    for (j, out) in digit.chunks_exact_mut(w).enumerate() {
        let (start, weights) = down.get(j);
        for (k, src) in weights.iter().zip(rows.chunks_exact(w).skip(start)) {
            out.iter_mut().zip(src).for_each(|(o, v)| *o += k * v);
        }
    }
    let gain = 1.0 / peak(&digit).max(f32::MIN_POSITIVE);
    digit.iter_mut().for_each(|v| *v = (*v * gain).min(1.0));
    (digit, w)
}

/// Triangle-filter weights for resizing `n_in` samples to `n_out` (see the
/// module doc): for each output sample, its first input and its weights.
struct Taps {
    spans: Vec<(usize, usize)>,
    weights: Vec<f32>,
    stride: usize,
}

impl Taps {
    fn new(n_in: usize, n_out: usize) -> Taps {
        let step = n_in as f32 / n_out as f32;
        let radius = step.max(1.0);
        let stride = 2 * radius.ceil() as usize + 1;
        let mut spans = Vec::with_capacity(n_out);
        let mut weights = vec![0.0f32; n_out * stride];
        for (i, taps) in weights.chunks_exact_mut(stride).enumerate() {
            let centre = (i as f32 + 0.5) * step;
            let start = (centre - radius).max(0.0) as usize;
            let end = ((centre + radius).ceil() as usize).min(n_in);
            let mut len = 0;
            for (tap, j) in taps.iter_mut().zip(start..end) {
                *tap = (1.0 - (j as f32 + 0.5 - centre).abs() / radius).max(0.0);
                len += 1;
            }
            let sum: f32 = taps.iter().sum();
            taps.iter_mut().for_each(|t| *t /= sum);
            spans.push((start, len));
        }
        Taps { spans, weights, stride }
    }

    fn get(&self, i: usize) -> (usize, &[f32]) {
        let (start, len) = self.spans[i];
        (start, &self.weights[i * self.stride..][..len])
    }
}

/// Places the digit (rows of `w`) in the field so its centre of mass lands
/// within half a pixel of (14, 14), clips, and pads to `SIDE x SIDE`.
fn centre(digit: &[f32], w: usize) -> Vec<f32> {
    let (mut mass, mut mx, mut my) = (0.0f32, 0.0f32, 0.0f32);
    for (y, row) in digit.chunks_exact(w).enumerate() {
        for (x, &v) in row.iter().enumerate() {
            (mass, mx, my) = (mass + v, mx + v * x as f32, my + v * y as f32);
        }
    }
    let mass = mass.max(f32::MIN_POSITIVE);
    let half = (FIELD / 2) as f32;
    // Where the digit's pixel (0, 0) goes in the input.
    let left = (half - mx / mass).round() as isize + PAD as isize;
    let top = (half - my / mass).round() as isize + PAD as isize;
    let field = PAD as isize..(PAD + FIELD) as isize;
    let mut input = vec![0.0f32; SIDE * SIDE];
    for (y, row) in digit.chunks_exact(w).enumerate() {
        let iy = top + y as isize;
        for (x, &v) in row.iter().enumerate() {
            let ix = left + x as isize;
            if field.contains(&iy) && field.contains(&ix) {
                input[iy as usize * SIDE + ix as usize] = v;
            }
        }
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: usize = 280;

    /// Coverage in [0, 1] of a stroke of radius `r` along `points`, each pixel
    /// antialiased by its distance to the polyline (as a canvas draws it).
    fn stroke(w: usize, h: usize, points: &[(f32, f32)], r: f32) -> Vec<f32> {
        let dist = |px: f32, py: f32| {
            points
                .windows(2)
                .map(|s| {
                    let ((ax, ay), (bx, by)) = (s[0], s[1]);
                    let (dx, dy) = (bx - ax, by - ay);
                    let t = (((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                    (px - ax - t * dx).hypot(py - ay - t * dy)
                })
                .fold(f32::INFINITY, f32::min)
        };
        (0..w * h).map(|i| (r + 0.5 - dist((i % w) as f32 + 0.5, (i / w) as f32 + 0.5)).clamp(0.0, 1.0)).collect()
    }

    fn rect(w: usize, h: usize, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> Vec<f32> {
        (0..w * h).map(|i| ((x0..x1).contains(&(i % w)) && (y0..y1).contains(&(i / w))) as u8 as f32).collect()
    }

    /// A "7" with a canvas-like 16-pixel brush, its top-left corner at (x, y).
    fn seven(x: f32, y: f32) -> Vec<f32> {
        let points = [(x, y), (x + 90.0, y), (x + 30.0, y + 150.0)];
        stroke(W, W, &points.map(|(px, py)| (px + 8.0, py + 8.0)), 8.0)
    }

    fn byte(c: f32) -> u8 {
        (c * 255.0).round() as u8
    }

    /// Black ink on a transparent canvas: the ink is in the alpha channel.
    fn on_transparent(cover: &[f32]) -> Vec<u8> {
        cover.iter().flat_map(|&c| [0, 0, 0, byte(c)]).collect()
    }

    /// Opaque pixels, blending grey `ink` over grey `paper` by the coverage.
    fn on_opaque(cover: &[f32], ink: u8, paper: u8) -> Vec<u8> {
        let grey = |c: f32| byte((ink as f32 * c + paper as f32 * (1.0 - c)) / 255.0);
        cover.iter().flat_map(|&c| [grey(c), grey(c), grey(c), 255]).collect()
    }

    fn run(rgba: &[u8], w: usize, h: usize) -> Preprocessed {
        preprocess_rgba(rgba, w, h).unwrap().expect("not blank")
    }

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
    }

    /// Centre of mass (x, y) of the input, in pixel-index coordinates.
    fn centre_of_mass(input: &[f32]) -> (f32, f32) {
        let mass: f32 = input.iter().sum();
        let along =
            |coord: fn(usize) -> usize| input.iter().enumerate().map(|(i, v)| v * coord(i) as f32).sum::<f32>() / mass;
        (along(|i| i % SIDE), along(|i| i / SIDE))
    }

    /// The range of columns and of rows that hold any ink.
    fn extent(input: &[f32]) -> ((usize, usize), (usize, usize)) {
        let inked = |coord: fn(usize) -> usize| {
            let mut hits = (0..SIDE * SIDE).filter(|&i| input[i] > 0.0).map(coord);
            let first = hits.next().unwrap();
            hits.fold((first, first + 1), |(lo, hi), c| (lo.min(c), hi.max(c + 1)))
        };
        (inked(|i| i % SIDE), inked(|i| i / SIDE))
    }

    #[test]
    fn rectangle_becomes_a_centred_20_pixel_box() {
        // 60 wide, 120 tall: resized to 10 x 20.
        let out = run(&on_transparent(&rect(W, W, (100, 50, 160, 170))), W, W);
        assert_eq!(out.bbox, (100, 50, 160, 170));
        assert!(!out.inverted);
        let ((x0, x1), (y0, y1)) = extent(&out.input);
        assert_eq!((x1 - x0, y1 - y0), (10, 20));
        assert!(x0 >= PAD && y0 >= PAD && x1 <= PAD + FIELD && y1 <= PAD + FIELD);
        // A whole-pixel shift leaves the centre of mass within half a pixel of
        // (16, 16); this box has it at exactly .5, a tie, hence the 1e-3.
        let (cx, cy) = centre_of_mass(&out.input);
        assert!((cx - 16.0).abs() <= 0.5 + 1e-3 && (cy - 16.0).abs() <= 0.5 + 1e-3, "{cx} {cy}");
        // Solid ink stays solid, up to the edges of the box.
        let inside = (y0..y1).flat_map(|y| (x0..x1).map(move |x| y * SIDE + x));
        assert!(inside.map(|i| out.input[i]).all(|v| (v - 1.0).abs() < 1e-5));
    }

    #[test]
    fn light_on_dark_and_opaque_paper_read_the_same() {
        let cover = seven(40.0, 30.0);
        let reference = run(&on_transparent(&cover), W, W);
        let black_on_white = run(&on_opaque(&cover, 0, 255), W, W);
        let white_on_black = run(&on_opaque(&cover, 255, 0), W, W);
        assert!(!reference.inverted && !black_on_white.inverted && white_on_black.inverted);
        assert!(max_diff(&reference.input, &black_on_white.input) < 1e-5);
        assert!(max_diff(&reference.input, &white_on_black.input) < 1e-5);
        // Grey pencil on grey paper: levels stretch it back to full strength;
        // only the 8-bit rounding of 190 grey steps (not 255) differs.
        let pencil = run(&on_opaque(&cover, 30, 220), W, W);
        assert_eq!(pencil.bbox, reference.bbox);
        assert!(max_diff(&reference.input, &pencil.input) < 0.01);
    }

    #[test]
    fn same_drawing_elsewhere_gives_the_same_input() {
        // Moved by whole pixels, the drawing and so its input are the same.
        let a = run(&on_transparent(&seven(20.0, 10.0)), W, W);
        let b = run(&on_transparent(&seven(150.0, 110.0)), W, W);
        assert_eq!((b.bbox.0 - a.bbox.0, b.bbox.1 - a.bbox.1), (130, 100));
        assert!(max_diff(&a.input, &b.input) < 1e-6);
        // Moved by a fraction of a pixel, the antialiased edges change and the
        // box may grow by a pixel (1% of the scale): small differences only.
        for (dx, dy) in [(0.25, 0.0), (0.5, 0.5), (130.37, 100.61)] {
            let b = run(&on_transparent(&seven(20.0 + dx, 10.0 + dy)), W, W);
            let mean = a.input.iter().zip(&b.input).map(|(x, y)| (x - y).abs()).sum::<f32>() / (SIDE * SIDE) as f32;
            assert!(max_diff(&a.input, &b.input) < 0.15 && mean < 0.005, "({dx}, {dy}): mean {mean}");
        }
    }

    #[test]
    fn blank_images_give_none() {
        let one = |rgba: [u8; 4]| rgba.repeat(W * W);
        assert!(preprocess_rgba(&one([0, 0, 0, 0]), W, W).unwrap().is_none());
        assert!(preprocess_rgba(&one([255, 255, 255, 255]), W, W).unwrap().is_none());
        assert!(preprocess_rgba(&one([0, 0, 0, 255]), W, W).unwrap().is_none());
        assert!(preprocess_rgba(&one([90, 90, 90, 255]), W, W).unwrap().is_none());
        // A faint smudge (contrast 0.06) and a single black pixel.
        let mut faint = rect(W, W, (100, 100, 130, 130));
        faint.iter_mut().for_each(|c| *c *= 0.06);
        assert!(preprocess_rgba(&on_transparent(&faint), W, W).unwrap().is_none());
        let dot = rect(W, W, (140, 140, 141, 141));
        assert!(preprocess_rgba(&on_transparent(&dot), W, W).unwrap().is_none());
        // Two pixels are a (tiny) drawing.
        let two = rect(W, W, (140, 140, 142, 141));
        assert!(preprocess_rgba(&on_transparent(&two), W, W).unwrap().is_some());
    }

    #[test]
    fn thin_diagonal_line_survives_downscaling() {
        // One pixel wide, 260 long: 13x smaller once resized.
        let line: Vec<f32> =
            (0..W * W).map(|i| (i % W == i / W && (10..270).contains(&(i % W))) as u8 as f32).collect();
        let out = run(&on_transparent(&line), W, W);
        let ((x0, x1), (y0, y1)) = extent(&out.input);
        assert_eq!((x1 - x0, y1 - y0), (20, 20));
        for y in y0..y1 {
            let row = &out.input[y * SIDE..][..SIDE];
            // Strong on the diagonal, nothing away from it.
            assert!(row[x0 + y - y0] > 0.3, "row {y}: {row:?}");
            for (x, &v) in row.iter().enumerate() {
                if (x as isize - (x0 + y - y0) as isize).abs() > 1 {
                    assert_eq!(v, 0.0, "row {y}: {row:?}");
                }
            }
        }
    }

    #[test]
    fn tiny_drawing_is_scaled_up() {
        // 2 x 4 pixels -> 10 x 20, solid.
        let out = run(&on_transparent(&rect(W, W, (7, 200, 9, 204))), W, W);
        let ((x0, x1), (y0, y1)) = extent(&out.input);
        assert_eq!((x1 - x0, y1 - y0), (10, 20));
        let inside = (y0..y1).flat_map(|y| (x0..x1).map(move |x| y * SIDE + x));
        assert!(inside.map(|i| out.input[i]).all(|v| (v - 1.0).abs() < 1e-5));
    }

    /// A "0" drawn in MNIST's own style: 28 x 28, light on dark, 20 pixels
    /// tall, thicker at the lower right so its centre of mass is near 14.
    #[test]
    fn mnist_style_digit_comes_out_as_its_padded_self() {
        const N: usize = 28;
        const SUB: usize = 8;
        let inside = |x: f32, y: f32, (cx, cy, rx, ry): (f32, f32, f32, f32)| {
            ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2) <= 1.0
        };
        let digit: Vec<u8> = (0..N * N)
            .map(|i| {
                let hits = (0..SUB * SUB)
                    .filter(|s| {
                        let x = (i % N) as f32 + ((s % SUB) as f32 + 0.5) / SUB as f32;
                        let y = (i / N) as f32 + ((s / SUB) as f32 + 0.5) / SUB as f32;
                        inside(x, y, (14.0, 14.0, 7.0, 10.0)) && !inside(x, y, (13.1, 13.1, 4.0, 6.5))
                    })
                    .count();
                byte(hits as f32 / (SUB * SUB) as f32)
            })
            .collect();
        let mut padded = vec![0.0f32; SIDE * SIDE];
        for (i, &v) in digit.iter().enumerate() {
            padded[(i / N + PAD) * SIDE + i % N + PAD] = v as f32 / 255.0;
        }
        // What makes it MNIST-style: 20 rows with ink, full strength, centre
        // of mass near 14 (16 once padded).
        let ((_, _), (y0, y1)) = extent(&padded);
        let (cx, cy) = centre_of_mass(&padded);
        assert_eq!(y1 - y0, 20);
        assert_eq!(digit.iter().max(), Some(&255));
        assert!((cx - 16.0).abs() < 0.2 && (cy - 16.0).abs() < 0.2, "{cx} {cy}");

        let rgba: Vec<u8> = digit.iter().flat_map(|&v| [v, v, v, 255]).collect();
        let out = run(&rgba, N, N);
        assert!(out.inverted);
        assert!(max_diff(&out.input, &padded) < 1e-6);
    }

    #[test]
    fn bad_sizes_are_errors_that_say_why() {
        let message = |rgba: &[u8], w: usize, h: usize| match preprocess_rgba(rgba, w, h) {
            Err(Error::Input(m)) => m,
            other => panic!("{w}x{h}: expected an input error, got {other:?}"),
        };
        assert!(message(&[], 0, 10).contains("0x10"));
        assert!(message(&[], 10, 0).contains("10x0"));
        let m = message(&[0; 99], 5, 5);
        assert!(m.contains("5x5") && m.contains("has 100 bytes") && m.contains("got 99"), "{m}");
        assert!(message(&[0; 16], usize::MAX, 2).contains("4096x4096"));
        assert!(message(&[0; 16], 5000, 5000).contains("scale it down"));
    }

    #[test]
    fn odd_shapes_and_random_bytes_never_panic() {
        let mut rng = fastrand::Rng::with_seed(3);
        let mut drawings = 0;
        for (w, h) in [(1, 1), (1, 2), (2, 1), (1, 500), (500, 1), (3, 7), (7, 3), (33, 1000), (1000, 33)] {
            for _ in 0..4 {
                let rgba: Vec<u8> = (0..w * h * 4).map(|_| rng.u8(..)).collect();
                if let Some(out) = preprocess_rgba(&rgba, w, h).unwrap() {
                    assert_eq!(out.input.len(), SIDE * SIDE);
                    assert!(out.input.iter().all(|v| (0.0..=1.0).contains(v)));
                    let (x0, y0, x1, y1) = out.bbox;
                    assert!(x0 < x1 && x1 <= w && y0 < y1 && y1 <= h);
                    drawings += 1;
                }
            }
        }
        // Noise has ink against its median: most of these are not blank.
        assert!(drawings > 20, "{drawings}");
    }

    #[test]
    fn median_is_the_middle_of_the_sorted_list() {
        let mut rng = fastrand::Rng::with_seed(4);
        for len in (1..40).chain([255, 256, 1000]) {
            // Zeros of both signs, repeated, among values of both signs and many sizes.
            let values: Vec<f32> =
                (0..len).map(|_| [-0.0, 0.0, 0.25, 1.0, -3.5, 1e-30][rng.usize(..6)] * rng.f32()).collect();
            let mut sorted = values.clone();
            sorted.sort_by(f32::total_cmp);
            assert_eq!(median(&values).to_bits(), sorted[len / 2].to_bits(), "{len} values");
        }
    }
}
