//! Native speed of the shipped network: `cargo bench --bench native`.
//! predict (1 image), predict (batch 64), train_step (batch 64, Adam) on one
//! thread and on two.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lenet::{Network, OptimizerConfig, Trainer, Workspace};

fn digits(n: usize) -> (Vec<f32>, Vec<u8>) {
    let mut rng = fastrand::Rng::with_seed(1);
    (
        (0..n * 1024).map(|_| if rng.f32() < 0.2 { rng.f32() } else { 0.0 }).collect(),
        (0..n).map(|_| rng.u8(0..10)).collect(),
    )
}

fn bench(c: &mut Criterion) {
    let net = lenet::weights::from_bytes(include_bytes!("../weights/lenet5-reject.safetensors")).unwrap();
    let (x, y) = digits(64);
    let mut ws = Workspace::new();

    let mut group = c.benchmark_group("lenet5");
    group.throughput(Throughput::Elements(1));
    group.bench_function("predict 1", |b| b.iter(|| net.predict(&x[..1024], &mut ws).unwrap()));
    group.throughput(Throughput::Elements(64));
    group.bench_function("predict batch 64", |b| b.iter(|| net.predict(&x, &mut ws).unwrap()));
    for threads in [1, 2] {
        let mut net = Network::from_preset_or_json("lenet5", 1).unwrap();
        let mut trainer = Trainer::new(&net, OptimizerConfig::adam(1e-4), threads).unwrap();
        group.bench_function(format!("train_step batch 64, {threads} thread(s)"), |b| {
            b.iter(|| trainer.step(&mut net, &x, &y).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
