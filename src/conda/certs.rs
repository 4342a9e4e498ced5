//! Extra trust roots for channels over https: the PEM bundle named by `SSL_CERT_FILE` and the
//! folders named by `SSL_CERT_DIR`, the variables OpenSSL, curl, pip and conda read.
//!
//! reqwest verifies servers with rustls-platform-verifier. On Linux that reads the system's
//! bundle through rustls-native-certs, which already honours both variables (in place of the
//! system's bundle, as OpenSSL does), but a file it cannot read is only logged and skipped; on
//! macOS and Windows the verifier asks the OS, which ignores them. Reading them here and
//! handing the certificates to reqwest as extra roots makes them count on every platform, and
//! turns a wrong path into an error that names it instead of a later "unknown issuer".

use anyhow::{Result, anyhow};
use reqwest::Certificate;
use std::ffi::OsString;
use std::path::Path;

/// Certificates to trust besides the platform's, and where they came from (for errors).
#[derive(Default)]
pub struct ExtraRoots {
    pub certificates: Vec<Certificate>,
    /// `SSL_CERT_FILE=…` / `SSL_CERT_DIR=…`, the settings that supplied them.
    pub sources: Vec<String>,
}

/// The certificates of `SSL_CERT_FILE` and `SSL_CERT_DIR` (an empty value counts as unset).
pub fn from_env() -> Result<ExtraRoots> {
    from_vars(
        std::env::var_os("SSL_CERT_FILE"),
        std::env::var_os("SSL_CERT_DIR"),
    )
}

fn from_vars(file: Option<OsString>, dirs: Option<OsString>) -> Result<ExtraRoots> {
    let mut roots = ExtraRoots::default();
    if let Some(file) = file.filter(|f| !f.is_empty()) {
        let path = Path::new(&file);
        let certs = read_bundle(path, "SSL_CERT_FILE")?;
        if certs.is_empty() {
            return Err(problem(
                "SSL_CERT_FILE",
                path,
                "holds no PEM certificate (no `-----BEGIN CERTIFICATE-----` block)",
            ));
        }
        roots.certificates.extend(certs);
        roots
            .sources
            .push(format!("SSL_CERT_FILE={}", path.display()));
    }
    if let Some(dirs) = dirs.filter(|d| !d.is_empty()) {
        for dir in std::env::split_paths(&dirs).filter(|d| !d.as_os_str().is_empty()) {
            roots.certificates.extend(read_dir(&dir)?);
            roots
                .sources
                .push(format!("SSL_CERT_DIR={}", dir.display()));
        }
    }
    Ok(roots)
}

/// Every certificate of the files in `dir` (not recursive). Hashed folders made by
/// `openssl rehash` also hold CRLs and other files: what is not a certificate is skipped.
fn read_dir(dir: &Path) -> Result<Vec<Certificate>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| problem("SSL_CERT_DIR", dir, &format!("cannot be read: {e}")))?;
    let mut certs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        // Follows symlinks; a dangling one (a removed certificate) is no certificate.
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            certs.extend(read_bundle(&path, "SSL_CERT_DIR")?);
        }
    }
    Ok(certs)
}

fn read_bundle(path: &Path, var: &str) -> Result<Vec<Certificate>> {
    let bytes =
        std::fs::read(path).map_err(|e| problem(var, path, &format!("cannot be read: {e}")))?;
    Certificate::from_pem_bundle(&bytes)
        .map_err(|e| problem(var, path, &format!("holds an invalid PEM certificate: {e}")))
}

fn problem(var: &str, path: &Path, what: &str) -> anyhow::Error {
    let help = if var == "SSL_CERT_FILE" {
        "point SSL_CERT_FILE at a PEM bundle of the certificates to trust (e.g. the system's \
         bundle with your CA's certificate appended), or unset it"
    } else {
        "point SSL_CERT_DIR at folders of PEM certificates (`:`-separated), or unset it"
    };
    anyhow!(
        "{var} names {}, which {what}\n  = help: {help}",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::from_vars;
    use std::ffi::OsString;

    /// A syntactically valid PEM block (reqwest only checks the PEM layer when reading).
    const PEM: &str = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

    fn os(p: &std::path::Path) -> Option<OsString> {
        Some(p.as_os_str().to_owned())
    }

    #[test]
    fn unset_or_empty_variables_add_nothing() {
        let roots = from_vars(None, None).unwrap();
        assert!(roots.certificates.is_empty() && roots.sources.is_empty());
        let roots = from_vars(Some("".into()), Some("".into())).unwrap();
        assert!(roots.certificates.is_empty() && roots.sources.is_empty());
    }

    #[test]
    fn a_bundle_and_a_folder_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("bundle.pem");
        std::fs::write(&bundle, format!("# comment\n{PEM}{PEM}")).unwrap();
        let folder = dir.path().join("certs");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("a.pem"), PEM).unwrap();
        std::fs::write(folder.join("README"), "not a certificate\n").unwrap();
        std::os::unix::fs::symlink(folder.join("gone.pem"), folder.join("0000.0")).unwrap();
        let roots = from_vars(os(&bundle), os(&folder)).unwrap();
        assert_eq!(roots.certificates.len(), 3);
        assert_eq!(roots.sources.len(), 2);
    }

    #[test]
    fn a_bad_file_or_folder_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = format!("{:#}", from_vars(os(&missing), None).err().unwrap());
        assert!(err.starts_with("SSL_CERT_FILE names "), "{err}");
        assert!(err.contains("missing.pem, which cannot be read"), "{err}");
        assert!(err.contains("or unset it"), "{err}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificates here\n").unwrap();
        let err = format!("{:#}", from_vars(os(&empty), None).err().unwrap());
        assert!(err.contains("holds no PEM certificate"), "{err}");

        let broken = dir.path().join("broken.pem");
        std::fs::write(&broken, PEM.replace("AAAA", "!!!")).unwrap();
        let err = format!("{:#}", from_vars(os(&broken), None).err().unwrap());
        assert!(err.contains("holds an invalid PEM certificate"), "{err}");

        let err = format!("{:#}", from_vars(None, os(&missing)).err().unwrap());
        assert!(err.starts_with("SSL_CERT_DIR names "), "{err}");
    }
}
