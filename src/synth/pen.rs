//! A round pen on a square canvas of ink in [0, 1], the way a browser canvas
//! strokes a path with round caps and joins: a pixel's ink is the share of it
//! the pen covers, taken from its centre's distance d to the path as
//! clamp(w / 2 + 0.5 - d, 0, 1), and overlapping strokes keep the darker ink.

/// Where the generator draws: `side x side` ink values, row-major.
#[derive(Debug, Clone)]
pub struct Canvas {
    pub side: usize,
    pub ink: Vec<f32>,
}

pub type Point = [f32; 2];

impl Canvas {
    pub fn new(side: usize) -> Canvas {
        Canvas { side, ink: vec![0.0; side * side] }
    }

    /// Strokes the polyline `points` (canvas pixels, x right, y down) with a
    /// pen `width` pixels wide. One point draws a dot.
    pub fn stroke(&mut self, points: &[Point], width: f32) {
        match points {
            [] => {}
            [p] => self.segment(*p, *p, width),
            _ => points.windows(2).for_each(|w| self.segment(w[0], w[1], width)),
        }
    }

    fn segment(&mut self, a: Point, b: Point, width: f32) {
        let r = width / 2.0;
        let reach = r + 1.0;
        let span = |lo: f32, hi: f32| {
            let first = (lo - reach).floor().max(0.0) as usize;
            let last = ((hi + reach).ceil().max(0.0) as usize).min(self.side);
            first..last
        };
        let (xs, ys) = (span(a[0].min(b[0]), a[0].max(b[0])), span(a[1].min(b[1]), a[1].max(b[1])));
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let length2 = dx * dx + dy * dy;
        for y in ys {
            let row = &mut self.ink[y * self.side..][..self.side];
            for x in xs.clone() {
                let (px, py) = (x as f32 + 0.5 - a[0], y as f32 + 0.5 - a[1]);
                // The nearest point of the segment, as a share t of the way.
                let t = if length2 > 0.0 { ((px * dx + py * dy) / length2).clamp(0.0, 1.0) } else { 0.0 };
                let d = ((px - t * dx).powi(2) + (py - t * dy).powi(2)).sqrt();
                let cover = (r + 0.5 - d).clamp(0.0, 1.0);
                row[x] = row[x].max(cover);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_as_wide_as_the_pen_and_as_long_as_the_line() {
        let mut c = Canvas::new(40);
        c.stroke(&[[10.0, 20.0], [30.0, 20.0]], 4.0);
        // Across the line: 4 pixels fully inked (rows 18..22), none beyond.
        let column: Vec<f32> = (0..40).map(|y| c.ink[y * 40 + 20]).collect();
        assert_eq!(column[18..22], [1.0; 4]);
        assert!(column[..17].iter().chain(&column[23..]).all(|&v| v == 0.0));
        // Round caps: ink ends about 2 pixels past each end point.
        let row: Vec<f32> = (0..40).map(|x| c.ink[20 * 40 + x]).collect();
        assert!(row[8] > 0.5 && row[31] > 0.5 && row[6] == 0.0 && row[33] == 0.0, "{row:?}");
    }

    #[test]
    fn a_dot_is_a_disc_and_nothing_is_drawn_off_the_canvas() {
        let mut c = Canvas::new(16);
        c.stroke(&[[8.0, 8.0]], 6.0);
        let inked = c.ink.iter().filter(|&&v| v > 0.5).count() as f32;
        assert!((inked - std::f32::consts::PI * 9.0).abs() < 6.0, "{inked}");
        c.stroke(&[[-50.0, -50.0], [-40.0, 100.0]], 3.0);
        c.stroke(&[[200.0, 3.0]], 3.0);
        assert_eq!(c.ink.iter().filter(|&&v| v > 0.5).count() as f32, inked);
    }
}
