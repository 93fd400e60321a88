//! Stroke programs: a digit, letter or symbol as pen strokes in a unit box
//! (x right, y down, the glyph about 0.8 high), written in a small subset of
//! SVG's path language so a template reads as what it draws:
//!
//! ```text
//! M x y                  start a stroke at (x, y)
//! L x y                  a line to (x, y)
//! Q cx cy x y            a quadratic Bezier curve to (x, y)
//! C ax ay bx by x y      a cubic Bezier curve to (x, y)
//! A cx cy rx ry from to  an elliptic arc about (cx, cy) from angle `from`
//!                        to `to`, in degrees: 0 is right, 90 down, so a
//!                        growing angle turns clockwise on the screen
//! |                      lifts the pen (the next stroke starts with M or A)
//! ```
//!
//! Every coordinate of a program can be moved at random before it is drawn
//! ([`Program::jittered`]), so one template gives endless hands.

use super::pen::Point;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Move(Point),
    Line(Point),
    Quad(Point, Point),
    Cubic(Point, Point, Point),
    Arc { centre: Point, radius: Point, from: f32, to: f32 },
}

/// A parsed stroke program: strokes of drawing operations.
#[derive(Debug, Clone, PartialEq)]
pub struct Program(Vec<Vec<Op>>);

/// How much [`Program::jittered`] moves things.
#[derive(Debug, Clone, Copy)]
pub struct Jitter {
    /// Each point, in units of the box (a standard deviation, per axis).
    pub point: f32,
    /// Each arc's radii, relative.
    pub radius: f32,
    /// Each arc's ends, in degrees.
    pub angle: f32,
}

impl Program {
    /// Parses a program; the error names the token that does not fit.
    pub fn parse(text: &str) -> Result<Program, String> {
        let mut strokes = Vec::new();
        for stroke in text.split('|') {
            let tokens: Vec<&str> = stroke.split_whitespace().collect();
            let mut ops = Vec::new();
            let mut i = 0;
            while i < tokens.len() {
                let arity = match tokens[i] {
                    "M" | "L" => 2,
                    "Q" => 4,
                    "C" | "A" => 6,
                    other => return Err(format!("unknown operation '{other}' in '{}'", stroke.trim())),
                };
                let args: Vec<f32> = tokens
                    .get(i + 1..i + 1 + arity)
                    .ok_or_else(|| format!("'{}' needs {arity} numbers in '{}'", tokens[i], stroke.trim()))?
                    .iter()
                    .map(|t| t.parse::<f32>().map_err(|_| format!("'{t}' is not a number in '{}'", stroke.trim())))
                    .collect::<Result<_, _>>()?;
                let p = |k: usize| [args[k], args[k + 1]];
                let op = match tokens[i] {
                    "M" => Op::Move(p(0)),
                    "L" => Op::Line(p(0)),
                    "Q" => Op::Quad(p(0), p(2)),
                    "C" => Op::Cubic(p(0), p(2), p(4)),
                    _ => Op::Arc { centre: p(0), radius: p(2), from: args[4], to: args[5] },
                };
                let starts = matches!(op, Op::Move(_) | Op::Arc { .. });
                if ops.is_empty() && !starts {
                    return Err(format!("a stroke must start with M or A: '{}'", stroke.trim()));
                }
                ops.push(op);
                i += 1 + arity;
            }
            if ops.is_empty() {
                return Err(format!("an empty stroke in '{text}'"));
            }
            strokes.push(ops);
        }
        Ok(Program(strokes))
    }

    /// A copy with every point, radius and arc end moved at random.
    pub fn jittered(&self, rng: &mut fastrand::Rng, j: Jitter) -> Program {
        Program(self.0.iter().map(|ops| ops.iter().map(|op| jitter(*op, rng, j)).collect()).collect())
    }

    /// The strokes as polylines in the unit box.
    pub fn polylines(&self) -> Vec<Vec<Point>> {
        self.0.iter().map(|ops| polyline(ops)).collect()
    }
}

fn jitter(op: Op, rng: &mut fastrand::Rng, j: Jitter) -> Op {
    let mut normal = |sd: f32| sd * gaussian(rng);
    let mut point = |p: Point, sd: f32| [p[0] + normal(sd), p[1] + normal(sd)];
    match op {
        Op::Move(p) => Op::Move(point(p, j.point)),
        Op::Line(p) => Op::Line(point(p, j.point)),
        Op::Quad(c, p) => Op::Quad(point(c, j.point), point(p, j.point)),
        Op::Cubic(a, b, p) => Op::Cubic(point(a, j.point), point(b, j.point), point(p, j.point)),
        Op::Arc { centre, radius, from, to } => {
            // The centre moves less: an arc's ends move with it and its radii.
            let centre = point(centre, j.point * 0.5);
            let ([grow, _], [da, db]) = (point([1.0, 0.0], j.radius), point([from, to], j.angle));
            Op::Arc { centre, radius: [radius[0] * grow, radius[1] * grow], from: da, to: db }
        }
    }
}

fn polyline(ops: &[Op]) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::new();
    for op in ops {
        let from = out.last().copied();
        match *op {
            Op::Move(p) | Op::Line(p) => out.push(p),
            Op::Quad(c, p) => {
                let a = from.unwrap_or(c);
                out.extend((1..=12).map(|i| {
                    let t = i as f32 / 12.0;
                    let u = 1.0 - t;
                    [u * u * a[0] + 2.0 * u * t * c[0] + t * t * p[0], u * u * a[1] + 2.0 * u * t * c[1] + t * t * p[1]]
                }));
            }
            Op::Cubic(b, c, p) => {
                let a = from.unwrap_or(b);
                out.extend((1..=16).map(|i| {
                    let t = i as f32 / 16.0;
                    let u = 1.0 - t;
                    let k = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
                    [
                        k[0] * a[0] + k[1] * b[0] + k[2] * c[0] + k[3] * p[0],
                        k[0] * a[1] + k[1] * b[1] + k[2] * c[1] + k[3] * p[1],
                    ]
                }));
            }
            Op::Arc { centre, radius, from, to } => {
                let steps = ((to - from).abs() / 8.0).ceil().max(1.0) as usize;
                out.extend((0..=steps).map(|i| {
                    let a = (from + (to - from) * i as f32 / steps as f32).to_radians();
                    [centre[0] + radius[0] * a.cos(), centre[1] + radius[1] * a.sin()]
                }));
            }
        }
    }
    out
}

/// A standard normal draw (Box-Muller).
pub fn gaussian(rng: &mut fastrand::Rng) -> f32 {
    let u = rng.f32().max(f32::MIN_POSITIVE);
    (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * rng.f32()).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_curves_and_arcs_pass_through_their_points() {
        let p = Program::parse("M 0 0 L 1 0 Q 1 1 0 1 | A 0.5 0.5 0.5 0.25 0 90 | M 0 0 C 0 1 1 1 1 0").unwrap();
        let lines = p.polylines();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0][..2], [[0.0, 0.0], [1.0, 0.0]]);
        assert_eq!(*lines[0].last().unwrap(), [0.0, 1.0]);
        // The quadratic's middle is half way from the chord's middle to its
        // control point: (0.5, 0.5) + 0.5 * ((1, 1) - (0.5, 0.5)).
        let mid = lines[0][1 + 6];
        assert!((mid[0] - 0.75).abs() < 1e-6 && (mid[1] - 0.75).abs() < 1e-6, "{mid:?}");
        // 0 degrees is right of the centre, 90 below it.
        let (first, last) = (lines[1][0], *lines[1].last().unwrap());
        assert!((first[0] - 1.0).abs() < 1e-6 && (first[1] - 0.5).abs() < 1e-6, "{first:?}");
        assert!((last[0] - 0.5).abs() < 1e-6 && (last[1] - 0.75).abs() < 1e-6, "{last:?}");
        assert_eq!(*lines[2].last().unwrap(), [1.0, 0.0]);
    }

    #[test]
    fn bad_programs_say_what_is_wrong() {
        for (text, says) in [
            ("L 0 0", "must start with M or A"),
            ("M 0", "needs 2 numbers"),
            ("M 0 x", "'x' is not a number"),
            ("M 0 0 Z", "unknown operation 'Z'"),
            ("M 0 0 | ", "empty stroke"),
        ] {
            let e = Program::parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn jitter_moves_points_by_about_its_size() {
        let p = Program::parse("M 0.5 0.5 L 0.5 0.5").unwrap();
        let mut rng = fastrand::Rng::with_seed(1);
        let j = Jitter { point: 0.05, radius: 0.0, angle: 0.0 };
        let moves: Vec<f32> = (0..2000).map(|_| p.jittered(&mut rng, j).polylines()[0][0][0] - 0.5).collect();
        let sd = (moves.iter().map(|m| m * m).sum::<f32>() / moves.len() as f32).sqrt();
        assert!((sd - 0.05).abs() < 0.005, "{sd}");
    }
}
