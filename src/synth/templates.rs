//! The stroke programs: digits in the forms people write (MNIST's American
//! forms and the ones it lacks: flagged 1s, crossed 7s, open 4s, ...) and
//! letters and symbols that are not digits. See [`super::path`] for the
//! language: x right, y down, angles clockwise from the right.
//!
//! Templates marked held out are never drawn for training; with seeds of
//! their own they make the evaluation sets, so those measure forms the
//! network has not seen, not only new jitter of seen ones.

/// The label of everything that is not a digit.
pub const NOT_A_DIGIT: u8 = 10;

#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// 0-9, or [`NOT_A_DIGIT`].
    pub label: u8,
    pub name: &'static str,
    pub held_out: bool,
    pub path: &'static str,
}

const fn t(label: u8, name: &'static str, held_out: bool, path: &'static str) -> Template {
    Template { label, name, held_out, path }
}

const N: u8 = NOT_A_DIGIT;
const HELD: bool = true;
const TRAIN: bool = false;

pub const TEMPLATES: &[Template] = &[
    // 0
    t(0, "oval", TRAIN, "A 0.5 0.5 0.24 0.4 270 640"),
    t(0, "oval, other way", TRAIN, "A 0.5 0.5 0.27 0.38 -60 -430"),
    t(0, "round", TRAIN, "A 0.5 0.5 0.33 0.38 250 620"),
    t(0, "slashed", TRAIN, "A 0.5 0.5 0.25 0.4 270 630 | M 0.72 0.12 L 0.28 0.88"),
    t(0, "narrow, open loop", HELD, "A 0.5 0.52 0.17 0.4 240 600"),
    t(0, "tilted egg", HELD, "M 0.55 0.1 C 0.2 0.05 0.1 0.8 0.4 0.9 C 0.7 1.0 0.85 0.2 0.55 0.1"),
    // 1
    t(1, "stick", TRAIN, "M 0.5 0.1 L 0.5 0.9"),
    t(1, "flag", TRAIN, "M 0.36 0.3 L 0.53 0.1 L 0.53 0.9"),
    t(1, "flag and foot", TRAIN, "M 0.36 0.3 L 0.53 0.1 L 0.53 0.9 | M 0.35 0.9 L 0.71 0.9"),
    t(1, "long slanted flag", TRAIN, "M 0.22 0.45 L 0.56 0.1 L 0.56 0.9"),
    t(1, "slanted stick", TRAIN, "M 0.6 0.1 L 0.42 0.9"),
    t(1, "flag, bowed", TRAIN, "M 0.3 0.34 Q 0.48 0.3 0.54 0.1 L 0.54 0.9"),
    t(1, "long flag and foot", TRAIN, "M 0.24 0.42 L 0.55 0.1 L 0.55 0.9 | M 0.36 0.9 L 0.74 0.9"),
    t(1, "curved flag", HELD, "M 0.34 0.28 Q 0.46 0.24 0.53 0.1 L 0.52 0.9"),
    t(1, "flag, short foot", HELD, "M 0.4 0.22 L 0.54 0.1 L 0.54 0.9 | M 0.42 0.9 L 0.66 0.9"),
    t(1, "long flag, curved", HELD, "M 0.2 0.4 Q 0.45 0.3 0.57 0.1 L 0.55 0.9"),
    // 2
    t(2, "plain", TRAIN, "M 0.28 0.3 C 0.3 0.05 0.75 0.05 0.72 0.32 C 0.7 0.5 0.4 0.7 0.25 0.9 L 0.76 0.9"),
    t(2, "looped", TRAIN, "M 0.28 0.28 C 0.3 0.03 0.76 0.05 0.72 0.32 C 0.7 0.5 0.42 0.7 0.3 0.82 C 0.18 0.94 0.3 1.0 0.4 0.9 C 0.48 0.82 0.56 0.9 0.78 0.9"),
    t(2, "angular", TRAIN, "M 0.26 0.24 Q 0.5 0.0 0.72 0.26 L 0.26 0.88 L 0.76 0.88"),
    t(2, "round belly", TRAIN, "M 0.25 0.35 C 0.25 0.0 0.8 0.0 0.72 0.38 C 0.66 0.62 0.3 0.7 0.28 0.88 L 0.78 0.86"),
    t(2, "wavy base", HELD, "M 0.28 0.3 C 0.3 0.05 0.75 0.05 0.72 0.32 C 0.7 0.5 0.4 0.7 0.24 0.88 Q 0.5 0.76 0.8 0.92"),
    t(2, "small loop, long tail", HELD, "M 0.3 0.25 Q 0.5 0.0 0.7 0.28 Q 0.7 0.5 0.34 0.8 C 0.22 0.92 0.32 0.96 0.42 0.86 L 0.8 0.88"),
    // 3
    t(3, "round", TRAIN, "A 0.48 0.3 0.2 0.19 200 450 A 0.48 0.69 0.23 0.2 270 520"),
    t(3, "flat top", TRAIN, "M 0.28 0.12 L 0.7 0.12 L 0.45 0.42 A 0.48 0.66 0.24 0.23 290 520"),
    t(3, "pointed middle", TRAIN, "A 0.48 0.29 0.2 0.18 200 430 L 0.42 0.5 L 0.58 0.53 A 0.48 0.7 0.22 0.19 300 520"),
    t(3, "small top", HELD, "A 0.5 0.26 0.15 0.15 190 440 A 0.48 0.65 0.25 0.24 270 510"),
    t(3, "open bowls", HELD, "A 0.5 0.3 0.18 0.18 220 420 A 0.5 0.68 0.22 0.2 260 480"),
    // 4
    t(4, "closed", TRAIN, "M 0.6 0.1 L 0.22 0.62 L 0.78 0.62 | M 0.6 0.1 L 0.6 0.9"),
    t(4, "open top", TRAIN, "M 0.3 0.1 L 0.26 0.6 L 0.78 0.6 | M 0.66 0.3 L 0.66 0.9"),
    t(4, "one stroke, stem first", TRAIN, "M 0.62 0.9 L 0.62 0.1 L 0.22 0.62 L 0.8 0.62"),
    t(4, "one stroke, open", TRAIN, "M 0.3 0.1 L 0.26 0.58 L 0.74 0.58 L 0.66 0.14 L 0.66 0.92"),
    t(4, "open top, slanted", HELD, "M 0.36 0.1 L 0.22 0.56 L 0.8 0.54 | M 0.7 0.24 L 0.62 0.92"),
    t(4, "closed, crossing bar", HELD, "M 0.58 0.1 L 0.2 0.64 L 0.84 0.64 | M 0.58 0.1 L 0.58 0.9"),
    // 5
    t(5, "one stroke", TRAIN, "M 0.68 0.12 L 0.35 0.12 L 0.33 0.46 A 0.48 0.65 0.22 0.21 225 500"),
    t(5, "cap apart", TRAIN, "M 0.35 0.12 L 0.33 0.46 A 0.48 0.65 0.22 0.21 225 500 | M 0.36 0.12 L 0.7 0.11"),
    t(5, "angular", TRAIN, "M 0.7 0.1 L 0.33 0.1 L 0.3 0.45 L 0.55 0.45 Q 0.8 0.6 0.6 0.86 L 0.28 0.86"),
    t(5, "round belly, slanted cap", HELD, "M 0.38 0.14 L 0.33 0.46 A 0.5 0.66 0.24 0.22 220 510 | M 0.38 0.14 L 0.72 0.08"),
    // 6
    t(6, "curved", TRAIN, "M 0.65 0.1 Q 0.3 0.3 0.28 0.66 A 0.48 0.68 0.2 0.2 180 540"),
    t(6, "straight", TRAIN, "M 0.62 0.1 L 0.3 0.62 A 0.48 0.7 0.2 0.19 200 560"),
    t(6, "hooked top", TRAIN, "M 0.7 0.16 C 0.5 0.0 0.25 0.3 0.27 0.66 A 0.47 0.7 0.2 0.18 180 530"),
    t(6, "small loop", HELD, "M 0.6 0.1 Q 0.3 0.4 0.34 0.76 A 0.48 0.74 0.15 0.14 170 530"),
    // 7
    t(7, "plain", TRAIN, "M 0.25 0.12 L 0.75 0.12 L 0.42 0.9"),
    t(7, "crossbar", TRAIN, "M 0.25 0.12 L 0.75 0.12 L 0.42 0.9 | M 0.42 0.5 L 0.74 0.5"),
    t(7, "curved stem", TRAIN, "M 0.25 0.12 L 0.75 0.12 Q 0.45 0.45 0.45 0.9"),
    t(7, "ticked", TRAIN, "M 0.25 0.22 L 0.25 0.12 L 0.75 0.12 L 0.42 0.9"),
    t(7, "crossbar, curved stem", HELD, "M 0.25 0.12 L 0.75 0.12 Q 0.48 0.45 0.47 0.9 | M 0.38 0.5 L 0.68 0.5"),
    t(7, "wavy top", HELD, "M 0.24 0.16 Q 0.38 0.06 0.5 0.14 Q 0.62 0.2 0.76 0.1 L 0.44 0.9"),
    // 8
    t(8, "two loops", TRAIN, "A 0.5 0.29 0.17 0.18 90 450 | A 0.5 0.68 0.21 0.2 270 630"),
    t(8, "figure", TRAIN, "M 0.64 0.18 C 0.5 0.04 0.26 0.14 0.34 0.34 C 0.42 0.5 0.74 0.55 0.7 0.76 C 0.66 0.96 0.3 0.95 0.3 0.75 C 0.3 0.55 0.6 0.5 0.66 0.32 C 0.7 0.22 0.66 0.17 0.62 0.17"),
    t(8, "figure, other way", TRAIN, "M 0.36 0.18 C 0.5 0.04 0.74 0.14 0.66 0.34 C 0.58 0.5 0.26 0.55 0.3 0.76 C 0.34 0.96 0.7 0.95 0.7 0.75 C 0.7 0.55 0.4 0.5 0.34 0.32 C 0.3 0.22 0.34 0.17 0.38 0.17"),
    t(8, "small top", HELD, "A 0.52 0.28 0.12 0.15 90 450 | A 0.5 0.66 0.24 0.22 270 630"),
    // 9
    t(9, "curved stem", TRAIN, "A 0.48 0.3 0.2 0.19 10 -350 Q 0.68 0.6 0.6 0.9"),
    t(9, "straight stem", TRAIN, "A 0.48 0.3 0.2 0.19 0 -360 L 0.68 0.9"),
    t(9, "loop then stem", TRAIN, "M 0.66 0.2 A 0.48 0.3 0.19 0.18 -20 -380 L 0.66 0.3 L 0.6 0.9"),
    t(9, "hooked stem", HELD, "A 0.5 0.3 0.2 0.2 0 -360 L 0.7 0.75 Q 0.66 0.95 0.45 0.88"),
    t(9, "straight stem, small loop", HELD, "A 0.46 0.26 0.16 0.15 0 -360 L 0.62 0.92"),
    // Not digits: letters that no digit is written like, and symbols.
    t(N, "A", TRAIN, "M 0.2 0.9 L 0.5 0.1 L 0.8 0.9 | M 0.32 0.6 L 0.68 0.6"),
    t(N, "C", TRAIN, "A 0.55 0.5 0.3 0.4 -40 -320"),
    t(N, "E", TRAIN, "M 0.72 0.1 L 0.3 0.1 L 0.3 0.9 L 0.72 0.9 | M 0.3 0.5 L 0.62 0.5"),
    t(N, "F", TRAIN, "M 0.72 0.1 L 0.3 0.1 L 0.3 0.9 | M 0.3 0.5 L 0.62 0.5"),
    t(N, "H", TRAIN, "M 0.25 0.1 L 0.25 0.9 | M 0.75 0.1 L 0.75 0.9 | M 0.25 0.5 L 0.75 0.5"),
    t(N, "K", TRAIN, "M 0.28 0.1 L 0.28 0.9 | M 0.72 0.1 L 0.3 0.55 L 0.74 0.9"),
    t(N, "L", TRAIN, "M 0.3 0.1 L 0.3 0.9 L 0.75 0.9"),
    t(N, "M", TRAIN, "M 0.2 0.9 L 0.25 0.1 L 0.5 0.6 L 0.75 0.1 L 0.8 0.9"),
    t(N, "N", TRAIN, "M 0.25 0.9 L 0.25 0.1 L 0.75 0.9 L 0.75 0.1"),
    t(N, "P", TRAIN, "M 0.3 0.9 L 0.3 0.1 L 0.5 0.1 A 0.5 0.3 0.2 0.2 270 450 L 0.3 0.5"),
    t(N, "R", TRAIN, "M 0.3 0.9 L 0.3 0.1 L 0.5 0.1 A 0.5 0.3 0.2 0.2 270 450 L 0.3 0.5 L 0.72 0.9"),
    t(N, "T", TRAIN, "M 0.2 0.1 L 0.8 0.1 | M 0.5 0.1 L 0.5 0.9"),
    t(N, "U", TRAIN, "M 0.25 0.1 L 0.25 0.6 A 0.5 0.6 0.25 0.3 180 0 L 0.75 0.1"),
    t(N, "V", TRAIN, "M 0.2 0.1 L 0.5 0.9 L 0.8 0.1"),
    t(N, "X", TRAIN, "M 0.2 0.1 L 0.8 0.9 | M 0.8 0.1 L 0.2 0.9"),
    t(N, "Y", TRAIN, "M 0.2 0.1 L 0.5 0.5 L 0.8 0.1 | M 0.5 0.5 L 0.5 0.9"),
    t(N, "e", TRAIN, "M 0.26 0.55 L 0.74 0.55 A 0.5 0.55 0.24 0.3 0 -320"),
    t(N, "h", TRAIN, "M 0.3 0.1 L 0.3 0.9 | M 0.3 0.55 Q 0.7 0.2 0.7 0.6 L 0.7 0.9"),
    t(N, "m", TRAIN, "M 0.12 0.9 L 0.12 0.3 Q 0.3 0.15 0.4 0.4 L 0.4 0.9 | M 0.4 0.4 Q 0.6 0.15 0.7 0.4 L 0.7 0.9"),
    t(N, "n", TRAIN, "M 0.28 0.9 L 0.28 0.3 Q 0.7 0.05 0.72 0.45 L 0.72 0.9"),
    t(N, "r", TRAIN, "M 0.35 0.9 L 0.35 0.3 Q 0.5 0.15 0.72 0.25"),
    t(N, "u", TRAIN, "M 0.25 0.2 L 0.25 0.6 A 0.5 0.6 0.25 0.3 180 0 L 0.75 0.2 L 0.75 0.9"),
    t(N, "plus", TRAIN, "M 0.5 0.15 L 0.5 0.85 | M 0.15 0.5 L 0.85 0.5"),
    t(N, "equals", TRAIN, "M 0.2 0.4 L 0.8 0.4 | M 0.2 0.62 L 0.8 0.62"),
    t(N, "hash", TRAIN, "M 0.4 0.1 L 0.34 0.9 | M 0.66 0.1 L 0.6 0.9 | M 0.15 0.35 L 0.85 0.35 | M 0.15 0.65 L 0.85 0.65"),
    t(N, "percent", TRAIN, "M 0.75 0.1 L 0.25 0.9 | A 0.3 0.22 0.1 0.1 0 360 | A 0.7 0.78 0.1 0.1 0 360"),
    t(N, "question mark", TRAIN, "M 0.3 0.28 A 0.5 0.28 0.2 0.18 180 450 L 0.5 0.66 | M 0.5 0.88 L 0.5 0.89"),
    t(N, "asterisk", TRAIN, "M 0.5 0.15 L 0.5 0.85 | M 0.2 0.3 L 0.8 0.7 | M 0.8 0.3 L 0.2 0.7"),
    t(N, "less than", TRAIN, "M 0.75 0.15 L 0.25 0.5 L 0.75 0.85"),
    t(N, "arrow", TRAIN, "M 0.1 0.5 L 0.9 0.5 | M 0.68 0.3 L 0.9 0.5 L 0.68 0.7"),
    t(N, "tick", TRAIN, "M 0.15 0.5 L 0.4 0.82 L 0.9 0.12"),
    t(N, "star", TRAIN, "M 0.5 0.1 L 0.75 0.9 L 0.1 0.4 L 0.9 0.4 L 0.25 0.9 L 0.5 0.1"),
    t(N, "triangle", TRAIN, "M 0.5 0.12 L 0.85 0.85 L 0.15 0.85 L 0.5 0.12"),
    t(N, "square", TRAIN, "M 0.2 0.2 L 0.8 0.2 L 0.8 0.8 L 0.2 0.8 L 0.2 0.2"),
    t(N, "smiley", TRAIN, "A 0.5 0.5 0.4 0.4 0 360 | M 0.37 0.37 L 0.37 0.38 | M 0.63 0.37 L 0.63 0.38 | A 0.5 0.52 0.2 0.18 20 160"),
    t(N, "tilde", TRAIN, "M 0.1 0.55 Q 0.3 0.3 0.5 0.5 Q 0.7 0.7 0.9 0.45"),
    t(N, "spiral", TRAIN, "A 0.5 0.5 0.1 0.1 0 180 A 0.45 0.5 0.2 0.2 180 360 A 0.5 0.5 0.3 0.3 0 180 A 0.45 0.5 0.4 0.4 180 360"),
    t(N, "J", TRAIN, "M 0.35 0.1 L 0.8 0.1 | M 0.62 0.1 L 0.62 0.7 A 0.45 0.7 0.17 0.2 0 160"),
    t(N, "Q", TRAIN, "A 0.5 0.45 0.28 0.35 0 360 | M 0.55 0.65 L 0.82 0.92"),
    t(N, "D", TRAIN, "M 0.28 0.1 L 0.28 0.9 | M 0.28 0.1 C 0.95 0.05 0.95 0.95 0.28 0.9"),
    t(N, "c", TRAIN, "A 0.52 0.55 0.22 0.28 -50 -310"),
    t(N, "f", TRAIN, "M 0.72 0.15 Q 0.5 0.0 0.46 0.3 L 0.44 0.9 | M 0.25 0.42 L 0.68 0.42"),
    t(N, "t", TRAIN, "M 0.45 0.1 L 0.45 0.75 Q 0.47 0.92 0.7 0.84 | M 0.22 0.35 L 0.72 0.35"),
    t(N, "x", TRAIN, "M 0.25 0.35 L 0.75 0.9 | M 0.75 0.35 L 0.25 0.9"),
    t(N, "v", TRAIN, "M 0.25 0.35 L 0.5 0.9 L 0.75 0.35"),
    t(N, "a", TRAIN, "A 0.45 0.62 0.2 0.25 -10 -370 | M 0.66 0.35 L 0.68 0.9"),
    t(N, "d", TRAIN, "A 0.42 0.65 0.2 0.24 0 360 | M 0.64 0.1 L 0.64 0.9"),
    t(N, "p", TRAIN, "M 0.3 0.3 L 0.3 0.98 | A 0.48 0.48 0.2 0.18 180 540"),
    t(N, "dollar", TRAIN, "M 0.72 0.22 C 0.5 0.0 0.22 0.2 0.35 0.4 C 0.45 0.55 0.8 0.55 0.68 0.78 C 0.6 0.95 0.35 0.9 0.28 0.78 | M 0.5 0.02 L 0.5 0.98"),
    t(N, "infinity", TRAIN, "M 0.5 0.5 C 0.65 0.25 0.95 0.3 0.92 0.5 C 0.9 0.72 0.65 0.72 0.5 0.5 C 0.35 0.28 0.1 0.28 0.08 0.5 C 0.1 0.72 0.35 0.72 0.5 0.5"),
    t(N, "divide", TRAIN, "M 0.15 0.5 L 0.85 0.5 | M 0.5 0.22 L 0.5 0.23 | M 0.5 0.78 L 0.5 0.79"),
    t(N, "times", TRAIN, "M 0.3 0.3 L 0.7 0.7 | M 0.7 0.3 L 0.3 0.7"),
    t(N, "lambda", TRAIN, "M 0.25 0.1 Q 0.4 0.1 0.78 0.9 | M 0.52 0.45 L 0.22 0.9"),
    t(N, "omega", TRAIN, "M 0.15 0.9 L 0.35 0.9 A 0.5 0.48 0.28 0.34 120 -60 L 0.65 0.9 L 0.85 0.9"),
    t(N, "sigma", TRAIN, "M 0.78 0.12 L 0.25 0.12 L 0.55 0.5 L 0.25 0.88 L 0.78 0.88"),
    t(N, "root", TRAIN, "M 0.1 0.6 L 0.22 0.52 L 0.4 0.9 L 0.6 0.1 L 0.92 0.1"),
    t(N, "box, ticked", TRAIN, "M 0.2 0.2 L 0.8 0.2 L 0.8 0.8 L 0.2 0.8 L 0.2 0.2 | M 0.3 0.5 L 0.45 0.68 L 0.75 0.3"),
    t(N, "left arrow", TRAIN, "M 0.9 0.5 L 0.1 0.5 | M 0.32 0.3 L 0.1 0.5 L 0.32 0.7"),
    t(N, "ampersand-free loop", TRAIN, "M 0.2 0.8 C 0.4 0.2 0.9 0.3 0.5 0.6 C 0.2 0.8 0.6 0.95 0.85 0.7"),
    t(N, "cloud", TRAIN, "A 0.3 0.55 0.15 0.15 90 270 A 0.5 0.4 0.18 0.18 180 360 A 0.72 0.55 0.15 0.15 270 450 L 0.3 0.7"),
    t(N, "G", TRAIN, "A 0.52 0.5 0.28 0.4 -30 -330 L 0.78 0.52 L 0.56 0.52"),
    t(N, "epsilon", TRAIN, "A 0.55 0.3 0.2 0.18 -30 -270 A 0.55 0.68 0.24 0.2 -90 -330"),
    t(N, "alpha", TRAIN, "M 0.85 0.3 Q 0.6 0.7 0.4 0.75 A 0.38 0.55 0.16 0.2 90 270 Q 0.6 0.35 0.85 0.85"),
    t(N, "not equal", TRAIN, "M 0.2 0.4 L 0.8 0.4 | M 0.2 0.62 L 0.8 0.62 | M 0.65 0.15 L 0.35 0.85"),
    t(N, "plus-minus", TRAIN, "M 0.5 0.15 L 0.5 0.65 | M 0.2 0.4 L 0.8 0.4 | M 0.2 0.85 L 0.8 0.85"),
    t(N, "circled plus", TRAIN, "A 0.5 0.5 0.38 0.38 0 360 | M 0.5 0.12 L 0.5 0.88 | M 0.12 0.5 L 0.88 0.5"),
    t(N, "hexagon", TRAIN, "M 0.3 0.15 L 0.7 0.15 L 0.9 0.5 L 0.7 0.85 L 0.3 0.85 L 0.1 0.5 L 0.3 0.15"),
    t(N, "lightning", TRAIN, "M 0.6 0.05 L 0.3 0.5 L 0.65 0.5 L 0.4 0.95"),
    t(N, "W", HELD, "M 0.12 0.1 L 0.3 0.9 L 0.5 0.35 L 0.7 0.9 L 0.88 0.1"),
    t(N, "k", HELD, "M 0.3 0.1 L 0.3 0.9 | M 0.68 0.4 L 0.3 0.65 L 0.7 0.9"),

    t(N, "w", HELD, "M 0.12 0.3 L 0.3 0.9 L 0.5 0.45 L 0.7 0.9 L 0.88 0.3"),
    t(N, "greater than, equals", HELD, "M 0.25 0.1 L 0.75 0.4 L 0.25 0.7 | M 0.25 0.88 L 0.75 0.88"),
    t(N, "heart", HELD, "M 0.5 0.9 C 0.0 0.5 0.2 0.05 0.5 0.3 C 0.8 0.05 1.0 0.5 0.5 0.9"),
    t(N, "at", HELD, "A 0.5 0.5 0.12 0.14 0 360 L 0.64 0.62 Q 0.9 0.7 0.88 0.45 A 0.5 0.5 0.38 0.38 0 -300"),
    t(N, "pi", HELD, "M 0.15 0.25 L 0.85 0.22 | M 0.35 0.24 L 0.32 0.85 | M 0.65 0.23 L 0.7 0.85"),
];

#[cfg(test)]
mod tests {
    use super::super::path::Program;
    use super::*;

    #[test]
    fn every_template_parses_and_every_class_has_training_and_held_out_forms() {
        for t in TEMPLATES {
            Program::parse(t.path).unwrap_or_else(|e| panic!("{} '{}': {e}", t.label, t.name));
        }
        for label in 0..=NOT_A_DIGIT {
            let of = |held| TEMPLATES.iter().filter(|t| t.label == label && t.held_out == held).count();
            assert!(of(false) >= 3 && of(true) >= 1, "class {label}: {} to train, {} held out", of(false), of(true));
        }
    }
}
