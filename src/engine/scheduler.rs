//! Runs the step graph of a build on a bounded pool of threads.
//!
//! The graph (petgraph) has one node per (target, step) and an edge from each step to the
//! steps of the same target that depend on it. A node is ready when all its predecessors are
//! done. When a node fails, the rest of its target is skipped; other targets go on.

use anyhow::Result;
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

/// A node: (target index, rule index).
pub type StepGraph = DiGraph<(usize, usize), ()>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Running,
    Done,
    Skipped,
}

/// Runs every node; returns, per failed target index, its first error (rendered).
pub fn run(
    graph: &StepGraph,
    jobs: usize,
    work: impl Fn(usize, usize) -> Result<()> + Sync,
) -> HashMap<usize, String> {
    let n = graph.node_count();
    let state = Mutex::new((vec![Status::Pending; n], HashMap::<usize, String>::new()));
    let changed = Condvar::new();
    let ready = |status: &[Status], i: usize| {
        status[i] == Status::Pending
            && graph
                .neighbors_directed(NodeIndex::new(i), Direction::Incoming)
                .all(|p| status[p.index()] == Status::Done)
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let next = {
                        let mut guard = state.lock().expect("scheduler state");
                        loop {
                            let status = &mut guard.0;
                            if let Some(i) = (0..n).find(|&i| ready(status, i)) {
                                status[i] = Status::Running;
                                break Some(i);
                            }
                            let busy = status.contains(&Status::Running);
                            let waiting = status.contains(&Status::Pending);
                            if !busy || !waiting {
                                break None;
                            }
                            guard = changed.wait(guard).expect("scheduler state");
                        }
                    };
                    let Some(i) = next else {
                        changed.notify_all();
                        return;
                    };
                    let (t, r) = graph[NodeIndex::new(i)];
                    let result = work(t, r);
                    let mut guard = state.lock().expect("scheduler state");
                    let (status, failures) = &mut *guard;
                    match result {
                        Ok(()) => status[i] = Status::Done,
                        Err(e) => {
                            status[i] = Status::Skipped;
                            failures
                                .entry(t)
                                .or_insert_with(|| crate::diag::render_error(&e));
                            for j in 0..n {
                                if graph[NodeIndex::new(j)].0 == t && status[j] == Status::Pending {
                                    status[j] = Status::Skipped;
                                }
                            }
                        }
                    }
                    changed.notify_all();
                }
            });
        }
    });
    state.into_inner().expect("scheduler state").1
}
