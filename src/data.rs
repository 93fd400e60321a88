//! MNIST-style data: the IDX file format, and images as network inputs.
//!
//! IDX (LeCun's format): a big-endian header `0x00 0x00 <type> <dims>`, then
//! one big-endian u32 per dimension, then the values. Images are type 0x08
//! (unsigned byte) with 3 dimensions [N, rows, cols]; labels are 0x08 with 1
//! dimension [N]. Files may be gzipped (natively).

use crate::error::{Error, Result};

/// Images as bytes (0 = background, 255 = ink) with their labels.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Dataset {
    /// Pairs images with labels; the counts must agree.
    pub fn new(images: IdxImages, labels: Vec<u8>) -> Result<Dataset> {
        if images.count != labels.len() {
            return Err(Error::Data(format!("{} images but {} labels", images.count, labels.len())));
        }
        Ok(Dataset { rows: images.rows, cols: images.cols, pixels: images.pixels, labels })
    }

    /// `labels.len()` images of `rows` x `cols` bytes, end to end in `pixels`.
    pub fn from_pixels(rows: usize, cols: usize, pixels: Vec<u8>, labels: Vec<u8>) -> Result<Dataset> {
        let size = rows * cols;
        if size == 0 || pixels.len() != labels.len() * size {
            return Err(Error::Input(format!(
                "expected {} images of {rows} x {cols} bytes ({} in all) for {} labels, got {} bytes",
                labels.len(),
                labels.len() * size,
                labels.len(),
                pixels.len()
            )));
        }
        Ok(Dataset { rows, cols, pixels, labels })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The first `n` samples (all if there are fewer).
    pub fn truncate(&mut self, n: usize) {
        let n = n.min(self.len());
        self.labels.truncate(n);
        self.pixels.truncate(n * self.rows * self.cols);
    }

    pub fn image(&self, i: usize) -> &[u8] {
        let size = self.rows * self.cols;
        &self.pixels[i * size..(i + 1) * size]
    }

    /// Writes image `i` scaled to [0, 1] and centred in a `side` x `side`
    /// input with zero padding (28x28 MNIST -> 32x32 with 2 pixels each side).
    pub fn write_input(&self, i: usize, side: usize, out: &mut [f32]) {
        out.fill(0.0);
        let (top, left) = ((side.saturating_sub(self.rows)) / 2, (side.saturating_sub(self.cols)) / 2);
        for (r, row) in self.image(i).chunks_exact(self.cols).enumerate().take(side) {
            for (c, &p) in row.iter().enumerate().take(side) {
                out[(top + r) * side + left + c] = p as f32 / 255.0;
            }
        }
    }

    /// All images as one batch of `side` x `side` inputs.
    pub fn inputs(&self, side: usize) -> Vec<f32> {
        let mut out = vec![0.0; self.len() * side * side];
        for (i, chunk) in out.chunks_exact_mut(side * side).enumerate() {
            self.write_input(i, side, chunk);
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
}

/// Reads the header: returns the dimensions and the offset of the data.
fn idx_header(bytes: &[u8], dims: u8, what: &str) -> Result<(Vec<usize>, usize)> {
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(Error::Data(format!("{what}: not an IDX file (bad magic number)")));
    }
    if bytes[2] != 0x08 || bytes[3] != dims {
        return Err(Error::Data(format!(
            "{what}: expected unsigned bytes in {dims} dimensions, the header says type 0x{:02x} in {} dimensions",
            bytes[2], bytes[3]
        )));
    }
    let header = 4 + 4 * dims as usize;
    if bytes.len() < header {
        return Err(Error::Data(format!("{what}: truncated header")));
    }
    let sizes: Vec<usize> =
        bytes[4..header].chunks_exact(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).collect();
    let expected = sizes.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
    match expected {
        Some(n) if bytes.len() - header == n => Ok((sizes, header)),
        Some(n) => Err(Error::Data(format!(
            "{what}: the header promises {n} bytes of data ({sizes:?}) but the file holds {}; is it truncated?",
            bytes.len() - header
        ))),
        None => Err(Error::Data(format!("{what}: impossible dimensions {sizes:?}"))),
    }
}

pub fn parse_idx_images(bytes: &[u8]) -> Result<IdxImages> {
    let (sizes, start) = idx_header(bytes, 3, "images")?;
    if sizes[1] == 0 || sizes[2] == 0 {
        return Err(Error::Data(format!("images: zero-sized images {}x{}", sizes[1], sizes[2])));
    }
    Ok(IdxImages { count: sizes[0], rows: sizes[1], cols: sizes[2], pixels: bytes[start..].to_vec() })
}

pub fn parse_idx_labels(bytes: &[u8]) -> Result<Vec<u8>> {
    let (_, start) = idx_header(bytes, 1, "labels")?;
    Ok(bytes[start..].to_vec())
}

#[cfg(not(target_arch = "wasm32"))]
mod files {
    use std::io::Read;
    use std::path::{Path, PathBuf};

    use super::*;

    /// Which half of an MNIST-style directory.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Split {
        Train,
        Test,
    }

    /// Loads `train-*` or `t10k-*` images and labels from `dir`, raw or
    /// gzipped, under MNIST's file names (`train-images-idx3-ubyte`,
    /// `train-images.idx3-ubyte`, with or without `.gz`).
    pub fn load(dir: &Path, split: Split) -> Result<Dataset> {
        let prefix = match split {
            Split::Train => "train",
            Split::Test => "t10k",
        };
        let images =
            parse_idx_images(&read(&find(dir, &format!("{prefix}-images"))?)?).map_err(within(dir.display()))?;
        let labels =
            parse_idx_labels(&read(&find(dir, &format!("{prefix}-labels"))?)?).map_err(within(dir.display()))?;
        Dataset::new(images, labels).map_err(within(format!("{} ({prefix})", dir.display())))
    }

    fn find(dir: &Path, stem: &str) -> Result<PathBuf> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Error::Data(format!("cannot read the data directory {}: {e}", dir.display())))?;
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(stem)))
            .collect();
        names.sort();
        names.into_iter().next().ok_or_else(|| {
            Error::Data(format!(
                "no {stem}* file in {}; run `make data` to fetch MNIST, or pass --data DIR",
                dir.display()
            ))
        })
    }

    /// Reads a file, un-gzipping it when it starts with the gzip magic bytes.
    fn read(path: &Path) -> Result<Vec<u8>> {
        let bytes = std::fs::read(path).map_err(|e| Error::Data(format!("cannot read {}: {e}", path.display())))?;
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .map_err(|e| Error::Data(format!("{}: broken gzip data: {e}", path.display())))?;
            return Ok(out);
        }
        Ok(bytes)
    }

    /// Puts `what` in front of a data error's message (without a second
    /// "invalid data: " from the inner error).
    fn within(what: impl std::fmt::Display) -> impl FnOnce(Error) -> Error {
        move |e| match e {
            Error::Data(message) => Error::Data(format!("{what}: {message}")),
            other => other,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use files::{load, Split};

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(kind: u8, sizes: &[u32], data: &[u8]) -> Vec<u8> {
        let mut b = vec![0, 0, kind, sizes.len() as u8];
        sizes.iter().for_each(|s| b.extend_from_slice(&s.to_be_bytes()));
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn reads_images_and_pads_them() {
        let images = parse_idx_images(&idx(8, &[2, 2, 3], &[0, 255, 0, 0, 0, 51, 1, 2, 3, 4, 5, 6])).unwrap();
        let ds = Dataset::new(images, parse_idx_labels(&idx(8, &[2], &[7, 1])).unwrap()).unwrap();
        assert_eq!((ds.len(), ds.rows, ds.cols, ds.image(1)), (2, 2, 3, &[1, 2, 3, 4, 5, 6][..]));
        let mut out = vec![9.0; 16];
        ds.write_input(0, 4, &mut out);
        // 2x3 in 4x4: one row of padding on top, none left (odd margin rounds down).
        assert_eq!(&out[4..8], &[0.0, 1.0, 0.0, 0.0]);
        assert_eq!(out[10], 0.2);
        assert_eq!(out.iter().filter(|&&v| v != 0.0).count(), 2);
    }

    #[test]
    fn bad_files_are_errors() {
        let e = |r: Result<IdxImages>| r.unwrap_err().to_string();
        assert!(e(parse_idx_images(&[])).contains("not an IDX file"));
        assert!(e(parse_idx_images(&idx(8, &[2, 2], &[0; 4]))).contains("3 dimensions"));
        assert!(e(parse_idx_images(&idx(8, &[2, 2, 2], &[0; 7]))).contains("truncated"));
        assert!(e(parse_idx_images(&idx(8, &[u32::MAX, u32::MAX, u32::MAX], &[]))).contains("impossible"));
        assert!(e(parse_idx_images(&[0, 0, 8, 3, 0, 0])).contains("truncated header"));
        let images = parse_idx_images(&idx(8, &[2, 1, 1], &[0, 0])).unwrap();
        let err = Dataset::new(images, vec![1, 2, 3]).unwrap_err().to_string();
        assert!(err.contains("2 images but 3 labels"), "{err}");
    }
}
