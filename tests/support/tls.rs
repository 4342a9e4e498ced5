//! Certificates made at test time with rcgen: a private CA, as a company or a TLS-intercepting
//! proxy would have, and a server certificate it signs for 127.0.0.1.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A CA and one server certificate it signed, all PEM.
pub struct TestCa {
    /// The CA's certificate: what a client must trust.
    pub ca: String,
    /// The server's certificate for the IP address 127.0.0.1.
    pub server_certificate: String,
    pub server_key: String,
}

impl TestCa {
    /// A new CA named `name` and a server certificate for 127.0.0.1 signed by it.
    pub fn new(name: &str) -> TestCa {
        let mut ca = CertificateParams::new(Vec::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, name);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);

        let mut server = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        server
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        server.use_authority_key_identifier_extension = true;
        server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate().unwrap();
        let server_cert = server.signed_by(&server_key, &issuer).unwrap();
        TestCa {
            ca: ca_cert.pem(),
            server_certificate: server_cert.pem(),
            server_key: server_key.serialize_pem(),
        }
    }
}

/// The machine's CA bundle, as the user's `SSL_CERT_FILE` would start from: uv reads the same
/// variable to reach PyPI, and on Linux the bundle takes the place of the system's.
#[allow(dead_code)] // Not every test binary needs it.
pub fn system_bundle() -> String {
    let ambient = std::env::var_os("SSL_CERT_FILE").map(std::path::PathBuf::from);
    ambient
        .into_iter()
        .chain(
            [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/pki/tls/certs/ca-bundle.crt",
                "/etc/ssl/cert.pem",
            ]
            .map(std::path::PathBuf::from),
        )
        .find_map(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default()
}
