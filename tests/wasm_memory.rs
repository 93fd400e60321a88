//! Memory of the wasm build under a long run (Node only: the loop takes longer
//! than a browser test may block the page):
//!   wasm-pack test --node -- --test wasm_memory
#![cfg(target_arch = "wasm32")]

use lenet::wasm::JsNetwork as Network;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

fn memory_bytes() -> u32 {
    let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length()
}

#[wasm_bindgen_test]
fn memory_stays_flat_over_many_predictions_and_train_steps() {
    let mut net = Network::pretrained().unwrap();
    // Four digit-like inputs: a bar at a different place in each.
    let input: Vec<f32> =
        (0..4 * 1024).map(|i| if (i % 1024) % 32 == 8 + 4 * (i / 1024) { 1.0 } else { 0.0 }).collect();
    let labels = [1, 1, 7, 4];
    for _ in 0..100 {
        net.predict(&input[..1024]).unwrap();
        net.train_step(&input, &labels).unwrap();
    }
    let warm = memory_bytes();
    for i in 0..100_000 {
        net.predict(&input[(i % 4) * 1024..][..1024]).unwrap();
    }
    for _ in 0..2_000 {
        net.train_step(&input, &labels).unwrap();
    }
    assert_eq!(memory_bytes(), warm, "the wasm memory grew");
}
