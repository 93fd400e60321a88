//! MNIST digits redrawn the way the page's pad draws: the scanned digit is
//! doubled in size (bilinear), thresholded, thinned to its skeleton
//! (Zhang and Suen 1984) and the skeleton stroked again with a round pen of
//! another width. The shape is the writer's; the stroke is the canvas's.

use super::hand::{distort, CANVAS};
use super::pen::Canvas;

/// The doubled digit's side, centred on the canvas.
const BIG: usize = 56;

/// Redraws a 28 x 28 MNIST digit (0 paper, 255 ink) with a pen `pen` pixels
/// wide on the generator's canvas, then distorts it elastically by `elastic`
/// pixels (0: not at all).
pub fn restroke(rng: &mut fastrand::Rng, digit: &[u8], pen: f32, elastic: f32) -> Canvas {
    let skeleton = thin(&threshold(&double(digit)));
    let offset = (CANVAS - BIG) as f32 / 2.0 + 0.5;
    let at = |x: usize, y: usize| [x as f32 + offset, y as f32 + offset];
    let mut canvas = Canvas::new(CANVAS);
    for y in 0..BIG {
        for x in 0..BIG {
            if !skeleton[y * BIG + x] {
                continue;
            }
            // Join each skeleton pixel to its neighbours right and below
            // (the others join it), or draw it as a dot if it has none.
            let mut joined = false;
            for (dx, dy) in [(1isize, 0isize), (0, 1), (1, 1), (-1, 1)] {
                let (nx, ny) = (x as isize + dx, y as isize + dy);
                if nx >= 0 && (nx as usize) < BIG && (ny as usize) < BIG && skeleton[ny as usize * BIG + nx as usize] {
                    canvas.stroke(&[at(x, y), at(nx as usize, ny as usize)], pen);
                    joined = true;
                }
            }
            if !joined {
                canvas.stroke(&[at(x, y)], pen);
            }
        }
    }
    distort(rng, &canvas, elastic)
}

/// 28 x 28 bytes -> 56 x 56 values in [0, 1], bilinear.
fn double(digit: &[u8]) -> Vec<f32> {
    let src: Vec<f32> = digit.iter().map(|&v| v as f32 / 255.0).collect();
    let mut out = vec![0.0; BIG * BIG];
    for y in 0..BIG {
        for x in 0..BIG {
            let (sx, sy) = ((x as f32 + 0.5) / 2.0 - 0.5, (y as f32 + 0.5) / 2.0 - 0.5);
            out[y * BIG + x] = super::hand::bilinear(&src, 28, sx, sy);
        }
    }
    out
}

fn threshold(img: &[f32]) -> Vec<bool> {
    img.iter().map(|&v| v > 0.4).collect()
}

/// Zhang-Suen thinning of a BIG x BIG binary image: peels boundary pixels in
/// two alternating sub-steps until none can go without breaking the shape.
fn thin(img: &[bool]) -> Vec<bool> {
    let mut img = img.to_vec();
    let get = |img: &[bool], x: usize, y: usize, dx: isize, dy: isize| {
        let (nx, ny) = (x as isize + dx, y as isize + dy);
        nx >= 0 && ny >= 0 && (nx as usize) < BIG && (ny as usize) < BIG && img[ny as usize * BIG + nx as usize]
    };
    loop {
        let mut changed = false;
        for step in 0..2 {
            let mut remove = Vec::new();
            for y in 0..BIG {
                for x in 0..BIG {
                    if !img[y * BIG + x] {
                        continue;
                    }
                    // P2..P9, clockwise from the pixel above.
                    let p = [(0, -1), (1, -1), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1)]
                        .map(|(dx, dy)| get(&img, x, y, dx, dy));
                    let neighbours = p.iter().filter(|&&v| v).count();
                    let transitions = (0..8).filter(|&i| !p[i] && p[(i + 1) % 8]).count();
                    let (a, b) = if step == 0 {
                        (p[0] && p[2] && p[4], p[2] && p[4] && p[6])
                    } else {
                        (p[0] && p[2] && p[6], p[0] && p[4] && p[6])
                    };
                    if (2..=6).contains(&neighbours) && transitions == 1 && !a && !b {
                        remove.push(y * BIG + x);
                    }
                }
            }
            changed |= !remove.is_empty();
            remove.into_iter().for_each(|i| img[i] = false);
        }
        if !changed {
            return img;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thick_bar_thins_to_a_line_one_pixel_wide() {
        let mut img = vec![false; BIG * BIG];
        for y in 20..27 {
            for x in 10..46 {
                img[y * BIG + x] = true;
            }
        }
        let skeleton = thin(&img);
        for x in 14..42 {
            let column = (0..BIG).filter(|&y| skeleton[y * BIG + x]).count();
            assert_eq!(column, 1, "column {x}");
        }
        assert!(skeleton.iter().zip(&img).all(|(s, i)| !s || *i), "the skeleton lies inside the shape");
    }

    #[test]
    fn a_ring_stays_a_ring() {
        // A thick ring: its skeleton must still go all the way round, so the
        // redrawn 0 stays closed. Count the skeleton pixels on each ray.
        let mut digit = vec![0u8; 28 * 28];
        for y in 0..28 {
            for x in 0..28 {
                let r = ((x as f32 - 13.5).powi(2) + (y as f32 - 13.5).powi(2)).sqrt();
                if (6.0..9.0).contains(&r) {
                    digit[y * 28 + x] = 255;
                }
            }
        }
        let skeleton = thin(&threshold(&double(&digit)));
        for k in 0..16 {
            let a = k as f32 * std::f32::consts::TAU / 16.0;
            let hit = (20..40).any(|r| {
                let r = r as f32 * 0.5;
                let (x, y) = (27.5 + r * a.cos(), 27.5 + r * a.sin());
                (-1..=1).any(|d| skeleton[(y as isize + d) as usize * BIG + x as usize])
            });
            assert!(hit, "the ring is broken at {k}/16 of a turn");
        }
        let mut rng = fastrand::Rng::with_seed(1);
        let canvas = restroke(&mut rng, &digit, 3.0, 0.0);
        assert!(canvas.ink.iter().filter(|&&v| v > 0.5).count() > 200);
    }
}
