//! Processes a run left behind, found by the marker in their environment.
//!
//! A run's processes lead one process group, which the invoker kills when the run ends. A task
//! can still leave it: a child started in a new session (`start_new_session=True`, `setsid`,
//! a daemon) has a group of its own, and outlives a group kill. Every process of a run is
//! started with `WT_RUN_ID=<run id>` in its environment (a variable requests cannot set), and
//! inherits it whatever session or group it moves to; so when the run ends, every process
//! whose environment still holds that marker is killed. A process that empties its own
//! environment escapes this; nothing short of a cgroup catches that.

/// The environment variable that marks a run's processes.
pub const RUN_MARKER: &str = "WT_RUN_ID";

/// Pids of the processes (other than this one) whose environment holds `RUN_MARKER=run_id`.
fn marked(run_id: &str) -> Vec<i32> {
    let wanted = format!("{RUN_MARKER}={run_id}");
    let me = std::process::id() as i32;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|kv| kv == wanted.as_bytes()))
        })
        .collect()
}

/// Kills every process marked with `run_id`; repeats while new ones appear (a process may
/// fork while it is being killed), a bounded number of times. Returns how many were killed.
pub fn kill_marked(run_id: &str) -> usize {
    let mut killed = 0;
    for _ in 0..10 {
        let pids = marked(run_id);
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            // SAFETY: kill has no memory-safety preconditions; a process that is already
            // gone gives ESRCH, which is what we want to ignore.
            if unsafe { libc::kill(pid, libc::SIGKILL) } == 0 {
                killed += 1;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    killed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_process_in_its_own_session_is_killed() {
        let id = format!("test-{}", std::process::id());
        let mut child = std::process::Command::new("setsid")
            .args(["sleep", "60"])
            .env(RUN_MARKER, &id)
            .spawn()
            .unwrap();
        // Wait until `sleep` itself carries the marker (not `setsid` on its way to exec it).
        let is_sleep = |pid: &i32| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.starts_with(b"sleep"))
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !marked(&id).iter().any(is_sleep) {
            assert!(
                std::time::Instant::now() < deadline,
                "the marked process never showed up"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(kill_marked(&id) >= 1);
        let _ = child.wait();
        assert!(marked(&id).iter().all(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
                s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
        }));
    }
}
