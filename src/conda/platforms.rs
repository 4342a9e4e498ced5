//! The platforms a lock covers: their names, the system each one stands for in a solve, and
//! the matching uv target for PyPI resolution.
//!
//! A lock is solved for every platform without being on it, so the solve cannot detect the
//! machine's virtual packages; each platform gets the baseline a conda-forge build assumes
//! (glibc 2.28 on Linux, macOS 11 on Apple silicon, 10.13 on Intel). The interpreter wt's
//! environments run is offered to the solver as a `python` package of its exact version, so
//! conda packages that need `python >=3.9` solve against the interpreter they will run on.

use rattler_conda_types::package::BuildString;
use rattler_conda_types::{GenericVirtualPackage, PackageName, Subdir, Version};
use std::str::FromStr;

/// Platforms a lock can cover (each has a uv target for its PyPI half).
pub const SUPPORTED: &[&str] = &["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"];

/// Parses a platform name, with the supported list in the error.
pub fn parse(name: &str) -> Result<Subdir, String> {
    let known = || {
        SUPPORTED
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match Subdir::from_str(name) {
        Ok(p) if SUPPORTED.contains(&p.as_str()) => Ok(p),
        _ => Err(format!(
            "unknown platform `{name}`.{} Supported platforms are {}.",
            crate::diag::did_you_mean(name, SUPPORTED.iter().copied()),
            known()
        )),
    }
}

/// The platform of this machine, if a lock can cover it.
pub fn current() -> Option<Subdir> {
    Subdir::current().filter(|p| SUPPORTED.contains(&p.as_str()))
}

/// The virtual packages (plus the interpreter as `python`) a solve for `p` may use.
pub fn virtual_packages(p: Subdir) -> Vec<GenericVirtualPackage> {
    let v = |name: &str, version: &str, build: &str| GenericVirtualPackage {
        name: PackageName::new_unchecked(name),
        version: Version::from_str(version).expect("a valid built-in version"),
        build_string: BuildString::new_unchecked(build),
    };
    let mut out = Vec::new();
    if p.is_linux() {
        out.push(v("__unix", "0", "0"));
        out.push(v("__linux", "5.10", "0"));
        out.push(v("__glibc", "2.28", "0"));
    } else if p.is_osx() {
        out.push(v("__unix", "0", "0"));
        let osx = if p.as_str() == "osx-arm64" {
            "11.0"
        } else {
            "10.13"
        };
        out.push(v("__osx", osx, "0"));
    } else if p.is_windows() {
        out.push(v("__win", "0", "0"));
    }
    let arch = match p.as_str() {
        "linux-aarch64" | "osx-arm64" => "arm64",
        _ => "x86_64",
    };
    let arch = if p.is_linux() && arch == "arm64" {
        "aarch64"
    } else {
        arch
    };
    out.push(v("__archspec", "1", arch));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_typos_are_explained() {
        for p in SUPPORTED {
            assert_eq!(parse(p).unwrap().as_str(), *p);
        }
        let err = parse("linux64").unwrap_err();
        assert!(err.contains("Did you mean `linux-64`?"), "{err}");
        assert!(parse("linux-ppc64le").is_err());
    }

    #[test]
    fn each_platform_gets_its_own_system() {
        let names = |p: &str| -> Vec<String> {
            virtual_packages(parse(p).unwrap())
                .iter()
                .map(|v| {
                    format!(
                        "{}={}={}",
                        v.name.as_normalized(),
                        v.version,
                        v.build_string
                    )
                })
                .collect()
        };
        assert!(names("linux-64").contains(&"__glibc=2.28=0".to_string()));
        assert!(names("osx-arm64").contains(&"__osx=11.0=0".to_string()));
        assert!(names("win-64").contains(&"__win=0=0".to_string()));
        assert!(names("linux-aarch64").contains(&"__archspec=1=aarch64".to_string()));
        assert!(names("osx-64").contains(&"__osx=10.13=0".to_string()));
    }
}
