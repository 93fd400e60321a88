//! Any bytes given to the IDX reader give images, labels or an error, never a
//! panic. What parses holds exactly the bytes after its header, as many as the
//! header says; images pair with labels only when the counts agree; and the
//! network inputs made from a dataset hold each image scaled to [0, 1] where
//! `write_input` says, zeros elsewhere.
//!
//! Input format: the length of the images file (u16 big-endian), the images
//! file, then the labels file.
#![no_main]

use lenet::data::{parse_idx_images, parse_idx_labels, Dataset};
use libfuzzer_sys::fuzz_target;

/// The most input values made from one dataset, to keep one run fast.
const MAX_VALUES: usize = 1 << 20;

fuzz_target!(|bytes: &[u8]| {
    let Some((head, files)) = bytes.split_first_chunk::<2>() else { return };
    let (images, labels) = files.split_at((u16::from_be_bytes(*head) as usize).min(files.len()));
    let images = parse_idx_images(images).ok().inspect(|parsed| {
        assert!(parsed.rows > 0 && parsed.cols > 0);
        assert_eq!(parsed.pixels.len(), parsed.count * parsed.rows * parsed.cols);
        assert_eq!(parsed.pixels, images[16..]);
    });
    let labels = parse_idx_labels(labels).ok().inspect(|parsed| assert_eq!(parsed, &labels[8..]));
    let (Some(images), Some(labels)) = (images, labels) else { return };
    let (count, n_labels) = (images.count, labels.len());
    let Ok(mut ds) = Dataset::new(images, labels) else {
        assert_ne!(count, n_labels);
        return;
    };
    assert_eq!(count, n_labels);
    assert_eq!((ds.len(), ds.is_empty()), (count, count == 0));
    for side in [1, 28, 32, ds.rows.max(ds.cols)] {
        if ds.len().saturating_mul(side * side) > MAX_VALUES {
            continue;
        }
        let inputs = ds.inputs(side);
        assert_eq!(inputs.len(), ds.len() * side * side);
        for (i, input) in inputs.chunks_exact(side * side).enumerate() {
            assert_eq!(input, expected_input(&ds, i, side), "image {i} at side {side}");
        }
    }
    let keep = count / 2;
    ds.truncate(keep);
    assert_eq!((ds.len(), ds.pixels.len()), (keep, keep * ds.rows * ds.cols));
});

/// Image `i` centred in a `side` x `side` input (odd margins round down),
/// cropped to its first `side` rows and columns if it is larger.
fn expected_input(ds: &Dataset, i: usize, side: usize) -> Vec<f32> {
    let (top, left) = (side.saturating_sub(ds.rows) / 2, side.saturating_sub(ds.cols) / 2);
    let mut out = vec![0.0; side * side];
    for r in 0..ds.rows.min(side) {
        for c in 0..ds.cols.min(side) {
            out[(top + r) * side + left + c] = ds.image(i)[r * ds.cols + c] as f32 / 255.0;
        }
    }
    out
}
