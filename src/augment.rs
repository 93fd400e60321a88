//! Training-time augmentation: small random affine warps and stroke-width
//! changes, so that digits drawn by people (off-centre, small, large, slanted,
//! thick or thin) look like something the network has seen.
//!
//! Each output pixel p samples the input bilinearly at
//!   q = A^-1 (p - c - t) + c
//! where c is the image centre, t a shift and A = rotation . shear . scale.
//! Stroke width: a 3x3 grey-level dilation (thicker) or erosion (thinner),
//! blended with the warped image by a random amount.

/// Ranges of the random transformations; each is drawn uniformly in +-range.
#[derive(Debug, Clone, Copy)]
pub struct Augment {
    pub rotate_degrees: f32,
    /// Relative size change: 0.15 draws scales in [0.85, 1.15].
    pub scale: f32,
    /// Extra independent change of width against height.
    pub aspect: f32,
    pub shear: f32,
    /// Shift in pixels, per axis.
    pub shift: f32,
    /// Chance of a stroke-width change (half thicker, half thinner).
    pub stroke: f32,
}

impl Default for Augment {
    fn default() -> Self {
        Augment { rotate_degrees: 12.0, scale: 0.15, aspect: 0.1, shear: 0.15, shift: 2.0, stroke: 0.5 }
    }
}

impl Augment {
    /// Warps one `side` x `side` image from `src` into `out`.
    pub fn apply(&self, rng: &mut fastrand::Rng, src: &[f32], out: &mut [f32], side: usize) {
        let mut draw = |range: f32| (rng.f32() * 2.0 - 1.0) * range;
        let angle = draw(self.rotate_degrees).to_radians();
        let scale = 1.0 + draw(self.scale);
        let (sx, sy) = (scale * (1.0 + draw(self.aspect)), scale);
        let shear = draw(self.shear);
        let (tx, ty) = (draw(self.shift), draw(self.shift));
        let stroke = rng.f32();
        let blend = 0.4 + 0.6 * rng.f32();
        // A = R(angle) . [[1, shear], [0, 1]] . diag(sx, sy); invert it.
        let (cos, sin) = (angle.cos(), angle.sin());
        let a = [[cos * sx, (cos * shear - sin) * sy], [sin * sx, (sin * shear + cos) * sy]];
        let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
        let inv = [[a[1][1] / det, -a[0][1] / det], [-a[1][0] / det, a[0][0] / det]];
        let c = (side as f32 - 1.0) / 2.0;
        let ink = InkBox::of(src, side);
        // Where each output pixel of a row samples the source: a first pass
        // with no branches (it vectorizes), then the reads.
        let (mut qx, mut qy) = (vec![0.0f32; side], vec![0.0f32; side]);
        for (y, row) in out.chunks_exact_mut(side).enumerate() {
            for (x, (qx, qy)) in qx.iter_mut().zip(&mut qy).enumerate() {
                let (dx, dy) = (x as f32 - c - tx, y as f32 - c - ty);
                *qx = inv[0][0] * dx + inv[0][1] * dy + c;
                *qy = inv[1][0] * dx + inv[1][1] * dy + c;
            }
            for ((out, &qx), &qy) in row.iter_mut().zip(&qx).zip(&qy) {
                *out = if ink.near(qx, qy) { bilinear(src, side, qx, qy) } else { 0.0 };
            }
        }
        if stroke < self.stroke {
            let thicker = stroke < self.stroke / 2.0;
            let morphed = morph(out, side, thicker);
            for (o, m) in out.iter_mut().zip(morphed) {
                *o += blend * (m - *o);
            }
        }
    }
}

/// The smallest box of pixels holding every nonzero pixel of an image (most
/// of a digit is background), as the sample positions that read it.
struct InkBox {
    x: (f32, f32),
    y: (f32, f32),
}

impl InkBox {
    fn of(img: &[f32], side: usize) -> InkBox {
        let (mut x, mut y) = ((side, 0), (side, 0));
        for (row, line) in img.chunks_exact(side).enumerate() {
            // -0.0 counts as ink: a sample reading it need not give +0.0.
            if let Some(first) = line.iter().position(|v| v.to_bits() != 0) {
                let last = line.iter().rposition(|v| v.to_bits() != 0).unwrap_or(first);
                x = (x.0.min(first), x.1.max(last));
                y = (y.0.min(row), y.1.max(row));
            }
        }
        // A sample at q reads the pixels floor(q) and floor(q) + 1.
        let reads = |(first, last): (usize, usize)| (first as f32 - 1.0, last as f32 + 1.0);
        InkBox { x: reads(x), y: reads(y) }
    }

    /// Whether a bilinear sample at (x, y) reads any pixel of the box. If not,
    /// it reads only +0.0 and gives +0.0.
    fn near(&self, x: f32, y: f32) -> bool {
        x >= self.x.0 && x < self.x.1 && y >= self.y.0 && y < self.y.1
    }
}

/// Bilinear sample with zeros outside the image.
fn bilinear(src: &[f32], side: usize, x: f32, y: f32) -> f32 {
    let (x0, y0) = (floor(x), floor(y));
    let (fx, fy) = (x - x0, y - y0);
    let [top_left, top_right, bottom_left, bottom_right] =
        if x0 >= 0.0 && y0 >= 0.0 && x0 + 1.0 < side as f32 && y0 + 1.0 < side as f32 {
            // All four pixels inside (most samples): no check per pixel.
            let at = y0 as usize * side + x0 as usize;
            [src[at], src[at + 1], src[at + side], src[at + side + 1]]
        } else {
            let at = |xi: f32, yi: f32| {
                if xi < 0.0 || yi < 0.0 || xi >= side as f32 || yi >= side as f32 {
                    0.0
                } else {
                    src[yi as usize * side + xi as usize]
                }
            };
            [at(x0, y0), at(x0 + 1.0, y0), at(x0, y0 + 1.0), at(x0 + 1.0, y0 + 1.0)]
        };
    let top = top_left * (1.0 - fx) + top_right * fx;
    let bottom = bottom_left * (1.0 - fx) + bottom_right * fx;
    top * (1.0 - fy) + bottom * fy
}

/// `f32::floor` for the small coordinates here, exactly: x86-64's baseline
/// has no floor instruction, and a call to floorf per sample took a tenth
/// of the warping.
fn floor(x: f32) -> f32 {
    let t = x as i32 as f32; // towards zero
    if t > x {
        t - 1.0
    } else if t == x {
        x // whole already (and -0.0 stays -0.0)
    } else {
        t
    }
}

/// Grey-level dilation (max) or erosion (min) over a 3x3 cross.
fn morph(img: &[f32], side: usize, dilate: bool) -> Vec<f32> {
    // The image inside a border of zeros, so that no neighbour needs a check.
    let wide = side + 2;
    let mut padded = vec![0.0; wide * wide];
    for (row, line) in padded.chunks_exact_mut(wide).skip(1).zip(img.chunks_exact(side)) {
        row[1..=side].copy_from_slice(line);
    }
    // (Comparisons, not f32::max and min: wasm has no instruction with
    // their NaN rules, so those are calls. There are no NaNs here.)
    let pick = |v: f32, n: f32| if (dilate && n > v) || (!dilate && n < v) { n } else { v };
    let mut out = vec![0.0; side * side];
    for (y, line) in out.chunks_exact_mut(side).enumerate() {
        let (above, here, below) = (&padded[y * wide..], &padded[(y + 1) * wide..], &padded[(y + 2) * wide..]);
        for (x, out) in line.iter_mut().enumerate() {
            // The pixel, then left, right, up, down.
            *out = pick(pick(pick(pick(here[x + 1], here[x]), here[x + 2]), above[x + 1]), below[x + 1]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Vec<f32> {
        let mut img = vec![0.0; 32 * 32];
        for y in 12..20 {
            for x in 10..22 {
                img[y * 32 + x] = 1.0;
            }
        }
        img
    }

    #[test]
    fn floor_is_f32_floor() {
        for x in [-40.5, -1.0, -0.75, -1e-9, -0.0, 0.0, 1e-9, 0.5, 1.0, 31.999, 33.25, 1e6 + 0.5] {
            assert_eq!(floor(x).to_bits(), x.floor().to_bits(), "{x}");
        }
    }

    /// Against the definition: each pixel's largest (smallest) value among
    /// itself and its 4 neighbours, 0 outside the image.
    #[test]
    fn morph_matches_its_definition() {
        let mut rng = fastrand::Rng::with_seed(3);
        let img: Vec<f32> = (0..7 * 7).map(|_| rng.f32()).collect();
        for dilate in [true, false] {
            let fast = morph(&img, 7, dilate);
            for (y, x) in (0..7).flat_map(|y| (0..7).map(move |x| (y, x))) {
                let at = |x: isize, y: isize| {
                    if (0..7).contains(&x) && (0..7).contains(&y) {
                        img[y as usize * 7 + x as usize]
                    } else {
                        0.0
                    }
                };
                let (x, y) = (x as isize, y as isize);
                let around = [at(x, y), at(x - 1, y), at(x + 1, y), at(x, y - 1), at(x, y + 1)];
                let expected = around.into_iter().reduce(|a, b| if dilate { a.max(b) } else { a.min(b) }).unwrap();
                assert_eq!(fast[y as usize * 7 + x as usize], expected, "({x}, {y}), dilate {dilate}");
            }
        }
    }

    /// Skipping the samples away from the ink changes nothing: each one
    /// skipped would have read only +0.0 and given +0.0, bit for bit.
    #[test]
    fn samples_away_from_the_ink_give_plus_zero() {
        let mut rng = fastrand::Rng::with_seed(4);
        let mut skipped = 0;
        for _ in 0..50 {
            // A few pixels of ink (one of them maybe -0.0) in a 12 x 12 image.
            let mut img = vec![0.0f32; 144];
            for _ in 0..rng.usize(1..4) {
                img[rng.usize(..144)] = if rng.bool() { rng.f32() } else { -0.0 };
            }
            let ink = InkBox::of(&img, 12);
            for _ in 0..2000 {
                let (x, y) = (rng.f32() * 16.0 - 2.0, rng.f32() * 16.0 - 2.0);
                if !ink.near(x, y) {
                    assert_eq!(bilinear(&img, 12, x, y).to_bits(), 0, "({x}, {y})");
                    skipped += 1;
                }
            }
        }
        assert!(skipped > 50_000, "the test skipped only {skipped} samples");
    }

    #[test]
    fn no_change_when_every_range_is_zero() {
        let none = Augment { rotate_degrees: 0.0, scale: 0.0, aspect: 0.0, shear: 0.0, shift: 0.0, stroke: 0.0 };
        let mut out = vec![0.0; 1024];
        none.apply(&mut fastrand::Rng::with_seed(1), &square(), &mut out, 32);
        assert_eq!(out, square());
    }

    #[test]
    fn warps_stay_small_and_keep_the_ink() {
        let mut rng = fastrand::Rng::with_seed(2);
        let src = square();
        let ink: f32 = src.iter().sum();
        let mut changed = 0;
        for _ in 0..200 {
            let mut out = vec![0.0; 1024];
            Augment::default().apply(&mut rng, &src, &mut out, 32);
            let total: f32 = out.iter().sum();
            assert!(total > 0.4 * ink && total < 2.2 * ink, "ink {total} vs {ink}");
            assert!(out.iter().all(|v| (0.0..=1.0 + 1e-6).contains(v)));
            // The centre of mass moves by at most the shift plus rounding.
            let (mut cx, mut cy) = (0.0, 0.0);
            for (i, v) in out.iter().enumerate() {
                cx += (i % 32) as f32 * v;
                cy += (i / 32) as f32 * v;
            }
            let (cx, cy) = (cx / total, cy / total);
            assert!((cx - 15.5).abs() < 3.5 && (cy - 15.5).abs() < 3.5, "centre ({cx}, {cy})");
            changed += (out != src) as usize;
        }
        assert_eq!(changed, 200);
    }
}
