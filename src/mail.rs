//! Outgoing mail, for every feature that sends it: SMTP through lettre when `--smtp-url` is set,
//! otherwise `.eml` files in `<data-dir>/outbox`, which the admin lists, so a site without a mail
//! server still shows what it would have sent.

use std::path::{Path, PathBuf};

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

enum Transport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    Outbox(PathBuf),
}

/// One message: a plain-text part and, optionally, an HTML alternative.
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl Mailer {
    /// `smtp_url` is lettre's form: `smtps://user:pass@host:465` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), or plain `smtp://host:25`, which is
    /// unencrypted and only for a relay on the same machine or a trusted network.
    pub fn new(smtp_url: Option<&str>, from: &str, data_dir: &Path) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("--mail-from {from:?} is not an email address"))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(Box::new(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| "--smtp-url is not a valid SMTP URL".to_string())?
                    .build(),
            )),
            None => Transport::Outbox(data_dir.join("outbox")),
        };
        Ok(Mailer { from, transport })
    }

    /// The outbox folder, when mail goes there instead of to an SMTP server.
    pub fn outbox(&self) -> Option<&Path> {
        match &self.transport {
            Transport::Outbox(dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    pub async fn send(&self, mail: OutgoingMail) -> anyhow::Result<()> {
        let to: Mailbox = mail
            .to
            .parse()
            .with_context(|| format!("{:?} is not an email address", mail.to))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject);
        let message = match mail.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.text, html))?,
            None => builder.singlepart(SinglePart::plain(mail.text))?,
        };
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message)
                    .await
                    .context("the SMTP server refused the message")?;
            }
            Transport::Outbox(dir) => {
                let bytes = message.formatted();
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || write_to_outbox(&dir, &bytes)).await??;
            }
        }
        Ok(())
    }
}

/// Renders the theme's `email/<name>/` trio (`subject.txt`, `body.txt`, `body.html`) into one
/// message for `to`.
pub fn compose<S: Serialize>(
    templates: &crate::templates::Templates,
    name: &str,
    to: &str,
    context: &S,
) -> anyhow::Result<OutgoingMail> {
    Ok(OutgoingMail {
        to: to.to_string(),
        subject: templates
            .render(&format!("email/{name}/subject.txt"), context)?
            .trim()
            .to_string(),
        text: templates.render(&format!("email/{name}/body.txt"), context)?,
        html: Some(templates.render(&format!("email/{name}/body.html"), context)?),
    })
}

fn write_to_outbox(dir: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
    let suffix = &crate::secrets::random_token()?[..8];
    let path = dir.join(format!("{stamp}-{suffix}.eml"));
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, bytes).with_context(|| format!("cannot write {}", temp.display()))?;
    std::fs::rename(&temp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A message waiting in the outbox, as the admin lists it.
#[derive(Debug, Serialize)]
pub struct OutboxItem {
    pub file: String,
    pub to: String,
    pub subject: String,
    pub date: String,
}

/// The newest `limit` messages in the outbox, newest first.
pub fn read_outbox(dir: &Path, limit: usize) -> anyhow::Result<Vec<OutboxItem>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files.reverse();
    files.truncate(limit);
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let header = |name: &str| {
                text.lines()
                    .take_while(|l| !l.is_empty())
                    .find_map(|l| l.strip_prefix(name))
                    .unwrap_or("")
                    .trim()
                    .to_string()
            };
            Ok(OutboxItem {
                file: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                to: header("To:"),
                subject: header("Subject:"),
                date: header("Date:"),
            })
        })
        .collect()
}
