//! The number reader on numbers it never saw: 2-6 digits side by side,
//! MNIST test digits and held-out stroke-program digits, at random sizes,
//! gaps and baselines, touching pairs included (src/synth/numbers.rs).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use lenet::data::Split;
use lenet::number::Stroke;
use lenet::synth::pen::Canvas;
use lenet::synth::{Generator, Part};
use lenet::Workspace;

const COUNT: u64 = 500;

#[test]
fn numbers_are_read_exactly_and_their_boxes_hold_their_digits() {
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let (g, mnist, mut ws) = (Generator::new(), common::mnist(Split::Test), Workspace::new());
    let (mut exact, mut boxes_ok, mut digits) = (0, 0, 0);
    // Numbers whose digits stand apart (no two neighbours' ink boxes meet
    // across), and how many of those are read exactly.
    let (mut apart, mut apart_exact) = (0, 0);
    let mut misread = Vec::new();
    for seed in 0..COUNT {
        let n = g.number(seed, Part::Evaluation, &mnist);
        let read = net.read_digits(&n.rgba, n.width, n.height, &mut ws).unwrap();
        // Each digit's input is what it was read from.
        for d in &read.digits {
            assert_eq!(net.read(&d.input, &mut ws).unwrap().digit, Some(d.digit));
        }
        let stand_apart = n.boxes.windows(2).all(|w| w[1].0 > w[0].2);
        apart += usize::from(stand_apart);
        if read.text == n.text {
            exact += 1;
            apart_exact += usize::from(stand_apart);
            // The returned box holds its digit: the middle of the digit's
            // ink box and at least half of that box (neighbours that
            // overlap share some of it).
            for (d, &(x0, y0, x1, y1)) in read.digits.iter().zip(&n.boxes) {
                let b = d.bbox;
                let ix = (x1.min(b.x + b.width)).saturating_sub(x0.max(b.x));
                let iy = (y1.min(b.y + b.height)).saturating_sub(y0.max(b.y));
                let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
                let middle = (b.x..b.x + b.width).contains(&cx) && (b.y..b.y + b.height).contains(&cy);
                boxes_ok += usize::from(middle && ix * iy * 2 >= (x1 - x0) * (y1 - y0));
                digits += 1;
            }
        } else if misread.len() < 20 {
            misread.push(format!("{seed}: {} read as {}", n.text, read.text));
        }
    }
    let share = exact as f32 / COUNT as f32;
    println!("{:.1}% of {COUNT} numbers read exactly ({apart_exact} of the {apart} whose digits stand apart); boxes {boxes_ok}/{digits}", 100.0 * share);
    // 95.6% with the shipped weights (the issue asks for 97% on its own
    // numbers; docs/numbers.md says what fails here).
    assert!(share >= 0.95, "{:.1}% read exactly; for example {misread:#?}", 100.0 * share);
    // 267 of 275 (97.1%) where the digits stand apart.
    assert!(apart_exact * 100 >= apart * 96, "{apart_exact} of {apart} numbers with digits apart read exactly");
    assert!(boxes_ok * 1000 >= digits * 995, "{boxes_ok} of {digits} boxes hold their digit");
}

#[test]
fn marks_among_the_digits_are_dropped() {
    // The same numbers with a decimal point, a comma, a dash or a scribble
    // among the digits: read exactly means the mark left out.
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let (g, mnist, mut ws) = (Generator::new(), common::mnist(Split::Test), Workspace::new());
    let (mut exact, mut extra) = (0, 0);
    let mut misread = Vec::new();
    for seed in 0..COUNT {
        let n = g.number_with_mark(seed, Part::Evaluation, &mnist);
        let read = net.read_digits(&n.rgba, n.width, n.height, &mut ws).unwrap();
        exact += usize::from(read.text == n.text);
        extra += usize::from(read.text.len() > n.text.len());
        if read.text != n.text && misread.len() < 20 {
            misread.push(format!("{seed}: {} read as {}", n.text, read.text));
        }
    }
    let share = exact as f32 / COUNT as f32;
    println!("{:.1}% of {COUNT} numbers with a mark read exactly; {extra} with a digit too many", 100.0 * share);
    // 91.2% with the shipped weights (80.6% when points, commas and dashes
    // were read as digits): the misses are mostly small scribbles read as
    // a digit, and the misses of the test above.
    assert!(share >= 0.90, "{:.1}% read exactly; for example {misread:#?}", 100.0 * share);
}

/// Strokes drawn with a round pen `pen` pixels wide, as dark ink on a white
/// `side x side` RGBA canvas.
fn drawn(side: usize, pen: f32, strokes: &[&[[f32; 2]]]) -> Vec<u8> {
    let mut canvas = Canvas::new(side);
    strokes.iter().for_each(|s| canvas.stroke(s, pen));
    rgba(&canvas.ink)
}

/// Ink in [0, 1] as dark on white RGBA pixels.
fn rgba(ink: &[f32]) -> Vec<u8> {
    ink.iter().flat_map(|&v| [(255.0 * (1.0 - v)).round() as u8; 3].into_iter().chain([255])).collect()
}

#[test]
fn a_1_touching_its_neighbour_and_a_digit_in_two_pieces_are_read() {
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let mut ws = Workspace::new();
    // A 4 whose bar runs into a 1: the pair is "not a digit", and the 1 is
    // far narrower than a digit cut out of a group may usually be (before,
    // the pair was left out whole and the canvas read as "").
    let four_one = drawn(
        240,
        10.0,
        &[&[[60., 50.], [20., 150.], [120., 150.]], &[[95., 60.], [95., 200.]], &[[128., 50.], [126., 200.]]],
    );
    assert_eq!(net.read_digits(&four_one, 240, 240, &mut ws).unwrap().text, "41");
    // A 5 whose bowl is lifted apart from its cap: neither part alone is a
    // digit, but leaving the cap out was free, and the bowl read as 2.
    let five = drawn(
        240,
        12.0,
        &[
            &[[125., 45.], [70., 50.], [62., 90.]],
            &[[80., 100.], [110., 108.], [120., 140.], [100., 172.], [55., 178.]],
        ],
    );
    assert_eq!(net.read_digits(&five, 240, 240, &mut ws).unwrap().text, "5");
}

#[test]
fn numbers_written_small_with_the_pads_brush_are_read() {
    // The page's number pad: 720 x 240, a 16 px brush. Four held-out
    // stroke-program digits, each 60 px tall (a quarter of the pad), so the
    // brush is over a quarter of a digit's height: thick strokes that
    // preprocessing scales down with the digit.
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let (g, mut ws) = (Generator::new(), Workspace::new());
    let (count, height, brush) = (100, 60.0, 16.0);
    let mut exact = 0;
    let mut misread = Vec::new();
    for seed in 0..count {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut canvas = Canvas::new(720);
        let (mut text, mut x) = (String::new(), 40.0);
        for k in 0..4 {
            let digit = rng.u8(0..10);
            text.push(char::from(b'0' + digit));
            let strokes = g.digit_strokes(digit, seed * 4 + k, Part::Evaluation);
            let points = || strokes.iter().flatten();
            let (x0, x1) = points().fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p[0]), b.max(p[0])));
            let (y0, y1) = points().fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p[1]), b.max(p[1])));
            let scale = height / (y1 - y0);
            for stroke in &strokes {
                let placed: Vec<[f32; 2]> =
                    stroke.iter().map(|p| [x + (p[0] - x0) * scale, 90.0 + (p[1] - y0) * scale]).collect();
                canvas.stroke(&placed, brush);
            }
            x += (x1 - x0) * scale + 0.35 * height + brush;
        }
        let read = net.read_digits(&rgba(&canvas.ink[..720 * 240]), 720, 240, &mut ws).unwrap().text;
        if read == text {
            exact += 1;
        } else {
            misread.push(format!("{seed}: {text} read as {read}"));
        }
    }
    // 99 of 100 with the shipped weights (at 40 px tall, where the brush is
    // 40% of the height and digits are blobs, about 3 in 4).
    assert!(exact * 100 >= count * 97, "{exact} of {count} read exactly: {misread:#?}");
}

#[test]
fn a_blank_canvas_has_no_digits_and_a_wrong_size_is_an_error() {
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let mut ws = Workspace::new();
    let white = vec![255u8; 300 * 100 * 4];
    let read = net.read_digits(&white, 300, 100, &mut ws).unwrap();
    assert_eq!((read.text.as_str(), read.digits.len()), ("", 0));
    let e = net.read_digits(&white, 300, 99, &mut ws).unwrap_err().to_string();
    assert!(e.contains("a 300x99 RGBA image has 118800 bytes (4 per pixel), got 120000"), "{e}");
}

#[test]
fn digits_that_touch_are_read_apart_when_their_strokes_are_known() {
    // Four held-out stroke-program digits on the page's number pad (720 x
    // 240, a 16 px brush), 70-110 px tall, from 0.15 of a digit's height
    // apart to overlapping by a fifth of it, so most neighbours touch: the
    // pad's strokes tell the digits apart where their ink is one piece.
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let (g, mut ws) = (Generator::new(), Workspace::new());
    let (count, brush) = (200, 16.0);
    let (mut by_ink, mut by_strokes) = (0u64, 0u64);
    let mut misread = Vec::new();
    for seed in 0..count {
        let mut rng = fastrand::Rng::with_seed(1000 + seed);
        let mut canvas = Canvas::new(720);
        let mut strokes = Vec::new();
        let (mut text, mut x) = (String::new(), 30.0);
        for k in 0..4 {
            let digit = rng.u8(0..10);
            text.push(char::from(b'0' + digit));
            let height = 70.0 + 40.0 * rng.f32();
            let program = g.digit_strokes(digit, seed * 4 + k, Part::Evaluation);
            let points = || program.iter().flatten();
            let (x0, x1) = points().fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p[0]), b.max(p[0])));
            let (y0, y1) = points().fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p[1]), b.max(p[1])));
            let scale = height / (y1 - y0);
            let top = 60.0 + 20.0 * rng.f32();
            for stroke in &program {
                let placed: Vec<[f32; 2]> =
                    stroke.iter().map(|p| [x + (p[0] - x0) * scale, top + (p[1] - y0) * scale]).collect();
                canvas.stroke(&placed, brush);
                strokes.push(Stroke { points: placed, width: brush });
            }
            x += (x1 - x0) * scale + brush + height * (0.15 - 0.35 * rng.f32());
        }
        let rgba = rgba(&canvas.ink[..720 * 240]);
        let ink = net.read_digits(&rgba, 720, 240, &mut ws).unwrap().text;
        let drawn = net.read_digits_in_strokes(&rgba, 720, 240, &strokes, &mut ws).unwrap().text;
        by_ink += u64::from(ink == text);
        by_strokes += u64::from(drawn == text);
        if drawn != text {
            misread.push(format!("{seed}: {text} read as {drawn} (by ink alone {ink})"));
        }
    }
    println!(
        "numbers of touching digits read exactly: {by_ink} of {count} by their ink, {by_strokes} with their strokes"
    );
    // 199 with their strokes, 164 by their ink alone (2026-12-08).
    assert!(by_strokes * 100 >= count * 97, "{by_strokes} of {count} read exactly: {misread:#?}");
    assert!(by_strokes > by_ink, "the strokes help: {by_strokes} against {by_ink} by ink");
}
