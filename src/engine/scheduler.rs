//! Runs the step graph of a build on a bounded pool of threads.
//!
//! The graph (petgraph) has one node per (target, step) and an edge from each step to the
//! steps of the same target that depend on it. A node is ready when all its predecessors are
//! done. When a node fails, the rest of its target is skipped; other targets go on.

use anyhow::Result;
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeSet, HashMap};
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

/// What the workers share.
struct State {
    status: Vec<Status>,
    /// Per node, how many of its predecessors are not done yet.
    waiting_on: Vec<usize>,
    /// Nodes whose predecessors are all done, lowest index (first target, first step) first.
    ready: BTreeSet<usize>,
    running: usize,
    failures: HashMap<usize, String>,
}

/// Runs every node; returns, per failed target index, its first error (rendered).
///
/// Picking a node is O(log n) (a set of ready nodes, fed as predecessors finish), so a no-op
/// build of hundreds of steps spends its time in the steps, not in finding them.
pub fn run(
    graph: &StepGraph,
    jobs: usize,
    work: impl Fn(usize, usize) -> Result<()> + Sync,
) -> HashMap<usize, String> {
    let n = graph.node_count();
    let waiting_on: Vec<usize> = (0..n)
        .map(|i| {
            graph
                .neighbors_directed(NodeIndex::new(i), Direction::Incoming)
                .count()
        })
        .collect();
    let ready = (0..n).filter(|&i| waiting_on[i] == 0).collect();
    let state = Mutex::new(State {
        status: vec![Status::Pending; n],
        waiting_on,
        ready,
        running: 0,
        failures: HashMap::new(),
    });
    let changed = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let next = {
                        let mut guard = state.lock().expect("scheduler state");
                        loop {
                            if let Some(i) = guard.ready.pop_first() {
                                guard.status[i] = Status::Running;
                                guard.running += 1;
                                break Some(i);
                            }
                            if guard.running == 0 {
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
                    let st = &mut *guard;
                    st.running -= 1;
                    match result {
                        Ok(()) => {
                            st.status[i] = Status::Done;
                            for next in
                                graph.neighbors_directed(NodeIndex::new(i), Direction::Outgoing)
                            {
                                let j = next.index();
                                st.waiting_on[j] -= 1;
                                if st.waiting_on[j] == 0 && st.status[j] == Status::Pending {
                                    st.ready.insert(j);
                                }
                            }
                        }
                        Err(e) => {
                            st.status[i] = Status::Skipped;
                            st.failures
                                .entry(t)
                                .or_insert_with(|| crate::diag::render_error(&e));
                            for j in 0..n {
                                if graph[NodeIndex::new(j)].0 == t
                                    && st.status[j] == Status::Pending
                                {
                                    st.status[j] = Status::Skipped;
                                    st.ready.remove(&j);
                                }
                            }
                        }
                    }
                    drop(guard);
                    changed.notify_all();
                }
            });
        }
    });
    state.into_inner().expect("scheduler state").failures
}
