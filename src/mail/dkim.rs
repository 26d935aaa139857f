//! DKIM signing set-up: the key file named in the configuration, read once at start, and the
//! headers each signature covers — the RFC 8058 unsubscribe headers among them, which mailbox
//! providers only honour when signed. Not `Content-Type`: with lettre 0.11, signatures over it
//! failed to verify (dkimpy) for some of the random MIME boundaries.

use anyhow::{Context, bail};
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;

use crate::config::MailArgs;

const SIGNED_HEADERS: [&str; 9] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// The signing configuration, or `None` when no key is configured.
pub fn load(args: &MailArgs) -> anyhow::Result<Option<DkimConfig>> {
    let (Some(domain), Some(selector), Some(path)) =
        (&args.dkim_domain, &args.dkim_selector, &args.dkim_key)
    else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--dkim-key: cannot read {}", path.display()))?;
    let key = if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
        DkimSigningKey::new(&text, DkimSigningAlgorithm::Rsa)
    } else if text.contains("-----BEGIN") {
        bail!(
            "--dkim-key {}: use an RSA key in PKCS#1 PEM; convert this one with \
             `openssl rsa -traditional -in KEY -out KEY.pkcs1`",
            path.display()
        );
    } else {
        DkimSigningKey::new(text.trim(), DkimSigningAlgorithm::Ed25519)
    }
    .map_err(|e| anyhow::anyhow!("--dkim-key {}: not a usable key ({e:?})", path.display()))?;
    let headers = SIGNED_HEADERS
        .iter()
        .map(|h| HeaderName::new_from_ascii((*h).to_string()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| anyhow::anyhow!("a signed header name is not ASCII"))?;
    Ok(Some(DkimConfig::new(
        selector.clone(),
        domain.clone(),
        key,
        headers,
        DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        },
    )))
}
