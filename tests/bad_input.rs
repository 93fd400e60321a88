//! The "Bad input" table of docs/errors.md for the command-line tool, row by row: each
//! row's command must exit with the row's status and print its message, with
//! no panic and no weights file left at `--out`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lenet::{Network, Spec};

/// A row of the table: its id, exit status and the code spans of its last column.
struct Row {
    id: String,
    exit: i32,
    expected: Vec<String>,
}

/// Inline code spans of a Markdown table cell, as CommonMark reads them.
fn code_spans(cell: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut rest = cell;
    while let Some(start) = rest.find('`') {
        let ticks = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let fence = &rest[start..start + ticks];
        let body = &rest[start + ticks..];
        let Some(end) = body.find(fence) else { break };
        let text = &body[..end];
        let text = if text.len() > 2 && text.starts_with(' ') && text.ends_with(' ') {
            &text[1..text.len() - 1]
        } else {
            text
        };
        spans.push(text.to_string());
        rest = &body[end + ticks..];
    }
    spans
}

fn rows() -> Vec<Row> {
    let errors = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md")).unwrap();
    let section = errors
        .split("\n## ")
        .find(|s| s.starts_with("Bad input\n"))
        .expect("docs/errors.md has a \"## Bad input\" section");
    let table = section
        .split("\n### ")
        .find(|s| s.starts_with("Command-line tool\n"))
        .expect("a \"### Command-line tool\" table");
    table
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            Row {
                id: code_spans(cells[0]).remove(0),
                exit: cells[cells.len() - 2].trim().parse().expect("an exit status"),
                expected: code_spans(cells[cells.len() - 1]),
            }
        })
        .collect()
}

/// An empty working directory with a tiny data set in `data/`.
struct Dir(tempfile::TempDir);

impl Dir {
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) {
        std::fs::write(self.path(name), bytes).unwrap();
    }

    /// `lenet args...` run in this directory.
    fn lenet(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lenet")).args(args).current_dir(self.0.path()).output().unwrap()
    }

    /// `lenet train` on `data/` for one epoch, writing `w.safetensors`, with `args`.
    fn train(&self, args: &[&str]) -> Output {
        self.lenet(&[&["train", "--epochs", "1", "--data", "data", "--out", "w.safetensors"], args].concat())
    }

    /// A weights file for the network `spec`, with `edit` applied to its parameters.
    fn weights(&self, name: &str, spec: &str, edit: fn(&mut [f32])) {
        let mut net = Network::from_spec(Spec::from_json(spec).unwrap(), 1).unwrap();
        edit(net.param_slices_mut().next().unwrap());
        self.write(name, lenet::weights::to_bytes(&net));
    }

    /// A white PNG with a dark vertical bar (a 1) when `ink`.
    fn png(&self, name: &str, width: u32, height: u32, ink: bool) {
        let bar = |x: u32| ink && (width * 9 / 20..width * 11 / 20).contains(&x);
        image::GrayImage::from_fn(width, height, |x, y| {
            image::Luma([if bar(x) && y > height / 8 && y < height * 7 / 8 { 20 } else { 255 }])
        })
        .save(self.path(name))
        .unwrap();
    }
}

const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/weights/lenet5-reject.safetensors");
const RGB: &str = r#"{"input":[3,32,32],"layers":[{"type":"flatten"},{"type":"linear","out_features":10}]}"#;
const THREE: &str = r#"{"input":[1,32,32],"layers":[{"type":"flatten"},{"type":"linear","out_features":3}]}"#;
const IMAGES: &str = "data/train-images-idx3-ubyte";

type Case = (&'static str, fn(&Dir) -> Output);

/// One case per row of the table.
const CASES: &[Case] = &[
    ("command-unknown", |d| d.lenet(&["frobnicate"])),
    ("option-unknown", |d| d.lenet(&["train", "--epoch", "3"])),
    ("option-dash-value", |d| d.train(&["--lr", "-1"])),
    ("option-not-number", |d| d.lenet(&["train", "--epochs", "three"])),
    ("summary-preset", |d| d.lenet(&["summary", "--net", "lenet7"])),
    ("summary-spec-json", |d| {
        d.write("bad.json", r#"{"input": [1, 32, 32], "layers": ["#);
        d.lenet(&["summary", "--net", "bad.json"])
    }),
    ("summary-spec-type", |d| {
        d.write("pool.json", r#"{"input":[1,32,32],"layers":[{"type":"pool"}]}"#);
        d.lenet(&["summary", "--net", "pool.json"])
    }),
    ("summary-spec-fit", |d| {
        d.write(
            "big.json",
            r#"{"input":[1,32,32],"layers":[{"type":"conv2d","name":"C1","out_channels":6,"kernel_size":40}]}"#,
        );
        d.lenet(&["summary", "--net", "big.json"])
    }),
    ("summary-weights-missing", |d| d.lenet(&["summary", "--net", "gone.safetensors"])),
    ("summary-weights-corrupt", |d| {
        d.write("text.safetensors", "this is not a safetensors file");
        d.lenet(&["summary", "--net", "text.safetensors"])
    }),
    ("train-epochs-zero", |d| d.lenet(&["train", "--epochs", "0", "--data", "data", "--out", "w.safetensors"])),
    ("train-lr-zero", |d| d.train(&["--lr", "0"])),
    ("train-lr-negative", |d| d.train(&["--lr=-1"])),
    ("train-lr-nan", |d| d.train(&["--lr", "nan"])),
    ("train-lr-inf", |d| d.train(&["--lr", "inf"])),
    ("train-optimizer", |d| d.train(&["--optimizer", "rmsprop"])),
    ("train-schedule", |d| d.train(&["--schedule", "linear"])),
    ("train-momentum", |d| d.train(&["--optimizer", "sgd", "--momentum", "1"])),
    ("train-weight-decay", |d| d.train(&["--optimizer", "sgd", "--weight-decay=-1"])),
    ("train-net-input", |d| {
        d.write("rgb.json", RGB);
        d.train(&["--net", "rgb.json"])
    }),
    ("train-labels", |d| {
        d.write("three.json", THREE);
        d.train(&["--net", "three.json"])
    }),
    ("train-limit-zero", |d| d.train(&["--train-limit", "0"])),
    ("train-out-parent", |d| {
        d.write("file", "");
        d.lenet(&["train", "--epochs", "1", "--data", "data", "--out", "file/w.safetensors"])
    }),
    ("train-out-directory", |d| {
        std::fs::create_dir(d.path("dir")).unwrap();
        d.lenet(&["train", "--epochs", "1", "--data", "data", "--out", "dir"])
    }),
    ("data-missing", |d| d.lenet(&["train", "--data", "gone", "--out", "w.safetensors"])),
    ("data-no-files", |d| {
        std::fs::create_dir(d.path("empty")).unwrap();
        d.lenet(&["train", "--data", "empty", "--out", "w.safetensors"])
    }),
    ("idx-truncated", |d| {
        common::tiny_dataset(&d.path("data"), 4, 4, 100);
        d.train(&[])
    }),
    ("idx-count", |d| {
        common::tiny_dataset(&d.path("data"), 4, 5, 0);
        d.train(&[])
    }),
    ("idx-magic", |d| {
        d.write("data/train-labels-idx1-ubyte", "nonsense");
        d.train(&[])
    }),
    ("idx-type", |d| {
        d.write(IMAGES, common::idx(1, &[4], &[3; 4]));
        d.train(&[])
    }),
    ("idx-zero-size", |d| {
        d.write(IMAGES, common::idx(3, &[4, 0, 28], &[]));
        d.train(&[])
    }),
    ("idx-dimensions", |d| {
        d.write(IMAGES, common::idx(3, &[u32::MAX; 3], &[]));
        d.train(&[])
    }),
    ("idx-gzip", |d| {
        std::fs::remove_file(d.path(IMAGES)).unwrap();
        d.write("data/train-images-idx3-ubyte.gz", [0x1f, 0x8b, 8, 0, 1, 2, 3]);
        d.train(&[])
    }),
    ("eval-weights-missing", |d| d.lenet(&["eval", "--data", "data", "--weights", "gone.safetensors"])),
    ("eval-weights-truncated", |d| {
        d.write("cut.safetensors", &std::fs::read(SHIPPED).unwrap()[..5000]);
        d.lenet(&["eval", "--data", "data", "--weights", "cut.safetensors"])
    }),
    ("eval-weights-nan", |d| {
        d.weights("nan.safetensors", &Spec::preset("lenet5").unwrap().to_json(), |w| w[7] = f32::NAN);
        d.lenet(&["eval", "--data", "data", "--weights", "nan.safetensors"])
    }),
    ("eval-labels", |d| {
        d.weights("three.safetensors", THREE, |_| {});
        d.lenet(&["eval", "--data", "data", "--weights", "three.safetensors"])
    }),
    ("eval-net-input", |d| {
        d.weights("rgb.safetensors", RGB, |_| {});
        d.lenet(&["eval", "--data", "data", "--weights", "rgb.safetensors"])
    }),
    ("eval-data-missing", |d| d.lenet(&["eval", "--data", "gone", "--weights", SHIPPED])),
    ("predict-no-images", |d| d.lenet(&["predict", "--weights", SHIPPED])),
    ("predict-missing", |d| d.lenet(&["predict", "--weights", SHIPPED, "gone.png"])),
    ("predict-not-image", |d| {
        d.write("fake.png", "not a png");
        d.lenet(&["predict", "--weights", SHIPPED, "fake.png"])
    }),
    ("predict-empty-file", |d| {
        d.write("empty.png", "");
        d.lenet(&["predict", "--weights", SHIPPED, "empty.png"])
    }),
    ("predict-huge", |d| {
        d.png("huge.png", 20_000, 1_000, false);
        d.lenet(&["predict", "--weights", SHIPPED, "huge.png"])
    }),
    ("predict-some-bad", |d| {
        d.png("one.png", 120, 160, true);
        d.lenet(&["predict", "--weights", SHIPPED, "one.png", "gone.png"])
    }),
    ("predict-blank", |d| {
        d.png("blank.png", 50, 50, false);
        d.lenet(&["predict", "--weights", SHIPPED, "blank.png"])
    }),
];

/// Whether `text` holds every part, in order.
fn holds_in_order(text: &str, parts: &[String]) -> bool {
    let mut rest = text;
    for part in parts {
        match rest.find(part.as_str()) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    !parts.is_empty()
}

#[test]
fn every_row_of_the_table_has_a_case_and_every_case_a_row() {
    let mut in_readme: Vec<String> = rows().into_iter().map(|r| r.id).collect();
    let mut here: Vec<String> = CASES.iter().map(|(id, _)| id.to_string()).collect();
    in_readme.sort();
    here.sort();
    assert_eq!(in_readme, here);
}

#[test]
fn every_row_does_what_the_table_says() {
    let mut wrong = Vec::new();
    for row in rows() {
        let Some((_, run)) = CASES.iter().find(|(id, _)| *id == row.id) else { continue };
        let dir = Dir(tempfile::tempdir().unwrap());
        std::fs::create_dir(dir.path("data")).unwrap();
        common::tiny_dataset(&dir.path("data"), 4, 4, 0);
        let o = run(&dir);
        let seen = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        if o.status.code() != Some(row.exit) || !holds_in_order(&seen, &row.expected) || seen.contains("panicked") {
            wrong.push(format!(
                "{}: docs/errors.md says exit {} and {:?}\n  it gives {:?} and {seen:?}",
                row.id, row.exit, row.expected, o.status
            ));
        }
        if dir.path("w.safetensors").exists() {
            wrong.push(format!("{}: a weights file was written", row.id));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
