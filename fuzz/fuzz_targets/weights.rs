//! Any bytes given to the weights loader give a network or an error, never a
//! panic; a network that loads also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(net) = lenet::weights::from_bytes(bytes) {
        let input = vec![0.5; net.input_shape().len()];
        let probs = net.predict(&input, &mut lenet::Workspace::new()).expect("a loaded network runs");
        assert_eq!(probs.len(), net.num_classes());
    }
});
