//! The arguments of the generated CLI's `run` command (`<package>.cli run`, rendered from
//! templates/package/cli.py.j2), written in one place for every launcher: `wt run`, `wt
//! serve`'s local invoker and its Cloud Batch jobs.

use std::ffi::OsString;
use std::path::Path;

/// Where the run's parameters come from.
pub enum Params<'a> {
    /// `--config-file PATH`: a JSON (or YAML) document on disk.
    File(&'a Path),
    /// `--config-json TEXT`.
    Json(String),
}

/// One `run` command line.
pub struct RunArgs<'a> {
    pub params: Params<'a>,
    /// `sequential`, `parallel` or `async`.
    pub execution_mode: &'a str,
    pub mock_io: bool,
    /// `--workers N` (the CLI's own default when `None`).
    pub workers: Option<usize>,
}

impl RunArgs<'_> {
    /// `run --config-… … --execution-mode M --[no-]mock-io [--workers N]`.
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["run".into()];
        match &self.params {
            Params::File(path) => args.extend(["--config-file".into(), path.into()]),
            Params::Json(text) => args.extend(["--config-json".into(), text.into()]),
        }
        args.extend([
            "--execution-mode".into(),
            self.execution_mode.into(),
            if self.mock_io {
                "--mock-io"
            } else {
                "--no-mock-io"
            }
            .into(),
        ]);
        if let Some(n) = self.workers {
            args.extend(["--workers".into(), n.to_string().into()]);
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spells_the_options_cli_py_reads() {
        let args = RunArgs {
            params: Params::Json("{}".into()),
            execution_mode: "parallel",
            mock_io: false,
            workers: Some(3),
        }
        .to_args();
        assert_eq!(
            args,
            [
                "run",
                "--config-json",
                "{}",
                "--execution-mode",
                "parallel",
                "--no-mock-io",
                "--workers",
                "3"
            ]
            .map(OsString::from)
        );
        let cli = include_str!("../../templates/package/cli.py.j2");
        for option in [
            "--config-file",
            "--config-json",
            "--execution-mode",
            "--mock-io",
            "--workers",
        ] {
            assert!(cli.contains(option), "cli.py has no {option}");
        }
    }
}
