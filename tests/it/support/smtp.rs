//! A real SMTP server for the tests: Python's aiosmtpd (installed by `.ci/run`) on a free
//! loopback port, storing what it receives in a Maildir that the tests read back. Elsewhere the
//! tests that need it say they skipped.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use broadsheet::app;
use broadsheet::config::MailArgs;
use broadsheet::mail::Mailer;

use super::TestApp;

pub struct SmtpServer {
    child: std::sync::Mutex<Child>,
    /// Python's arguments, to start the same server again on the same port.
    arguments: Vec<String>,
    pub port: u16,
    maildir: tempfile::TempDir,
    certs: Option<tempfile::TempDir>,
    /// The CA certificate a secure server's certificate comes from.
    pub ca: Option<std::path::PathBuf>,
}

impl SmtpServer {
    /// Starts aiosmtpd, or returns `None` (after saying why) when Python lacks it outside CI.
    pub fn start() -> Option<SmtpServer> {
        Self::launch(None, |port, maildir| {
            vec![
                "-m".into(),
                "aiosmtpd".into(),
                "-n".into(),
                "-l".into(),
                format!("127.0.0.1:{port}"),
                "-c".into(),
                "broadsheet_smtp.Handler".into(),
                maildir.display().to_string(),
            ]
        })
    }

    /// A server that takes mail only over TLS (`mode` "starttls" or "tls") and after a login
    /// as `sender` / `s3cret`, with a certificate for `localhost` from a CA of its own, whose
    /// certificate is [`SmtpServer::ca`].
    pub fn start_secure(mode: &str) -> Option<SmtpServer> {
        let certs = tempfile::tempdir().expect("a folder for certificates");
        let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
        let made = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args([
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "openssl makes a certificate");
        let mode = mode.to_string();
        let mut server = Self::launch(Some(certs), |port, maildir| {
            vec![
                "-m".into(),
                "broadsheet_smtp_tls".into(),
                mode,
                port.to_string(),
                maildir.display().to_string(),
                cert.display().to_string(),
                key.display().to_string(),
            ]
        })?;
        server.ca = server.certs.as_ref().map(|c| c.path().join("cert.pem"));
        Some(server)
    }

    /// Starts Python with `arguments(port, maildir)` and waits until it listens, or returns
    /// `None` (after saying why) when Python lacks aiosmtpd outside CI.
    fn launch(
        certs: Option<tempfile::TempDir>,
        arguments: impl FnOnce(u16, &std::path::Path) -> Vec<String>,
    ) -> Option<SmtpServer> {
        if !super::helpers::available(
            super::helpers::python_module("aiosmtpd"),
            "aiosmtpd must be installed in CI (pip install aiosmtpd)",
            "pip install aiosmtpd to run the SMTP tests",
        ) {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let maildir = tempfile::tempdir().expect("a maildir");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir(maildir.path().join(sub)).expect("a maildir folder");
        }
        let arguments = arguments(port, maildir.path());
        let server = SmtpServer {
            child: std::sync::Mutex::new(Self::spawn(&arguments, port)),
            arguments,
            port,
            maildir,
            certs,
            ca: None,
        };
        Some(server)
    }

    /// Starts Python with `arguments` and waits until it listens on `port`.
    fn spawn(arguments: &[String], port: u16) -> Child {
        let support = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support");
        let child = Command::new("python3")
            .env("PYTHONPATH", support)
            .args(arguments)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the SMTP server starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the SMTP server did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    }

    /// Stops the server: connections to its port are refused until [`SmtpServer::come_back`].
    pub fn go_down(&self) {
        let mut child = self.child.lock().expect("the server's process");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts the server again on the same port, keeping what it received.
    pub fn come_back(&self) {
        *self.child.lock().expect("the server's process") = Self::spawn(&self.arguments, self.port);
    }

    /// Every message received so far, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok())
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }

    /// From now on, refuse `bounce…` addresses for good and `busy…` ones once for now.
    pub fn start_refusing(&self) {
        std::fs::write(self.maildir.path().join("refuse"), b"").expect("the refusal switch");
    }

    /// The messages whose `To:` header is `to`.
    pub fn messages_to(&self, to: &str) -> Vec<String> {
        self.messages()
            .into_iter()
            .filter(|m| header(m, "To") == to)
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.go_down();
    }
}

/// The link after `marker` in a mail.
pub fn link_in(message: &str, marker: &str) -> String {
    link_in_text(&decoded_body(message), marker)
}

/// The link after `marker` in a page or a decoded mail.
pub fn link_in_text(text: &str, marker: &str) -> String {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"));
    text[at..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

/// The path and query of an absolute link.
pub fn path_of(link: &str) -> String {
    link.split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(_, p)| format!("/{p}"))
        .unwrap_or_else(|| panic!("{link} is not an absolute link"))
}

/// A header's value in a raw message (the first, unfolded).
pub fn header(message: &str, name: &str) -> String {
    let mut lines = message.lines();
    let mut value = None;
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        if let Some(v) = value.as_mut().filter(|_| line.starts_with([' ', '\t'])) {
            let v: &mut String = v;
            v.push_str(line.trim_start());
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_string());
        }
    }
    value.unwrap_or_default()
}

/// A message's text with quoted-printable undone (soft line breaks joined, `=XX` decoded), so
/// links in it can be read whole.
pub fn decoded_body(message: &str) -> String {
    let joined = message.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl TestApp {
    /// Sends mail through `server`, with the mail options `adjust` sets (a send rate, a DKIM
    /// key).
    pub fn with_mail(mut self, server: &SmtpServer, adjust: impl FnOnce(&mut MailArgs)) -> TestApp {
        let mut args = MailArgs::outbox(super::TEST_SENDER);
        args.smtp_url = Some(format!("smtp://127.0.0.1:{}", server.port));
        adjust(&mut args);
        let mailer = Mailer::new(&args, self.data_dir()).expect("the SMTP mailer");
        self.state.services_mut().mailer = Arc::new(mailer);
        self.router = app::router(self.state.clone());
        self
    }
}

/// Runs each `async fn name(app: &TestApp, smtp: &SmtpServer)` on SQLite and on PostgreSQL,
/// with mail going through a fresh SMTP server; `mail = |args| …;` first changes the mail
/// options (a send rate, a DKIM key).
#[macro_export]
macro_rules! smtp_tests {
    (mail = $adjust:expr; $($name:ident),*) => {
        $(
            mod $name {
                use $crate::support::TestApp;
                use $crate::support::smtp::SmtpServer;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let Some(smtp) = SmtpServer::start() else { return };
                    let app = TestApp::sqlite().await.with_mail(&smtp, $adjust);
                    super::$name(&app, &smtp).await;
                    app.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(smtp) = SmtpServer::start() else { return };
                    let Some(app) = TestApp::postgres().await else { return };
                    let app = app.with_mail(&smtp, $adjust);
                    super::$name(&app, &smtp).await;
                    app.finish().await;
                }
            }
        )*
    };
    ($($name:ident),*) => {
        $crate::smtp_tests!(mail = |_| {}; $($name),*);
    };
}
