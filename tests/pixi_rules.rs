//! pixi's rules for a lock that satisfies its manifest, applied to the workspaces wt compiles:
//! the example workflows are compiled for real (conda Python from the mirror, PyPI from
//! PyPI) and each `pixi.toml` is read with `toml` and each `pixi.lock` with rattler_lock, the
//! library pixi reads locks with.
//!
//! For every environment of the manifest and every platform:
//! - the lock has the environment, with the manifest's platforms, channels (by URL, in order)
//!   and PyPI index;
//! - every `[dependencies]` entry is a conda package of the lock, `python` among them, and
//!   every wheel fits the locked Python;
//! - every `[pypi-dependencies]` entry (the environment's features' too) is a PyPI package of
//!   the lock that satisfies the manifest's version; a `path:` one is a source record at the
//!   same relative path, with the dependencies its pyproject.toml declares;
//! - walking from the manifest's requirements through each locked package's `requires_dist`
//!   (markers evaluated for the platform, the locked Python and the active extras) reaches
//!   every locked PyPI package and finds every requirement met: nothing missing, nothing extra.

use crate::support::{output, runs};
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, Requirement};
use rattler_lock::{Environment, LockFile, PypiPackageData};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::str::FromStr;

use runs::{example, wt};

#[test]
fn every_environment_of_every_example_satisfies_its_manifest() {
    for name in [
        "add_then_double",
        "fan_out",
        "station_report",
        "animal_tracks",
    ] {
        let out = tempfile::tempdir().unwrap();
        let ws = out.path().join("ws");
        let status = wt()
            .arg("compile")
            .arg(example(name))
            .arg("--out")
            .arg(&ws)
            .status()
            .unwrap();
        assert!(status.success(), "{name}");
        let problems = check_workspace(&ws);
        assert!(
            problems.is_empty(),
            "{name}: the lock does not satisfy pixi.toml:\n{}",
            problems.join("\n")
        );
    }
}

/// A `path:` library whose dependencies only its build knows (`dynamic`, read by setuptools
/// from requirements.txt) is locked with what the build says, so pixi's walk reaches `click`
/// through it; without them `click` would be a locked package nothing requires.
#[test]
fn a_library_with_dynamic_dependencies_is_locked_with_what_its_build_says() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        &dir.path().join("dyn-tasks"),
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"dyn-tasks\"\nversion = \"0.0.1\"\nrequires-python = \">=3.10\"\n\
                 dynamic = [\"dependencies\"]\n\
                 [project.entry-points.\"wt_registry\"]\ntasks = \"dyn_tasks\"\n\
                 [tool.setuptools.dynamic]\ndependencies = {file = [\"requirements.txt\"]}\n\
                 [build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
            ),
            ("requirements.txt", "wt-registry\nclick>=8,<9\n"),
            (
                "dyn_tasks/__init__.py",
                "import click\nfrom wt_registry import register\n\n\n@register()\ndef shout(word: str) -> str:\n    return click.style(word.upper())\n",
            ),
        ],
    );
    let ws = compile(
        dir.path(),
        "id: dyn\nrequirements:\n  - name: dyn-tasks\n    path: ../dyn-tasks\nworkflow:\n  - id: loud\n    task: shout\n",
    );
    let (_, requires) = locked_record(&ws, "dyn-tasks");
    assert_eq!(requires, ["wt-registry", "click>=8,<9"]);
    let problems = check_workspace(&ws);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A library depending on `pandera[pandas]`, whose METADATA carries its licence over many
/// lines, some holding only blanks: the lock records pandera's `requires_dist` (read past the
/// licence, `typing_inspect` and `typeguard` among them), pixi's rules hold, the environment
/// passes the dependency check, and the workflow discovers and runs.
#[test]
fn a_library_on_pandera_is_locked_with_every_dependency_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        &dir.path().join("checked-tasks"),
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"checked-tasks\"\nversion = \"0.0.1\"\nrequires-python = \">=3.10\"\n\
                 dependencies = [\"wt-registry\", \"pandera[pandas]==0.35.0\"]\n\
                 [project.entry-points.\"wt_registry\"]\ntasks = \"checked_tasks\"\n\
                 [build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
            ),
            (
                "checked_tasks/__init__.py",
                "import pandas as pd\nimport pandera.pandas as pa\nfrom wt_registry import register\n\n\n\
                 @register()\ndef count_valid(values: list[float]) -> int:\n    \
                 schema = pa.DataFrameSchema({\"v\": pa.Column(float, pa.Check.ge(0))})\n    \
                 return len(schema.validate(pd.DataFrame({\"v\": values})))\n",
            ),
        ],
    );
    let ws = compile(
        dir.path(),
        "id: checked\nrequirements:\n  - name: checked-tasks\n    path: ../checked-tasks\nworkflow:\n  - id: count\n    task: count_valid\n",
    );
    let (_, requires) = locked_record(&ws, "pandera");
    for needed in ["typing_inspect", "typeguard", "pydantic"] {
        assert!(
            requires
                .iter()
                .any(|r| r.replace('-', "_").starts_with(needed)),
            "pandera's record lacks {needed}: {requires:?}"
        );
    }
    let problems = check_workspace(&ws);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let run = runs::run_example(
        &dir.path().join("flow/spec.yaml"),
        &serde_json::json!({"count": {"values": [1.0, 2.5, 0.0]}}),
        &[],
        &[],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.trim(), "3");
}

/// A task library from a git repository (a branch, in a subdirectory) is locked as pixi spells
/// it, with the commit the branch is at and the library's dependencies, and the environment
/// built from that lock has it.
#[test]
fn a_git_source_is_locked_as_pixi_spells_it() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    write_files(
        &repo,
        &[
            (
                "tasks/pyproject.toml",
                "[project]\nname = \"git-tasks\"\nversion = \"0.0.1\"\ndependencies = [\"wt-registry\"]\n\
                 [project.entry-points.\"wt_registry\"]\ntasks = \"git_tasks\"\n\
                 [build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
            ),
            (
                "tasks/git_tasks/__init__.py",
                "from wt_registry import register\n\n\n@register()\ndef echo(word: str) -> str:\n    return word\n",
            ),
        ],
    );
    let git = |args: &[&str]| -> String {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=wt", "-c", "user.email=wt@localhost"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["init", "--quiet", "--initial-branch", "main"]);
    git(&["add", "."]);
    git(&["commit", "--quiet", "-m", "tasks"]);
    let commit = git(&["rev-parse", "HEAD"]);
    let repo_url = url::Url::from_directory_path(&repo).unwrap().to_string();
    let repo_url = repo_url.trim_end_matches('/');
    let ws = compile(
        dir.path(),
        &format!(
            "id: from_git\nrequirements:\n  - name: git-tasks\n    git: \"{repo_url}\"\n    branch: main\n    subdirectory: tasks\n\
             workflow:\n  - id: say\n    task: echo\n"
        ),
    );
    let (location, requires) = locked_record(&ws, "git-tasks");
    assert_eq!(
        location,
        format!("git+{repo_url}?subdirectory=tasks&branch=main#{commit}")
    );
    assert_eq!(requires, ["wt-registry"]);
    let problems = check_workspace(&ws);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Writes `files` (relative path, text) under `dir`.
fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        std::fs::create_dir_all(dir.join(name).parent().unwrap()).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// Compiles `spec` (written to `<dir>/flow/spec.yaml`) into `<dir>/ws`, solving afresh.
fn compile(dir: &Path, spec: &str) -> std::path::PathBuf {
    let path = dir.join("flow/spec.yaml");
    write_files(dir, &[("flow/spec.yaml", spec)]);
    let ws = dir.join("ws");
    let out = wt()
        .arg("--update-lock")
        .arg("compile")
        .arg(&path)
        .arg("--out")
        .arg(&ws)
        .output()
        .unwrap();
    output::ok(&out);
    ws
}

/// The location and `requires_dist` of package `name` in the default environment's lock.
fn locked_record(ws: &Path, name: &str) -> (String, Vec<String>) {
    let lock = LockFile::from_path(&ws.join("pixi.lock")).unwrap();
    let default = lock.environment("default").unwrap();
    let platform = default.platforms().next().unwrap();
    let record = default
        .pypi_packages(platform)
        .into_iter()
        .flatten()
        .find(|p| p.name().as_ref() == name)
        .unwrap_or_else(|| panic!("`{name}` is locked"));
    (
        record.location().inner().to_string(),
        record
            .requires_dist()
            .iter()
            .map(|r| r.to_string())
            .collect(),
    )
}

/// The rules checked against a workspace that breaks them, so the checks above can fail.
#[test]
fn a_lock_that_breaks_the_rules_is_caught() {
    let out = tempfile::tempdir().unwrap();
    let ws = out.path().join("ws");
    let status = wt()
        .arg("compile")
        .arg(example("animal_tracks"))
        .arg("--out")
        .arg(&ws)
        .status()
        .unwrap();
    assert!(status.success());
    let lock_path = ws.join("pixi.lock");
    let good = std::fs::read_to_string(&lock_path).unwrap();
    let break_with = |from: &str, to: &str| {
        assert!(good.contains(from), "`{from}` is in the lock");
        std::fs::write(&lock_path, good.replacen(from, to, 1)).unwrap();
        let problems = check_workspace(&ws);
        std::fs::write(&lock_path, &good).unwrap();
        problems.join("\n")
    };
    // A dependency of pydantic forgotten: a requirement the walk finds unmet.
    let found = break_with("  - annotated-types>=", "  - annotated-types-gone>=");
    assert!(found.contains("annotated-types-gone"), "{found}");
    // A path library not relative to the workspace.
    let source = good
        .lines()
        .find(|l| l.starts_with("- pypi: ") && !l.contains("://"))
        .expect("the path library's record");
    let found = break_with(source, "- pypi: /somewhere/wt-example-tasks");
    assert!(found.contains("wt-example-tasks"), "{found}");
    // An environment of the manifest left out of the lock.
    let found = break_with("  cloudrun:\n", "  elsewhere:\n");
    assert!(found.contains("`cloudrun` is not in the lock"), "{found}");
}

/// Every way the workspace's lock fails pixi's rules, one line each.
fn check_workspace(ws: &Path) -> Vec<String> {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(ws.join("pixi.toml")).unwrap()).unwrap();
    let lock = match LockFile::from_path(&ws.join("pixi.lock")) {
        Ok(lock) => lock,
        Err(e) => return vec![format!("pixi.lock cannot be read: {e}")],
    };
    let mut problems = Vec::new();
    let mut environments: Vec<(String, Vec<String>)> = vec![("default".into(), Vec::new())];
    if let Some(table) = manifest.get("environments").and_then(|e| e.as_table()) {
        for (env, def) in table {
            let features = def
                .get("features")
                .and_then(|f| f.as_array())
                .map(|a| a.iter().map(|f| f.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            if env == "default" {
                environments[0].1 = features;
            } else {
                environments.push((env.clone(), features));
            }
        }
    }
    for (env_name, features) in &environments {
        let Some(env) = lock.environment(env_name) else {
            problems.push(format!("environment `{env_name}` is not in the lock"));
            continue;
        };
        let needs = Needs::of(&manifest, features);
        problems.extend(check_environment(ws, env_name, env, &manifest, &needs));
    }
    problems
}

/// What an environment's manifest entries ask for.
struct Needs {
    conda: Vec<String>,
    /// name -> the manifest's value (a version string or a table).
    pypi: BTreeMap<String, toml::Value>,
}

impl Needs {
    fn of(manifest: &toml::Table, features: &[String]) -> Needs {
        let table = |v: Option<&toml::Value>| v.and_then(|t| t.as_table()).cloned();
        let mut conda: Vec<String> = Vec::new();
        let mut pypi = BTreeMap::new();
        let mut add = |deps: Option<toml::Table>, pypi_deps: Option<toml::Table>| {
            conda.extend(
                deps.into_iter()
                    .flat_map(|t| t.keys().cloned().collect::<Vec<_>>()),
            );
            for (k, v) in pypi_deps.into_iter().flatten() {
                pypi.insert(k, v);
            }
        };
        add(
            table(manifest.get("dependencies")),
            table(manifest.get("pypi-dependencies")),
        );
        for f in features {
            let feature = manifest["feature"][f.as_str()].as_table().unwrap();
            add(
                table(feature.get("dependencies")),
                table(feature.get("pypi-dependencies")),
            );
        }
        Needs { conda, pypi }
    }
}

fn check_environment(
    ws: &Path,
    env_name: &str,
    env: Environment,
    manifest: &toml::Table,
    needs: &Needs,
) -> Vec<String> {
    let mut problems = Vec::new();
    let at = |what: String| format!("{env_name}: {what}");
    let strings = |v: &toml::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    let mut platforms: Vec<String> = env
        .platforms()
        .map(|p| p.subdir().as_str().to_string())
        .collect();
    platforms.sort();
    let mut declared = strings(&manifest["workspace"]["platforms"]);
    declared.sort();
    if platforms != declared {
        problems.push(at(format!(
            "platforms {platforms:?}, pixi.toml {declared:?}"
        )));
    }
    // Channels by URL, in order (a bare name is a conda.anaconda.org channel).
    let channels: Vec<String> = strings(&manifest["workspace"]["channels"])
        .into_iter()
        .map(|c| {
            if c.contains("://") {
                c
            } else {
                format!("https://conda.anaconda.org/{c}/")
            }
        })
        .collect();
    let locked: Vec<String> = env.channels().iter().map(|c| c.url.clone()).collect();
    if locked != channels {
        problems.push(at(format!("channels {locked:?}, pixi.toml {channels:?}")));
    }
    let indexes: Vec<String> = env
        .pypi_indexes()
        .map(|i| i.indexes.iter().map(|u| u.to_string()).collect())
        .unwrap_or_default();
    if indexes != ["https://pypi.org/simple"] {
        problems.push(at(format!("PyPI indexes {indexes:?}")));
    }
    for platform in env.platforms() {
        let subdir = platform.subdir().as_str().to_string();
        let at = |what: String| format!("{env_name} on {subdir}: {what}");
        let conda = env
            .conda_repodata_records(platform)
            .unwrap()
            .unwrap_or_default();
        for dep in &needs.conda {
            if !conda
                .iter()
                .any(|r| r.package_record.name.as_normalized() == dep)
            {
                problems.push(at(format!(
                    "conda dependency `{dep}` is not a conda package"
                )));
            }
        }
        let Some(python) = conda
            .iter()
            .find(|r| r.package_record.name.as_normalized() == "python")
        else {
            problems.push(at("no conda `python` is locked".into()));
            continue;
        };
        let python = python.package_record.version.to_string();
        let packages: BTreeMap<String, &PypiPackageData> = env
            .pypi_packages(platform)
            .into_iter()
            .flatten()
            .map(|p| (p.name().to_string(), p))
            .collect();
        for p in packages.values() {
            if let Some(w) = p.as_wheel()
                && !wheel_fits(&w.location.inner().to_string(), &python)
            {
                problems.push(at(format!("{} is not for Python {python}", w.location)));
            }
        }
        let markers = marker_environment(&subdir, &python);
        problems.extend(walk(ws, needs, &packages, &markers).into_iter().map(at));
    }
    problems
}

/// pixi's walk: from the manifest's PyPI requirements through `requires_dist`.
fn walk(
    ws: &Path,
    needs: &Needs,
    packages: &BTreeMap<String, &PypiPackageData>,
    markers: &MarkerEnvironment,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut queue: VecDeque<(String, BTreeSet<ExtraName>)> = VecDeque::new();
    for (dep, spec) in &needs.pypi {
        let name = normalize(dep);
        let Some(locked) = packages.get(&name) else {
            problems.push(format!("PyPI dependency `{dep}` is not a PyPI package"));
            continue;
        };
        let extras: BTreeSet<ExtraName> = spec
            .get("extras")
            .and_then(|e| e.as_array())
            .into_iter()
            .flatten()
            .map(|e| ExtraName::from_str(e.as_str().unwrap()).unwrap())
            .collect();
        if let Some(path) = spec.get("path").and_then(|p| p.as_str()) {
            problems.extend(check_source(ws, dep, path, locked));
        } else if spec.get("git").is_some() {
            problems.extend(check_git(dep, spec, locked));
        } else if let Some(version) = spec
            .as_str()
            .or(spec.get("version").and_then(|v| v.as_str()))
            && version != "*"
        {
            let requirement: Requirement = format!("{dep}{version}").parse().unwrap();
            if !locked.satisfies(&requirement) {
                problems.push(format!(
                    "`{dep}` is locked at a version outside `{version}`"
                ));
            }
        }
        queue.push_back((name, extras));
    }
    let mut seen: BTreeMap<String, BTreeSet<ExtraName>> = BTreeMap::new();
    while let Some((name, extras)) = queue.pop_front() {
        // A package is (re)visited when first reached and when reached with a new extra.
        let known = seen.get(&name);
        if known.is_some_and(|k| extras.is_subset(k)) {
            continue;
        }
        let active = seen.entry(name.clone()).or_default();
        active.extend(extras);
        let active: Vec<ExtraName> = active.iter().cloned().collect();
        let Some(package) = packages.get(&name) else {
            continue;
        };
        for r in package.requires_dist() {
            if !r.marker.evaluate(markers, &active) {
                continue;
            }
            let dep = normalize(r.name.as_ref());
            match packages.get(&dep) {
                None => problems.push(format!("`{name}` requires `{r}`, which is not locked")),
                Some(locked) if !locked.satisfies(r) => problems.push(format!(
                    "`{name}` requires `{r}`, locked at {}",
                    locked.version_string()
                )),
                Some(_) => queue.push_back((dep, r.extras.iter().cloned().collect())),
            }
        }
    }
    for name in packages.keys() {
        if !seen.contains_key(name) {
            problems.push(format!("`{name}` is locked but nothing requires it"));
        }
    }
    problems
}

/// A `path:` library: locked at the manifest's relative path, with its pyproject's dependencies.
fn check_source(ws: &Path, dep: &str, path: &str, locked: &PypiPackageData) -> Vec<String> {
    let Some(source) = locked.as_source() else {
        return vec![format!(
            "`{dep}` is a path dependency but locked as a wheel"
        )];
    };
    let mut problems = Vec::new();
    let location = source.location.inner().to_string();
    if location != path {
        problems.push(format!(
            "`{dep}` is locked at `{location}`, pixi.toml says `{path}`"
        ));
    }
    let pyproject: toml::Table =
        toml::from_str(&std::fs::read_to_string(ws.join(path).join("pyproject.toml")).unwrap())
            .unwrap();
    // Dependencies a build computes are pixi's to build and compare; the walk still needs
    // them locked (a dependency reached only through them is otherwise extra).
    let Some(dependencies) = pyproject["project"].get("dependencies") else {
        return problems;
    };
    let declared: BTreeSet<String> = dependencies
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            Requirement::<pep508_rs::VerbatimUrl>::from_str(r.as_str().unwrap())
                .unwrap()
                .to_string()
        })
        .collect();
    let in_lock: BTreeSet<String> = source.requires_dist.iter().map(|r| r.to_string()).collect();
    if declared != in_lock {
        problems.push(format!(
            "`{dep}` declares {declared:?}, the lock has {in_lock:?}"
        ));
    }
    let requires_python = pyproject["project"]
        .get("requires-python")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let locked_python = source.requires_python.as_ref().map(|v| v.to_string());
    if requires_python != locked_python {
        problems.push(format!(
            "`{dep}` requires Python {requires_python:?}, the lock says {locked_python:?}"
        ));
    }
    problems
}

/// pixi's rules for a git source (`pixi_record::LockedGitUrl`, satisfiability's git branch):
/// the lock names `git+<repository>?subdirectory=<dir>&<rev|branch|tag>=<ref>#<commit>`, with
/// the manifest's repository, subdirectory and reference, and a full commit.
fn check_git(dep: &str, spec: &toml::Value, locked: &PypiPackageData) -> Vec<String> {
    let location = locked.location().inner().to_string();
    let Some(url) = location
        .strip_prefix("git+")
        .and_then(|u| url::Url::parse(u).ok())
    else {
        return vec![format!(
            "`{dep}` is a git dependency but locked at `{location}`"
        )];
    };
    let mut problems = Vec::new();
    let commit = url.fragment().unwrap_or_default();
    if commit.len() != 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        problems.push(format!(
            "`{dep}` is locked at `{location}`, without a commit"
        ));
    }
    let field = |k: &str| spec.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let query = |k: &str| {
        url.query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
    };
    let mut repository = url.clone();
    repository.set_query(None);
    repository.set_fragment(None);
    if Some(repository.to_string()) != field("git") {
        problems.push(format!(
            "`{dep}` is locked from `{repository}`, pixi.toml says {:?}",
            field("git")
        ));
    }
    for key in ["subdirectory", "rev", "branch", "tag"] {
        if query(key) != field(key) {
            problems.push(format!(
                "`{dep}`: the lock's {key} is {:?}, pixi.toml's {:?}",
                query(key),
                field(key)
            ));
        }
    }
    problems
}

/// Whether a wheel's tags fit CPython `version`: `cpXY` for that minor, `abi3` up to it, `py3`.
fn wheel_fits(file: &str, version: &str) -> bool {
    let Some(tags) = file.strip_suffix(".whl") else {
        return true;
    };
    let minor: u32 = version.split('.').nth(1).unwrap().parse().unwrap();
    // {name}-{version}[-{build}]-{python tag}-{abi tag}-{platform tag}
    let parts: Vec<&str> = tags.rsplitn(4, '-').collect();
    let (abi, python_tags) = (parts[1], parts[2]);
    python_tags.split('.').any(|t| {
        let cpython = t
            .strip_prefix("cp")
            .and_then(|v| v.get(1..)?.parse::<u32>().ok());
        match cpython {
            Some(m) if abi == "abi3" => m <= minor,
            Some(m) => m == minor,
            None => t.starts_with("py3"),
        }
    })
}

/// The PEP 508 marker values of CPython `version` on a conda platform.
fn marker_environment(subdir: &str, version: &str) -> MarkerEnvironment {
    let (machine, sys_platform, system, os_name) = match subdir {
        "linux-64" => ("x86_64", "linux", "Linux", "posix"),
        "linux-aarch64" => ("aarch64", "linux", "Linux", "posix"),
        "osx-64" => ("x86_64", "darwin", "Darwin", "posix"),
        "osx-arm64" => ("arm64", "darwin", "Darwin", "posix"),
        "win-64" => ("AMD64", "win32", "Windows", "nt"),
        other => panic!("no marker values for {other}"),
    };
    let minor = version.split('.').take(2).collect::<Vec<_>>().join(".");
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: version,
        os_name,
        platform_machine: machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: system,
        platform_version: "",
        python_full_version: version,
        python_version: &minor,
        sys_platform,
    })
    .unwrap()
}

/// A distribution name as PEP 503 compares it.
fn normalize(name: &str) -> String {
    name.to_lowercase().replace(['_', '.'], "-")
}
