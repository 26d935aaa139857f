//! Fetching remote originals without becoming a proxy into the private network: the allow-list
//! is checked on every hop, DNS is resolved here and private addresses refused (the connection
//! then uses exactly the addresses that were checked), redirects are followed by hand (at most
//! three), the body is capped while it streams, and connect and total times are bounded.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{StatusCode, Url, header};

use super::address::is_public;
use super::source::AllowList;

const MAX_REDIRECTS: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Not on the allow-list, or an address we do not reach.
    Refused(String),
    NotFound,
    /// The origin's answer is not an image (HTML, say).
    NotAnImage(String),
    TooLarge(u64),
    Timeout,
    Upstream(String),
}

#[derive(Debug, Clone)]
pub struct FetchLimits {
    pub max_bytes: u64,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    /// Internal addresses an operator explicitly trusts (an intranet image store; tests).
    pub trusted: Vec<IpAddr>,
}

pub struct Fetcher {
    client: reqwest::Client,
    limits: FetchLimits,
}

impl Fetcher {
    pub fn new(limits: FetchLimits) -> anyhow::Result<Fetcher> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(GuardedResolver {
                trusted: Arc::new(limits.trusted.clone()),
            })
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.total_timeout)
            .user_agent(concat!("Broadsheet-images/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Fetcher { client, limits })
    }

    fn reachable(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.limits.trusted.contains(&ip)
    }

    /// Fetches `url`'s bytes, following redirects that stay within `allowed`.
    pub async fn fetch(&self, url: &Url, allowed: &AllowList) -> Result<Vec<u8>, FetchError> {
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            self.check(&url, allowed)?;
            let response = self
                .client
                .get(url.clone())
                .send()
                .await
                .map_err(|e| explain(&e))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| {
                        FetchError::Upstream(format!(
                            "the origin answered {status} without a Location"
                        ))
                    })?;
                url = url.join(location).map_err(|_| {
                    FetchError::Upstream("the origin redirected to an invalid URL".into())
                })?;
                continue;
            }
            return self.read_body(response).await;
        }
        Err(FetchError::Upstream(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    fn check(&self, url: &Url, allowed: &AllowList) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") || !allowed.permits(url) {
            return Err(FetchError::Refused(format!(
                "Images from {} are not allowed",
                url.host_str().unwrap_or("that address")
            )));
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            _ => None,
        };
        match literal {
            Some(ip) if !self.reachable(ip) => Err(refused_address(ip)),
            _ => Ok(()),
        }
    }

    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let status = response.status();
        if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
            return Err(FetchError::NotFound);
        }
        if !status.is_success() {
            return Err(FetchError::Upstream(format!(
                "the origin answered {status}"
            )));
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("text/html") || content_type.starts_with("video/") {
            return Err(FetchError::NotAnImage(format!(
                "The origin answered {content_type}, not an image"
            )));
        }
        let cap = self.limits.max_bytes;
        if response.content_length().is_some_and(|n| n > cap) {
            return Err(FetchError::TooLarge(cap));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| explain(&e))? {
            if body.len() as u64 + chunk.len() as u64 > cap {
                return Err(FetchError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn refused_address(ip: IpAddr) -> FetchError {
    FetchError::Refused(format!(
        "Images from the internal address {ip} are not allowed"
    ))
}

/// Tells a refused address (found by our resolver, deep in reqwest's error chain) from a
/// timeout and from other network failures.
fn explain(error: &reqwest::Error) -> FetchError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(refused) = e.downcast_ref::<AddressRefused>() {
            return refused_address(refused.0);
        }
        cause = e.source();
    }
    if error.is_timeout() {
        return FetchError::Timeout;
    }
    FetchError::Upstream(format!("the origin could not be reached ({error})"))
}

#[derive(Debug)]
struct AddressRefused(IpAddr);

impl std::fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is an internal address", self.0)
    }
}

impl std::error::Error for AddressRefused {}

/// Resolves with the system resolver and hands reqwest only addresses we may reach, so the
/// address checked is the address connected to (no second lookup to rebind).
struct GuardedResolver {
    trusted: Arc<Vec<IpAddr>>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let trusted = self.trusted.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| is_public(a.ip()) || trusted.contains(&a.ip()))
                .collect();
            match (allowed.is_empty(), found.first()) {
                (true, Some(first)) => Err(Box::new(AddressRefused(first.ip())) as _),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}
