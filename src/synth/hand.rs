//! One writer's hand: how a unit-box drawing lands on the canvas (size,
//! slant, rotation, width against height), how wide the pen is, and an
//! elastic distortion afterwards (Simard et al. 2003: a smooth random field
//! of displacements, here interpolated from a coarse grid of random ones,
//! which is as smooth as a blurred per-pixel field and far cheaper).

use super::path::{gaussian, Program};
use super::pen::{Canvas, Point};

/// The canvas the generator draws on, in pixels: a few times the network's
/// input, so strokes are antialiased as on the page's pad before
/// preprocessing shrinks them.
pub const CANVAS: usize = 72;

#[derive(Debug, Clone, Copy)]
pub struct Hand {
    /// Height of the unit box on the canvas, in pixels.
    pub size: f32,
    /// x moves by `slant` times the height above the middle.
    slant: f32,
    rotate: f32,
    /// Width against height.
    aspect: f32,
    /// Pen width in pixels.
    pub pen: f32,
    /// How far points of a stroke program move, in units of the box.
    pub jitter: f32,
    /// Standard deviation of the elastic displacements, in pixels (0: none).
    elastic: f32,
}

impl Hand {
    pub fn random(rng: &mut fastrand::Rng) -> Hand {
        Hand {
            size: 32.0 + 10.0 * rng.f32(),
            slant: (0.1 + 0.15 * gaussian(rng)).clamp(-0.35, 0.45),
            rotate: (6.0 * gaussian(rng)).clamp(-12.0, 12.0).to_radians(),
            aspect: 0.75 + 0.45 * rng.f32(),
            pen: 2.0 + 5.0 * rng.f32() * rng.f32().sqrt(),
            jitter: 0.01 + 0.03 * rng.f32(),
            elastic: if rng.bool() { 0.6 + 1.4 * rng.f32() } else { 0.0 },
        }
    }

    /// A unit-box point on the canvas.
    pub fn place(&self, [x, y]: Point) -> Point {
        let (x, y) = ((x - 0.5) * self.aspect, y - 0.5);
        let x = x - self.slant * y;
        let (cos, sin) = (self.rotate.cos(), self.rotate.sin());
        let centre = CANVAS as f32 / 2.0;
        [centre + self.size * (cos * x - sin * y), centre + self.size * (sin * x + cos * y)]
    }

    /// Draws unit-box polylines with this hand, distorted.
    pub fn draw(&self, rng: &mut fastrand::Rng, lines: &[Vec<Point>]) -> Canvas {
        let mut canvas = Canvas::new(CANVAS);
        for line in lines {
            let placed: Vec<Point> = line.iter().map(|&p| self.place(p)).collect();
            canvas.stroke(&placed, self.pen);
        }
        distort(rng, &canvas, self.elastic)
    }

    /// How this hand moves the points of a stroke program it writes.
    pub fn jitter_of_writing(&self) -> super::path::Jitter {
        super::path::Jitter { point: self.jitter, radius: self.jitter * 1.5, angle: 6.0 }
    }

    /// Draws a stroke program, its points jittered by this hand.
    pub fn write(&self, rng: &mut fastrand::Rng, program: &Program) -> Canvas {
        let lines = program.jittered(rng, self.jitter_of_writing()).polylines();
        self.draw(rng, &lines)
    }
}

/// Elastic distortion: each pixel reads the image `d` away, d drawn on a
/// 5 x 5 grid over the canvas (standard deviation `sd` pixels) and
/// interpolated bilinearly in between. `sd == 0` returns the canvas as it is.
pub fn distort(rng: &mut fastrand::Rng, canvas: &Canvas, sd: f32) -> Canvas {
    if sd == 0.0 {
        return canvas.clone();
    }
    const GRID: usize = 5;
    let field: Vec<[f32; 2]> = (0..GRID * GRID).map(|_| [sd * gaussian(rng), sd * gaussian(rng)]).collect();
    let side = canvas.side;
    let cell = (side - 1) as f32 / (GRID - 1) as f32;
    let mut out = Canvas::new(side);
    for y in 0..side {
        for x in 0..side {
            let (gx, gy) = (x as f32 / cell, y as f32 / cell);
            let (ix, iy) = ((gx as usize).min(GRID - 2), (gy as usize).min(GRID - 2));
            let (fx, fy) = (gx - ix as f32, gy - iy as f32);
            let at = |i: usize, j: usize, k: usize| field[j * GRID + i][k];
            let d = |k| {
                let top = at(ix, iy, k) * (1.0 - fx) + at(ix + 1, iy, k) * fx;
                let bottom = at(ix, iy + 1, k) * (1.0 - fx) + at(ix + 1, iy + 1, k) * fx;
                top * (1.0 - fy) + bottom * fy
            };
            out.ink[y * side + x] = bilinear(&canvas.ink, side, x as f32 + d(0), y as f32 + d(1));
        }
    }
    out
}

/// A bilinear sample of a square image, zero outside it.
pub fn bilinear(img: &[f32], side: usize, x: f32, y: f32) -> f32 {
    bilinear_rect(img, side, side, x, y)
}

/// A bilinear sample of a `width x height` image, zero outside it.
pub fn bilinear_rect(img: &[f32], width: usize, height: usize, x: f32, y: f32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| {
        if xi < 0.0 || yi < 0.0 || xi >= width as f32 || yi >= height as f32 {
            0.0
        } else {
            img[yi as usize * width + xi as usize]
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    top * (1.0 - fy) + bottom * fy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distortion_moves_ink_a_little_and_keeps_most_of_it() {
        let mut rng = fastrand::Rng::with_seed(5);
        let mut c = Canvas::new(CANVAS);
        c.stroke(&[[16.0, 32.0], [48.0, 32.0]], 5.0);
        let ink: f32 = c.ink.iter().sum();
        for _ in 0..20 {
            let d = distort(&mut rng, &c, 2.0);
            let moved: f32 = d.ink.iter().sum();
            assert!((moved - ink).abs() < 0.25 * ink, "{moved} vs {ink}");
            // Nothing lands far from the line: 3 standard deviations and the pen.
            for (i, &v) in d.ink.iter().enumerate() {
                if v > 0.0 {
                    assert!(((i / CANVAS) as f32 - 32.0).abs() < 6.0 + 2.5 + 1.0, "row {}", i / CANVAS);
                }
            }
        }
        assert_eq!(distort(&mut rng, &c, 0.0).ink, c.ink);
    }

    #[test]
    fn the_unit_box_lands_in_the_middle_of_the_canvas() {
        let mut rng = fastrand::Rng::with_seed(6);
        for _ in 0..100 {
            let hand = Hand::random(&mut rng);
            // Glyphs keep to [0.1, 0.9]; with the pen they stay on the canvas.
            let inside = 0.0 + hand.pen..CANVAS as f32 - hand.pen;
            for p in [[0.1, 0.1], [0.9, 0.9], [0.1, 0.9], [0.9, 0.1]] {
                let [x, y] = hand.place(p);
                assert!(inside.contains(&x) && inside.contains(&y), "{p:?} -> {x}, {y}");
            }
            let middle = CANVAS as f32 / 2.0;
            assert_eq!(hand.place([0.5, 0.5]), [middle, middle]);
        }
    }
}
