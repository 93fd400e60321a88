//! The steady-state predict path allocates nothing: once a workspace has seen
//! a batch size, predicting again reuses its buffers. Counted with a global
//! allocator that tallies every allocation of this test binary.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use lenet::Workspace;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made while `f` runs. Tests in this file run one at a time
/// (there is only one), so nothing else is counted.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn predicting_again_allocates_nothing() {
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let mut rng = fastrand::Rng::with_seed(3);
    let images: Vec<f32> = (0..64 * 1024).map(|_| rng.f32()).collect();
    let mut ws = Workspace::new();
    for n in [1, 64] {
        let (input, mut probs) = (&images[..n * 1024], vec![0.0; n * net.num_classes()]);
        // The first pass sizes the workspace: that one allocates.
        assert!(allocations(|| net.predict_into(input, &mut ws, &mut probs).unwrap()) > 0);
        let again = allocations(|| {
            for _ in 0..10 {
                net.predict_into(input, &mut ws, &mut probs).unwrap();
            }
        });
        assert_eq!(again, 0, "batch of {n}: {again} allocations in 10 predictions");
        assert!((probs.iter().sum::<f32>() - n as f32).abs() < 1e-3);
    }
}
