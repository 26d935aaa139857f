//! Outgoing mail, for every feature that sends it: SMTP over a pool of lettre connections (see
//! [`smtp`]) when `--smtp-url` is set, otherwise `.eml` files in `<data-dir>/outbox`, which the admin lists, so
//! a site without a mail server still shows what it would have sent. Messages are DKIM-signed
//! when a key is configured; bulk senders pace themselves with [`Mailer::throttle`].

mod dkim;
pub mod outbox;
mod room;
mod smtp;
mod throttle;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use lettre::Message;
use lettre::message::dkim::DkimConfig;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use serde::Serialize;
use throttle::Throttle;

use crate::config::MailArgs;

pub use outbox::OutboxItem;
pub use room::MailRoom;

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    dkim: Option<Arc<DkimConfig>>,
    throttle: Throttle,
    connections: u32,
}

enum Transport {
    Smtp(Box<smtp::Pool>),
    Outbox(PathBuf),
}

/// One message: a plain-text part and, optionally, an HTML alternative. `from`, `reply_to`,
/// `message_id` and extra `headers` are optional; the configured sender is the default.
#[derive(Debug, Clone, Default)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub from: Option<String>,
    pub reply_to: Option<String>,
    pub message_id: Option<String>,
    pub headers: Vec<(&'static str, String)>,
}

/// Why a message was not delivered, in the terms a sender acts on.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// A 5xx answer or an address that cannot be mailed: do not try this address again.
    #[error("refused for good: {0}")]
    Permanent(String),
    /// A 4xx answer: try again later.
    #[error("refused for now: {0}")]
    Temporary(String),
    /// No answer at all (connection, TLS, timeout): the server, not the address, is the problem.
    #[error("the mail server cannot be reached: {0}")]
    Unavailable(String),
}

impl Mailer {
    /// `--smtp-url` is lettre's form: `smtps://user:pass@host:465` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), or plain `smtp://host:25`, which is
    /// unencrypted and only for a relay on the same machine or a trusted network.
    pub fn new(args: &MailArgs, data_dir: &Path) -> anyhow::Result<Self> {
        let from: Mailbox = args
            .mail_from
            .parse()
            .with_context(|| format!("--mail-from {:?} is not an email address", args.mail_from))?;
        let connections = args.smtp_connections.clamp(1, 64);
        let transport = match &args.smtp_url {
            Some(url) => {
                let mut settings = smtp::Settings::parse(url)?;
                if let Some(ca) = &args.smtp_ca_file {
                    settings.trust(ca)?;
                }
                Transport::Smtp(Box::new(smtp::Pool::new(settings, connections)))
            }
            None => Transport::Outbox(data_dir.join("outbox")),
        };
        Ok(Mailer {
            from,
            transport,
            dkim: dkim::load(args)?.map(Arc::new),
            throttle: Throttle::per_second(args.mail_rate),
            connections,
        })
    }

    /// The outbox folder, when mail goes there instead of to an SMTP server.
    pub fn outbox(&self) -> Option<&Path> {
        match &self.transport {
            Transport::Outbox(dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// How many messages a bulk sender may have in flight at once.
    pub fn connections(&self) -> usize {
        self.connections as usize
    }

    /// The configured sender, for senders that only change its display name.
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    /// Waits until the send rate allows one more message.
    pub async fn throttle(&self) {
        self.throttle.wait().await;
    }

    pub async fn send(&self, mail: OutgoingMail) -> anyhow::Result<()> {
        Ok(self.deliver(mail).await?)
    }

    /// Sends one message, telling a refusal for good from one for now and from a server that
    /// cannot be reached.
    pub async fn deliver(&self, mail: OutgoingMail) -> Result<(), DeliveryError> {
        let result = self.attempt(mail).await;
        let outcome = match &result {
            Ok(()) => "sent",
            Err(DeliveryError::Permanent(_)) => "failed",
            Err(DeliveryError::Temporary(_) | DeliveryError::Unavailable(_)) => "deferred",
        };
        metrics::counter!("broadsheet_mail_messages_total", "outcome" => outcome).increment(1);
        result
    }

    async fn attempt(&self, mail: OutgoingMail) -> Result<(), DeliveryError> {
        let message = self
            .build(mail)
            .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
        let message = match &self.dkim {
            // An RSA signature takes milliseconds of CPU: off the threads that serve pages.
            Some(dkim) => {
                let dkim = dkim.clone();
                tokio::task::spawn_blocking(move || {
                    let mut message = message;
                    message.sign(&dkim);
                    message
                })
                .await
                .map_err(|e| DeliveryError::Unavailable(e.to_string()))?
            }
            None => message,
        };
        match &self.transport {
            Transport::Smtp(pool) => pool.send(message.envelope(), &message.formatted()).await,
            Transport::Outbox(dir) => {
                let bytes = message.formatted();
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || outbox::write(&dir, &bytes))
                    .await
                    .map_err(|e| DeliveryError::Unavailable(e.to_string()))?
                    .map_err(|e| DeliveryError::Unavailable(format!("{e:#}")))
            }
        }
    }

    fn build(&self, mail: OutgoingMail) -> anyhow::Result<Message> {
        let to: Mailbox = mail
            .to
            .parse()
            .with_context(|| format!("{:?} is not an email address", mail.to))?;
        let from = match &mail.from {
            Some(from) => from
                .parse()
                .with_context(|| format!("{from:?} is not a sender address"))?,
            None => self.from.clone(),
        };
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject)
            .message_id(mail.message_id);
        if let Some(reply_to) = mail.reply_to {
            builder = builder.reply_to(
                reply_to
                    .parse()
                    .with_context(|| format!("{reply_to:?} is not a reply-to address"))?,
            );
        }
        for (name, value) in mail.headers {
            let name = HeaderName::new_from_ascii(name.to_string())
                .map_err(|_| anyhow::anyhow!("{name:?} is not a header name"))?;
            builder = builder.raw_header(HeaderValue::new(name, value));
        }
        Ok(match mail.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.text, html))?,
            None => builder.singlepart(SinglePart::plain(mail.text))?,
        })
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
        ..OutgoingMail::default()
    })
}
