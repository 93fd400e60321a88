//! Drawings that are not digits, made by rule: scribbles, zigzags, dots,
//! dashes, hatching, pieces of curves, corners, and digits crossed out.
//! Letters and symbols come from the stroke programs in [`super::templates`].
//!
//! Each rule keeps away from shapes that are digits: a single upright line
//! is a 1, a closed loop a 0, a bar over a falling line a 7; so dashes stay
//! near horizontal, arcs stay open and are not upright, and corners do not
//! open down and to the left.

use super::path::gaussian;
use super::pen::Point;

/// The kinds of drawing made here, with how often each is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Scribble,
    Zigzag,
    Dots,
    Dashes,
    Hatching,
    Arc,
    Corner,
}

pub const RULES: [(Rule, u32); 7] = [
    (Rule::Scribble, 4),
    (Rule::Zigzag, 2),
    (Rule::Dots, 2),
    (Rule::Dashes, 2),
    (Rule::Hatching, 2),
    (Rule::Arc, 2),
    (Rule::Corner, 2),
];

impl Rule {
    /// What `lenet eval` calls the rule's drawings.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Scribble => "scribble",
            Rule::Zigzag => "zigzag",
            Rule::Dots => "dots",
            Rule::Dashes => "dashes",
            Rule::Hatching => "hatching",
            Rule::Arc => "arc",
            Rule::Corner => "corner",
        }
    }
}

/// Picks an entry of `weighted` with chance proportional to its weight.
pub fn pick<T: Copy>(rng: &mut fastrand::Rng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|w| w.1).sum();
    let mut draw = rng.u32(0..total);
    for &(item, weight) in weighted {
        if draw < weight {
            return item;
        }
        draw -= weight;
    }
    unreachable!("the draw is below the total")
}

/// The polylines of one drawing of `rule`, in the unit box.
pub fn draw(rng: &mut fastrand::Rng, rule: Rule) -> Vec<Vec<Point>> {
    match rule {
        Rule::Scribble => {
            // Long enough to be a scrawl: a short random walk is often one
            // pen stroke of a 2, a 6 or a 0, and would teach the reject
            // output to turn such digits away.
            let steps = 28 + rng.usize(..24);
            let (mut p, mut heading) =
                ([0.3 + 0.4 * rng.f32(), 0.3 + 0.4 * rng.f32()], rng.f32() * std::f32::consts::TAU);
            let mut line = vec![p];
            for _ in 0..steps {
                heading += 0.9 * gaussian(rng);
                let step = 0.06 + 0.08 * rng.f32();
                p = [p[0] + step * heading.cos(), p[1] + step * heading.sin()];
                // Turn back at the walls of the box.
                for v in &mut p {
                    if !(0.1..=0.9).contains(v) {
                        *v = v.clamp(0.1, 0.9);
                        heading += std::f32::consts::PI;
                    }
                }
                line.push(p);
            }
            vec![line]
        }
        Rule::Zigzag => {
            let n = 4 + rng.usize(..6);
            let (top, bottom) = (uniform(rng, 0.1, 0.35), uniform(rng, 0.65, 0.9));
            let line = (0..=n)
                .map(|i| {
                    let y = top + (bottom - top) * i as f32 / n as f32;
                    [if i % 2 == 0 { uniform(rng, 0.1, 0.25) } else { uniform(rng, 0.75, 0.9) }, y]
                })
                .collect();
            vec![line]
        }
        Rule::Dots => (0..1 + rng.usize(..3)).map(|_| vec![[uniform(rng, 0.2, 0.8), uniform(rng, 0.2, 0.8)]]).collect(),
        Rule::Dashes => {
            let n = 1 + rng.usize(..3);
            (0..n)
                .map(|i| {
                    let y = 0.5 + (i as f32 - (n - 1) as f32 / 2.0) * uniform(rng, 0.15, 0.25);
                    let tilt = uniform(rng, -0.2, 0.2);
                    let (x0, x1) = (uniform(rng, 0.1, 0.3), uniform(rng, 0.7, 0.9));
                    vec![[x0, y - tilt * (0.5 - x0)], [x1, y + tilt * (x1 - 0.5)]]
                })
                .collect()
        }
        Rule::Hatching => {
            let (n, angle) = (3 + rng.usize(..5), rng.f32() * std::f32::consts::PI);
            let mut lines = parallel(rng, n, angle);
            if rng.f32() < 0.3 {
                let (n, across) = (3 + rng.usize(..4), rng.f32() * std::f32::consts::PI);
                lines.extend(parallel(rng, n, across));
            }
            lines
        }
        Rule::Arc => loop {
            // An open arc whose chord is not upright (an upright arc is a 1).
            let sweep = uniform(rng, 40.0, 150.0);
            let start = uniform(rng, 0.0, 360.0);
            let (r0, r1) = (uniform(rng, 0.2, 0.4), uniform(rng, 0.2, 0.4));
            let points: Vec<Point> = (0..=16)
                .map(|i| {
                    let a = (start + sweep * i as f32 / 16.0).to_radians();
                    [0.5 + r0 * a.cos(), 0.5 + r1 * a.sin()]
                })
                .collect();
            let (a, b) = (points[0], points[16]);
            if (b[1] - a[1]).abs() < 0.8 * (b[0] - a[0]).abs() {
                break vec![points];
            }
        },
        Rule::Corner => loop {
            // Two arms from a vertex; the bisector does not point down-left
            // (that shape is a 7 or a 1 with a flag).
            let bisector = uniform(rng, 0.0, 360.0);
            if (80.0..200.0).contains(&bisector) {
                continue;
            }
            let half = uniform(rng, 20.0, 70.0);
            let arm = |a: f32, len: f32| [0.5 + len * a.to_radians().cos(), 0.5 + len * a.to_radians().sin()];
            let vertex = [0.5, 0.5];
            break vec![vec![
                arm(bisector - half, uniform(rng, 0.3, 0.45)),
                vertex,
                arm(bisector + half, uniform(rng, 0.3, 0.45)),
            ]];
        },
    }
}

fn uniform(rng: &mut fastrand::Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * rng.f32()
}

/// `n` parallel lines across the box at `angle` (radians).
fn parallel(rng: &mut fastrand::Rng, n: usize, angle: f32) -> Vec<Vec<Point>> {
    let (dx, dy) = (angle.cos(), angle.sin());
    let gap = 0.4 / n as f32 + 0.03 * rng.f32();
    (0..n)
        .map(|i| {
            let off = (i as f32 - (n - 1) as f32 / 2.0) * gap;
            let c = [0.5 - dy * off, 0.5 + dx * off];
            let len = 0.25 + 0.1 * rng.f32();
            vec![[c[0] - dx * len, c[1] - dy * len], [c[0] + dx * len, c[1] + dy * len]]
        })
        .collect()
}

/// Lines through a drawing that cross it out: a zigzag or a cross.
pub fn cross_out(rng: &mut fastrand::Rng) -> Vec<Vec<Point>> {
    if rng.bool() {
        draw(rng, Rule::Zigzag)
    } else {
        vec![vec![[0.15, 0.15], [0.85, 0.85]], vec![[0.85, 0.15], [0.15, 0.85]]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_draws_inside_the_box() {
        let mut rng = fastrand::Rng::with_seed(7);
        for (rule, _) in RULES {
            for _ in 0..200 {
                let lines = draw(&mut rng, rule);
                assert!(!lines.is_empty());
                for p in lines.iter().flatten() {
                    assert!(p.iter().all(|v| (0.0..=1.0).contains(v)), "{rule:?}: {p:?}");
                }
            }
        }
    }

    #[test]
    fn dashes_lie_down_and_corners_do_not_open_down_left() {
        let mut rng = fastrand::Rng::with_seed(8);
        for _ in 0..500 {
            for line in draw(&mut rng, Rule::Dashes) {
                let (a, b) = (line[0], line[1]);
                assert!((b[1] - a[1]).abs() < 0.5 * (b[0] - a[0]).abs(), "{line:?}");
            }
            let corner = &draw(&mut rng, Rule::Corner)[0];
            // Unequal arms turn the line to the ends' middle by up to 30
            // degrees from the bisector, which keeps out of [80, 200).
            let mid = [(corner[0][0] + corner[2][0]) / 2.0 - 0.5, (corner[0][1] + corner[2][1]) / 2.0 - 0.5];
            let angle = mid[1].atan2(mid[0]).to_degrees().rem_euclid(360.0);
            assert!(!(110.0..170.0).contains(&angle), "{angle}: {corner:?}");
        }
    }

    #[test]
    fn picks_follow_the_weights() {
        let mut rng = fastrand::Rng::with_seed(9);
        let mut counts = [0i32; 3];
        for _ in 0..30_000 {
            counts[pick(&mut rng, &[(0, 1), (1, 2), (2, 3)])] += 1;
        }
        for (c, expected) in counts.iter().zip([5000, 10_000, 15_000]) {
            assert!((c - expected).abs() < 600, "{counts:?}");
        }
    }
}
