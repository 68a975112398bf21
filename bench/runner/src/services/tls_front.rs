//! A TLS terminator in front of DynamoDB Local, so that a cold start pays
//! what it pays in AWS: loading the trusted roots, an RSA-2048 certificate
//! chain to verify, a full handshake. The certificate comes from a local CA
//! made for this run; the functions trust it through `SSL_CERT_FILE`, which
//! the SDK's default HTTPS client (rustls with the platform's roots) honours.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    PKCS_RSA_SHA256, RsaKeySize,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The host name the functions use: the certificate is valid for it (and 127.0.0.1).
pub const HOST: &str = "localhost";

pub struct TlsFront {
    pub port: u16,
    /// The CA certificate (PEM), for `SSL_CERT_FILE`.
    pub ca_file: PathBuf,
    task: JoinHandle<()>,
}

impl TlsFront {
    /// Makes the CA and the server certificate, writes the CA to `dir/ca.pem`
    /// and starts proxying TLS connections on a free port to `upstream`.
    pub async fn start(upstream: SocketAddr, dir: &Path) -> anyhow::Result<Self> {
        let (ca_pem, chain, key) = certificates().context("make the TLS certificates")?;
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca_pem).with_context(|| format!("write {}", ca_file.display()))?;

        // The provider is named: the workspace links rustls with both ring
        // (media-collector's) and aws-lc-rs, so rustls has no default.
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("TLS server configuration")?;
        // DynamoDB Local speaks HTTP/1.1 only; say so to clients that offer h2.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let task = tokio::spawn(serve(listener, acceptor, upstream));
        Ok(Self { port, ca_file, task })
    }

    pub fn url(&self) -> String {
        format!("https://{HOST}:{}", self.port)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The CA's PEM, the server's chain (leaf, then CA) and the server's key.
type Certificates = (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn certificates() -> Result<Certificates, rcgen::Error> {
    let ca_key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "media-collector bench CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048)?;
    let mut server_params = CertificateParams::new(vec![HOST.to_owned(), "127.0.0.1".to_owned()])?;
    server_params.distinguished_name.push(DnType::CommonName, HOST);
    server_params.use_authority_key_identifier_extension = true;
    server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server_params.signed_by(&server_key, &issuer)?;

    let chain = vec![server_cert.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    Ok((ca_cert.pem(), chain, key))
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, upstream: SocketAddr) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else {
                    // Out of file descriptors or the like: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    let _ = client.set_nodelay(true);
                    let Ok(mut tls) = acceptor.accept(client).await else { return };
                    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
                    let _ = server.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_certificate_is_rsa_2048_and_chains_to_the_ca() {
        let (ca_pem, chain, _key) = certificates().unwrap();
        assert!(ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(chain.len(), 2);
        // rsaEncryption's OID, and a 2048-bit modulus (0x0101 bytes with its sign byte).
        let leaf = chain[0].as_ref();
        let has = |needle: &[u8]| leaf.windows(needle.len()).any(|window| window == needle);
        assert!(has(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]));
        assert!(has(&[0x02, 0x82, 0x01, 0x01, 0x00]));
    }
}
