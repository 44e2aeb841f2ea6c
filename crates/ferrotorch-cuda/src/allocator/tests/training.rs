//! The point of the cache: a training loop, which allocates the same sizes
//! every iteration, stops calling the device after warm-up.

use super::{check_consistent, setup, Block, KIB, MIB};

/// Sizes of one iteration's activations and temporaries, mixing both pools
/// and both kinds of large segment (shared 20 MiB, own segment).
const ACTIVATIONS: [usize; 9] = [
    3 * MIB,
    100 * KIB,
    12 * MIB + 4000,
    700 * KIB,
    40 * MIB,
    1000,
    3 * MIB,
    6 * MIB + 1,
    64,
];

#[test]
fn training_loop_stops_reaching_the_device_after_two_iterations() {
    let (fake, alloc) = setup(1 << 30);
    // Parameters and gradients live across iterations.
    let params: Vec<Block> = [MIB, 5 * MIB, 20 * KIB]
        .iter()
        .map(|&n| alloc.allocate(n).unwrap())
        .collect();
    let mut grads: Vec<Block> = Vec::new();
    let mut mallocs_after = Vec::new();
    for iteration in 0..10 {
        // Forward: activations stay until backward; each layer also has a
        // temporary freed at once.
        let mut saved: Vec<Block> = Vec::new();
        for (i, &n) in ACTIVATIONS.iter().enumerate() {
            saved.push(alloc.allocate(n).unwrap());
            let tmp = alloc.allocate(n / 2 + 512 * (i + 1)).unwrap();
            alloc.free(tmp).unwrap();
        }
        // Backward frees the activations in reverse, with gradient buffers
        // of the activations' sizes created and freed in between.
        while let Some(act) = saved.pop() {
            let grad_input = alloc.allocate(act.size()).unwrap();
            alloc.free(act).unwrap();
            alloc.free(grad_input).unwrap();
        }
        if iteration == 0 {
            grads = params
                .iter()
                .map(|p| alloc.allocate(p.size()).unwrap())
                .collect();
        }
        let live: Vec<&Block> = params.iter().chain(&grads).collect();
        check_consistent(&fake, &alloc, &live);
        mallocs_after.push(alloc.stats().num_device_mallocs);
    }
    assert!(
        mallocs_after[2..].iter().all(|&m| m == mallocs_after[1]),
        "device mallocs per iteration: {mallocs_after:?}"
    );
    assert_eq!(fake.frees(), 0);
    for block in params.into_iter().chain(grads) {
        alloc.free(block).unwrap();
    }
    alloc.empty_cache().unwrap();
    assert_eq!(fake.in_use(), 0);
}
