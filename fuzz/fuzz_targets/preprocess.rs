//! Any RGBA bytes at any size give a network input, "blank" or an input
//! error, never a panic; the error comes exactly when a side is 0 or the
//! length is not width x height x 4. An input is 32 x 32 values in [0, 1],
//! with ink inside the 28 x 28 field and none in the 2-pixel padding, and its
//! ink box lies inside the image.
//!
//! Input format: width and height (u16 little-endian each, mod 513), a mode
//! byte, then pixel bytes. Mode 0 passes the pixel bytes as they are (mostly
//! the wrong length), mode 1 the right length plus or minus one byte, modes 2
//! and 3 the pixels followed by transparent ones, other modes the pixels
//! repeated to fill the image.
#![no_main]

use lenet::preprocess::{preprocess_rgba, SIDE};
use lenet::Error;
use libfuzzer_sys::fuzz_target;

/// The largest side tried: big enough for real canvases (280 x 280 on the
/// page), small enough to keep one run fast.
const MAX_SIDE: usize = 512;
/// The padding around the 28 x 28 field.
const PAD: usize = 2;

fuzz_target!(|bytes: &[u8]| {
    let Some((head, pixels)) = bytes.split_first_chunk::<5>() else { return };
    let width = u16::from_le_bytes([head[0], head[1]]) as usize % (MAX_SIDE + 1);
    let height = u16::from_le_bytes([head[2], head[3]]) as usize % (MAX_SIDE + 1);
    let size = width * height * 4;
    let rgba: Vec<u8> = match head[4] % 8 {
        0 => pixels.to_vec(),
        1 => {
            let len = if head[4] & 8 == 0 { size + 1 } else { size.saturating_sub(1) };
            pixels.iter().copied().chain(std::iter::repeat(0)).take(len).collect()
        }
        2 | 3 => pixels.iter().copied().chain(std::iter::repeat(0)).take(size).collect(),
        _ if pixels.is_empty() => vec![0; size],
        _ => pixels.iter().copied().cycle().take(size).collect(),
    };
    let fits = width > 0 && height > 0 && rgba.len() == size;
    let out = match preprocess_rgba(&rgba, width, height) {
        Err(Error::Input(m)) => {
            assert!(!fits, "{width}x{height} with {} bytes: {m}", rgba.len());
            return;
        }
        Err(e) => panic!("not an input error: {e}"),
        Ok(out) => {
            assert!(fits, "{width}x{height} with {} bytes was accepted", rgba.len());
            match out {
                Some(out) => out,
                None => return,
            }
        }
    };
    assert_eq!(out.input.len(), SIDE * SIDE);
    assert!(out.input.iter().all(|v| (0.0..=1.0).contains(v)), "{:?}", out.input);
    let field = PAD..SIDE - PAD;
    for (i, &v) in out.input.iter().enumerate() {
        assert!(v == 0.0 || (field.contains(&(i % SIDE)) && field.contains(&(i / SIDE))), "ink at {i} in the padding");
    }
    // The centre of mass lands mid-field and the digit is at most 20 pixels,
    // so centring never clips all of it away.
    assert!(out.input.iter().any(|&v| v > 0.0), "no ink left");
    let (x0, y0, x1, y1) = out.bbox;
    assert!(x0 < x1 && x1 <= width && y0 < y1 && y1 <= height, "{:?} in {width}x{height}", out.bbox);
});
