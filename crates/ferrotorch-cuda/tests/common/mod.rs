//! Shared by the integration tests that compile every kernel module.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `check` on every item with one worker per core (compilers handle
/// independent programs concurrently, which keeps compile-everything tests
/// at seconds) and gathers the problems it reports.
pub fn problems_in_parallel<T: Sync>(
    items: &[T],
    check: impl Fn(&T) -> Vec<String> + Sync,
) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut problems = Vec::new();
                    while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
                        problems.extend(check(item));
                    }
                    problems
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}
