//! The shape of `src/`: dependencies between top-level modules (read from the `crate::…`
//! paths of every source file, unit tests left out) point one way, down the layers below. A
//! cycle, an upward dependency or a module missing from the table fails the test, naming it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, top first. A module may use modules of lower layers, and modules of its own
/// layer as long as no cycle forms.
const LAYERS: &[(&str, &[&str])] = &[
    ("commands", &["cli"]),
    ("front ends", &["project", "server", "check", "run"]),
    ("build steps", &["steps"]),
    ("engine and compile", &["engine", "compile"]),
    ("compiler", &["codegen", "schema", "fingerprint"]),
    (
        "build infrastructure",
        &["conda", "env", "cache", "stamp", "label", "load"],
    ),
    (
        "models",
        &["spec", "config", "http_tls", "pytext", "contracts"],
    ),
    (
        "foundations",
        &["yaml", "diag", "digest", "workspace", "env_vars"],
    ),
];

/// Top-level module -> the top-level modules it uses.
fn dependencies(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let used = deps.entry(module.clone()).or_default();
        let code = code_of(&text);
        let mut paths = crate_paths(&code);
        paths.extend(super_paths(&code, module_depth(rel)));
        for other in paths {
            if other != module {
                used.insert(other);
            }
        }
    }
    deps
}

/// The text without comments and without the unit tests (`#[cfg(test)] mod tests` to the end).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules named after `crate::`, including `crate::{a, b::c}` groups.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            found.extend(group.split(',').map(ident));
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

/// How deep the file at `rel` (relative to src/) sits in the module tree: `a.rs` and
/// `a/mod.rs` are 1 (`crate::a`), `a/b.rs` is 2.
fn module_depth(rel: &Path) -> usize {
    let parts = rel.components().count();
    if rel.file_name().is_some_and(|n| n == "mod.rs") {
        parts - 1
    } else {
        parts
    }
}

/// The top-level modules reached by `super::` paths that climb to the crate root: in a file
/// at `depth`, `depth` times `super::` followed by a module name (a group `{a, b}` too).
fn super_paths(code: &str, depth: usize) -> BTreeSet<String> {
    let climb = "super::".repeat(depth);
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices(&climb) {
        // Only where the run of `super::` starts, and only when it is exactly `depth` long.
        if code[..at].ends_with("super::") {
            continue;
        }
        let rest = &code[at + climb.len()..];
        if rest.starts_with("super::") {
            continue;
        }
        let path = &rest[..rest.find(';').unwrap_or(rest.len())];
        found.extend(crate_paths(&format!("crate::{path}")));
    }
    found
}

/// A cycle through `start`, if there is one (depth-first search).
fn cycle_from(
    start: &str,
    deps: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    let here = path.last().unwrap().clone();
    for next in deps.get(&here).into_iter().flatten() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(next.clone());
            return Some(cycle);
        }
        if !path.contains(next) && next.as_str() > start {
            path.push(next.clone());
            if let Some(c) = cycle_from(start, deps, path) {
                return Some(c);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn top_level_modules_depend_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let deps = dependencies(&src);
    let layer_of: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, modules))| modules.iter().map(move |m| (*m, i)))
        .collect();
    let mut problems = Vec::new();
    for module in deps.keys() {
        if !layer_of.contains_key(module.as_str()) {
            problems.push(format!(
                "src/{module} is in no layer: add it to LAYERS in tests/architecture.rs and to the README's Layout"
            ));
        }
    }
    for (module, used) in &deps {
        let Some(&from) = layer_of.get(module.as_str()) else {
            continue;
        };
        for other in used {
            match layer_of.get(other.as_str()) {
                Some(&to) if to < from => problems.push(format!(
                    "{module} ({}) uses {other} ({}), a layer above it",
                    LAYERS[from].0, LAYERS[to].0
                )),
                _ => {}
            }
        }
        if let Some(cycle) = cycle_from(module, &deps, &mut vec![module.clone()]) {
            problems.push(format!("cycle: {}", cycle.join(" -> ")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Per folder of src/ (below the root): each module of the folder (a file, or a subfolder's
/// mod.rs) -> the modules of the same folder it uses, through `super::x` or `crate::<folder>::x`.
fn sibling_dependencies(src: &Path) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut folders: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(src).unwrap().to_path_buf();
        if rel.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        // The module's own name and the folder it is a module of.
        let (name, folder) = if parts.last().is_some_and(|p| p == "mod.rs") {
            if parts.len() < 3 {
                continue; // a top-level folder's mod.rs: the other test's business
            }
            (
                parts[parts.len() - 2].clone(),
                parts[..parts.len() - 2].join("/"),
            )
        } else {
            if parts.len() < 2 {
                continue;
            }
            let file = parts.last().unwrap();
            (
                file.trim_end_matches(".rs").to_string(),
                parts[..parts.len() - 1].join("/"),
            )
        };
        let code = code_of(&std::fs::read_to_string(entry.path()).unwrap());
        let mut used = BTreeSet::new();
        for prefix in [
            "super::".to_string(),
            format!("crate::{}::", folder.replace('/', "::")),
        ] {
            for (at, _) in code.match_indices(&prefix) {
                if prefix == "super::" && code[..at].ends_with("super::") {
                    continue;
                }
                let rest = &code[at + prefix.len()..];
                if rest.starts_with("super::") {
                    continue;
                }
                let path = &rest[..rest.find([';', '(', ' ', '\n']).unwrap_or(rest.len())];
                let path = if path.starts_with('{') {
                    &rest[..rest.find('}').map_or(rest.len(), |e| e + 1)]
                } else {
                    path
                };
                used.extend(crate_paths(&format!("crate::{path}")));
            }
        }
        used.remove(&name);
        folders.entry(folder).or_default().insert(name, used);
    }
    // Keep only names that are modules of the folder.
    for modules in folders.values_mut() {
        let names: BTreeSet<String> = modules.keys().cloned().collect();
        for used in modules.values_mut() {
            used.retain(|u| names.contains(u));
        }
    }
    folders
}

#[test]
fn files_of_one_module_depend_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (folder, deps) in sibling_dependencies(&src) {
        for module in deps.keys() {
            if let Some(cycle) = cycle_from(module, &deps, &mut vec![module.clone()]) {
                problems.push(format!("cycle in src/{folder}: {}", cycle.join(" -> ")));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_engine_knows_nothing_of_what_it_builds() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let engine = &dependencies(&src)["engine"];
    for domain in [
        "steps", "compile", "project", "load", "spec", "conda", "env",
    ] {
        assert!(
            !engine.contains(domain),
            "the engine uses crate::{domain}; it must only know rules, keys, the cache and actions"
        );
    }
}

/// Commands ask `project` for what a build gave (files, environment, discovery, the validated
/// workflow) and never reach into a step, nor name one: renaming or adding a step is the
/// business of `steps`, `project` and rules/ alone.
#[test]
fn commands_reach_the_build_through_project() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let cli = &dependencies(&src)["cli"];
    assert!(
        !cli.contains("steps"),
        "cli uses crate::steps; go through crate::project"
    );
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let steps: Vec<String> = std::fs::read_dir(&rules)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(steps.len() >= 4, "rules/ declares the steps: {steps:?}");
    let mut named = Vec::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path.strip_prefix(&src).unwrap();
        if path.extension().is_none_or(|e| e != "rs") || rel.starts_with("steps") {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(path).unwrap());
        for step in &steps {
            if code.contains(&format!("\"{step}\"")) {
                named.push(format!("src/{} names the step \"{step}\"", rel.display()));
            }
        }
    }
    assert!(named.is_empty(), "{}", named.join("\n"));
}

#[test]
fn the_reader_sees_every_kind_of_use() {
    let code = code_of(
        "use crate::a::B;\nuse crate::{b, c::D};\n// crate::commented\nfn f() { crate::e::f(); }\n#[cfg(test)]\nmod tests { use crate::g; }\n",
    );
    let found: Vec<String> = crate_paths(&code).into_iter().collect();
    assert_eq!(found, ["a", "b", "c", "e"]);
    // `super::` paths that climb to the crate root name top-level modules too.
    let code = "use super::super::conda::x;\nuse super::sibling;\nuse super::super::{a, b::C};\n";
    let found: Vec<String> = super_paths(code, 2).into_iter().collect();
    assert_eq!(found, ["a", "b", "conda"]);
    assert!(super_paths(code, 3).is_empty());
    assert_eq!(module_depth(Path::new("env/pypi_lock.rs")), 2);
    assert_eq!(module_depth(Path::new("env/mod.rs")), 1);
    let deps = BTreeMap::from([
        ("x".to_string(), BTreeSet::from(["y".to_string()])),
        ("y".to_string(), BTreeSet::from(["x".to_string()])),
    ]);
    assert_eq!(
        cycle_from("x", &deps, &mut vec!["x".to_string()]),
        Some(vec!["x".to_string(), "y".to_string(), "x".to_string()])
    );
}
