//! The mail component's SMTP transport against servers that take mail only over TLS (STARTTLS
//! or TLS from the first byte) and after a login, as submission servers do; and refuse it
//! when the server's certificate is not trusted.

use broadsheet::config::MailArgs;
use broadsheet::mail::{DeliveryError, Mailer, OutgoingMail};

use crate::support::smtp::SmtpServer;

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.into(),
        subject: "Over TLS".into(),
        text: "Hello through an encrypted, authenticated connection.".into(),
        ..OutgoingMail::default()
    }
}

fn mailer(url: String, ca: Option<std::path::PathBuf>, dir: &std::path::Path) -> Mailer {
    let mut args = MailArgs::outbox(crate::support::TEST_SENDER);
    args.smtp_url = Some(url);
    args.smtp_ca_file = ca;
    Mailer::new(&args, dir).unwrap()
}

async fn sends_over_tls_with_a_login(mode: &str, scheme: &str, query: &str) {
    let Some(server) = SmtpServer::start_secure(mode) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = |login: &str| format!("{scheme}://{login}@localhost:{}{query}", server.port);

    let good = mailer(url("sender:s3cret"), server.ca.clone(), dir.path());
    good.deliver(mail("reader@mail.example")).await.unwrap();
    good.deliver(mail("second@mail.example")).await.unwrap();
    assert_eq!(server.messages_to("reader@mail.example").len(), 1);
    assert_eq!(
        server.messages_to("second@mail.example").len(),
        1,
        "a pooled connection again"
    );

    let untrusted = mailer(url("sender:s3cret"), None, dir.path());
    let refused = untrusted
        .deliver(mail("fourth@mail.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, DeliveryError::Unavailable(_)),
        "an untrusted certificate is the set-up's fault, never the reader's: {refused:?}"
    );
    assert!(
        server.messages_to("fourth@mail.example").is_empty(),
        "no certificate, no mail"
    );
}

#[tokio::test]
async fn starttls_with_a_login() {
    sends_over_tls_with_a_login("starttls", "smtp", "?tls=required").await;
}

#[tokio::test]
async fn implicit_tls_with_a_login() {
    sends_over_tls_with_a_login("tls", "smtps", "").await;
}
