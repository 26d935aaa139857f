//! The SMTP client: a pool of lettre connections over sockets we open ourselves, with
//! `TCP_NODELAY`. lettre writes a message's end-of-data marker as a write of its own; on a
//! socket with Nagle's algorithm that small write waits for the server's delayed ACK (40 ms on
//! Linux), which held every connection to about 25 messages a second. Plain, STARTTLS
//! (`?tls=required` or `?tls=opportunistic`) and implicit TLS (`smtps://`), with AUTH when the
//! URL carries credentials.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::DeliveryError;

/// Idle connections older than this are closed rather than reused: servers drop idle clients.
const IDLE_LIMIT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq)]
enum Security {
    Plain,
    StartTls { required: bool },
    Implicit,
}

/// Where and how to connect, from an `smtp://` or `smtps://` URL.
#[derive(Debug, Clone)]
pub struct Settings {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<(String, String)>,
    timeout: Duration,
    /// A CA certificate in PEM to trust besides the system's.
    ca: Option<Vec<u8>>,
}

impl Settings {
    pub fn parse(url: &str) -> anyhow::Result<Settings> {
        let parsed = url::Url::parse(url).context("--smtp-url is not a URL")?;
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .context("--smtp-url names no host")?
            .trim_matches(['[', ']'])
            .to_string();
        let tls = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let (security, default_port) = match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some("required")) => (Security::StartTls { required: true }, 587),
            ("smtp", Some("opportunistic")) => (Security::StartTls { required: false }, 587),
            ("smtps", None) => (Security::Implicit, 465),
            (scheme, tls) => bail!(
                "--smtp-url: use smtp://, smtp://…?tls=required, smtp://…?tls=opportunistic or \
                 smtps:// (not {scheme}:// with tls={tls:?})"
            ),
        };
        let decode = |s: &str| {
            percent_decode(s).with_context(|| "--smtp-url: the credentials are not valid UTF-8")
        };
        let credentials = if parsed.username().is_empty() {
            None
        } else {
            Some((
                decode(parsed.username())?,
                decode(parsed.password().unwrap_or(""))?,
            ))
        };
        Ok(Settings {
            host,
            port: parsed.port().unwrap_or(default_port),
            security,
            credentials,
            timeout: Duration::from_secs(30),
            ca: None,
        })
    }

    /// Trusts the CA certificate in `file` for the server's TLS, besides the system's.
    pub fn trust(&mut self, file: &std::path::Path) -> anyhow::Result<()> {
        let pem = std::fs::read(file)
            .with_context(|| format!("--smtp-ca-file: cannot read {}", file.display()))?;
        tokio_native_tls::native_tls::Certificate::from_pem(&pem)
            .with_context(|| format!("--smtp-ca-file {}: not a PEM certificate", file.display()))?;
        self.ca = Some(pem);
        Ok(())
    }

    fn starttls_parameters(&self) -> Result<TlsParameters, DeliveryError> {
        let mut builder = TlsParameters::builder(self.host.clone());
        if let Some(pem) = &self.ca {
            let cert = lettre::transport::smtp::client::Certificate::from_pem(pem)
                .map_err(|e| unavailable(&format!("the CA certificate: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        builder
            .build()
            .map_err(|e| unavailable(&format!("TLS is not available: {e}")))
    }

    fn tls_connector(&self) -> Result<tokio_native_tls::TlsConnector, DeliveryError> {
        use tokio_native_tls::native_tls;
        let mut builder = native_tls::TlsConnector::builder();
        if let Some(pem) = &self.ca {
            let cert = native_tls::Certificate::from_pem(pem)
                .map_err(|e| unavailable(&format!("the CA certificate: {e}")))?;
            builder.add_root_certificate(cert);
        }
        let connector = builder
            .build()
            .map_err(|e| unavailable(&format!("TLS is not available: {e}")))?;
        Ok(tokio_native_tls::TlsConnector::from(connector))
    }
}

fn percent_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes: Vec<u8> = form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned().into_bytes())
        .unwrap_or_default();
    String::from_utf8(bytes)
}

/// Open connections, shared by every sender of the node, at most `size` at once.
pub struct Pool {
    settings: Settings,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    permits: Semaphore,
}

impl Pool {
    pub fn new(settings: Settings, size: u32) -> Pool {
        Pool {
            settings,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size as usize),
        }
    }

    /// Sends one message. A connection that failed while idle in the pool is replaced once.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), DeliveryError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| unavailable("the SMTP pool is closed"))?;
        let idle = self.take_idle();
        let reused = idle.is_some();
        let mut conn = match idle {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        let mut result = conn.send(envelope, message).await;
        if reused
            && result
                .as_ref()
                .is_err_and(|e| !e.is_permanent() && !e.is_transient())
        {
            conn.abort().await;
            conn = self.connect().await?;
            result = conn.send(envelope, message).await;
        }
        if !conn.has_broken() {
            self.put_back(conn);
        }
        result.map(|_| ()).map_err(classify)
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < IDLE_LIMIT {
                return Some(conn);
            }
        }
        None
    }

    fn put_back(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.push((conn, Instant::now()));
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, DeliveryError> {
        let s = &self.settings;
        let tcp = tokio::time::timeout(s.timeout, TcpStream::connect((s.host.as_str(), s.port)))
            .await
            .map_err(|_| unavailable("timed out connecting to the SMTP server"))?
            .map_err(|e| unavailable(&format!("cannot connect to {}:{}: {e}", s.host, s.port)))?;
        tcp.set_nodelay(true)
            .map_err(|e| unavailable(&e.to_string()))?;
        let stream: Box<dyn AsyncTokioStream> = if s.security == Security::Implicit {
            Box::new(TlsTcp::connect(&s.host, tcp, s.tls_connector()?).await?)
        } else {
            Box::new(tcp)
        };
        // Until the connection is ready, a refusal is about the server or our set-up (TLS, the
        // login), never about a recipient: none of it may bounce an address.
        let setup = |e: lettre::transport::smtp::Error| unavailable(&e.to_string());
        let mut conn = tokio::time::timeout(
            s.timeout,
            AsyncSmtpConnection::connect_with_transport(stream, &self.hello),
        )
        .await
        .map_err(|_| unavailable("the SMTP server did not greet in time"))?
        .map_err(setup)?;
        if let Security::StartTls { required } = s.security {
            if conn.can_starttls() {
                let tls = s.starttls_parameters()?;
                conn.starttls(tls, &self.hello).await.map_err(setup)?;
            } else if required {
                conn.abort().await;
                return Err(unavailable("the SMTP server does not offer STARTTLS"));
            }
        }
        if let Some((user, password)) = &s.credentials {
            conn.auth(
                &[Mechanism::Plain, Mechanism::Login],
                &Credentials::new(user.clone(), password.clone()),
            )
            .await
            .map_err(|e| unavailable(&format!("the SMTP login was refused: {e}")))?;
        }
        Ok(conn)
    }
}

/// A 5xx answer is for good, a 4xx for now, anything else says the server is out of reach.
fn classify(e: lettre::transport::smtp::Error) -> DeliveryError {
    if e.is_permanent() {
        DeliveryError::Permanent(e.to_string())
    } else if e.is_transient() {
        DeliveryError::Temporary(e.to_string())
    } else {
        DeliveryError::Unavailable(e.to_string())
    }
}

fn unavailable(message: &str) -> DeliveryError {
    DeliveryError::Unavailable(message.to_string())
}

/// A TLS stream that lettre can talk through, for implicit TLS (`smtps://`).
struct TlsTcp {
    inner: tokio_native_tls::TlsStream<TcpStream>,
    peer: SocketAddr,
}

impl std::fmt::Debug for TlsTcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TlsTcp({})", self.peer)
    }
}

impl TlsTcp {
    async fn connect(
        host: &str,
        tcp: TcpStream,
        connector: tokio_native_tls::TlsConnector,
    ) -> Result<TlsTcp, DeliveryError> {
        let peer = tcp.peer_addr().map_err(|e| unavailable(&e.to_string()))?;
        let inner = connector
            .connect(host, tcp)
            .await
            .map_err(|e| unavailable(&format!("the TLS handshake failed: {e}")))?;
        Ok(TlsTcp { inner, peer })
    }
}

impl AsyncRead for TlsTcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsTcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for TlsTcp {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_say_how_to_connect() {
        let plain = Settings::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((plain.port, plain.security), (2525, Security::Plain));
        let submission =
            Settings::parse("smtp://me%40x.org:p%2Fw@mail.example?tls=required").unwrap();
        assert_eq!(submission.port, 587);
        assert_eq!(submission.security, Security::StartTls { required: true });
        assert_eq!(
            submission.credentials,
            Some(("me@x.org".to_string(), "p/w".to_string()))
        );
        let wrapped = Settings::parse("smtps://mail.example").unwrap();
        assert_eq!((wrapped.port, wrapped.security), (465, Security::Implicit));
        assert!(Settings::parse("http://mail.example").is_err());
        assert!(Settings::parse("smtp://mail.example?tls=sometimes").is_err());
    }
}
