//! A self-signed certificate for `localhost`, made with rcgen, and the
//! rustls server and client configurations that use it (with rustls's one
//! provider in this build, `ring`). Shared by the TLS tests
//! (`mod tls_setup;`).
#![allow(dead_code)]

use std::sync::Arc;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// An acceptor with a fresh self-signed certificate for `localhost`, and a
/// connector that trusts exactly that certificate.
pub fn acceptor_and_connector() -> (TlsAcceptor, TlsConnector) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("self-signed certificate");
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let mut roots = RootCertStore::empty();
    roots
        .add(cert.clone())
        .expect("certificate in the root store");
    let server = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server certificate");
    (
        TlsAcceptor::from(Arc::new(server)),
        TlsConnector::from(Arc::new(client_config(roots))),
    )
}

/// A client configuration trusting `roots`.
pub fn client_config(roots: RootCertStore) -> ClientConfig {
    ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// The name the certificate is for.
pub fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").expect("a DNS name")
}
