//! The SDK's HTTPS client (rustls with aws-lc-rs, as the SDK's default), trusting the
//! system's root bundle read as one file.
//!
//! The default client loads the platform's roots with rustls-native-certs, which reads the
//! bundle and then every file of the certificate directory: on a Debian host that is some
//! 150 more files, two thirds of our init. The bundle holds the same roots (the distributions
//! build it from that directory), so reading it alone trusts the same authorities. Where
//! `SSL_CERT_FILE` or `SSL_CERT_DIR` is set, or no bundle is found, the default loading
//! stands.

use std::path::{Path, PathBuf};

use aws_sdk_detective::config::SharedHttpClient;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};

use crate::config::Env;

/// Where distributions keep their roots as one PEM bundle: Amazon Linux and RHEL (Lambda's
/// provided.al2023 among them), Debian and Ubuntu, Fedora's extracted bundle, SUSE, Alpine.
const BUNDLES: &[&str] = &[
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The bundle to trust, or None to leave the roots to the default loading.
pub fn root_bundle(env: &dyn Env, exists: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    if env.get("SSL_CERT_FILE").is_some() || env.get("SSL_CERT_DIR").is_some() {
        return None;
    }
    BUNDLES.iter().map(PathBuf::from).find(|path| exists(path))
}

/// The HTTPS client trusting `bundle`'s roots; None when it cannot be read, so that the
/// SDK's default client (and its loading of the roots) is used.
pub fn https_client(bundle: Option<PathBuf>) -> Option<SharedHttpClient> {
    let pem = std::fs::read(bundle?).ok()?;
    let context = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_pem_certificate(pem))
        .build()
        .ok()?;
    // As the SDK's default client builds its connector, with this trust store.
    Some(Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn the_first_bundle_found_is_read_unless_the_environment_names_the_roots() {
        let none: HashMap<String, String> = HashMap::new();
        let debian = |path: &Path| path == Path::new("/etc/ssl/certs/ca-certificates.crt");
        assert_eq!(
            root_bundle(&none, debian),
            Some(PathBuf::from("/etc/ssl/certs/ca-certificates.crt"))
        );
        let amazon_linux = |path: &Path| path.starts_with("/etc/pki");
        assert_eq!(
            root_bundle(&none, amazon_linux),
            Some(PathBuf::from("/etc/pki/tls/certs/ca-bundle.crt"))
        );
        assert_eq!(root_bundle(&none, |_| false), None, "no bundle: the default loading");
        for var in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
            let named = HashMap::from([(var.to_owned(), "/somewhere".to_owned())]);
            assert_eq!(
                root_bundle(&named, debian),
                None,
                "{var} is honoured by the default loading"
            );
        }
    }

    #[test]
    fn an_unreadable_bundle_leaves_the_default_client() {
        assert!(https_client(Some(PathBuf::from("/nonexistent/bundle.pem"))).is_none());
        assert!(https_client(None).is_none());
    }

    /// This machine's bundle makes a client (its PEM is parsed when the first connector is built).
    #[test]
    fn the_systems_bundle_makes_a_client() {
        let bundle = root_bundle(&HashMap::<String, String>::new(), Path::exists);
        if bundle.is_none() {
            eprintln!("NOTICE: no root bundle on this machine; skipped");
            return;
        }
        assert!(https_client(bundle).is_some());
    }
}
