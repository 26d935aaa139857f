//! Where the media store lives, as an operator writes it on the command line: a folder, or
//! `s3://bucket/prefix?endpoint=…&region=…` for a bucket every node shares. Credentials never
//! appear here; they come from the usual `AWS_*` variables, so this address can be logged.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreAddress {
    Folder(PathBuf),
    S3(Bucket),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub name: String,
    /// Key prefix inside the bucket, without slashes at either end; may be empty.
    pub prefix: String,
    /// An S3-compatible server's address (MinIO, Ceph, a test server); AWS itself when absent.
    pub endpoint: Option<String>,
    pub region: Option<String>,
}

impl FromStr for StoreAddress {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the media store address is empty".into());
        }
        let Some(rest) = text.strip_prefix("s3://") else {
            if text.contains("://") {
                return Err(format!(
                    "{text:?}: a media store is a folder or s3://bucket/prefix?endpoint=…&region=…"
                ));
            }
            return Ok(StoreAddress::Folder(PathBuf::from(text)));
        };
        let (place, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (name, prefix) = place.split_once('/').unwrap_or((place, ""));
        if !valid_bucket(name) {
            return Err(format!(
                "{name:?} is not a bucket name (3 to 63 lower-case letters, digits, dots and \
                 hyphens)"
            ));
        }
        let mut bucket = Bucket {
            name: name.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            endpoint: None,
            region: None,
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "endpoint" => {
                    let url = url::Url::parse(&value)
                        .map_err(|e| format!("endpoint {value:?} is not an address: {e}"))?;
                    if !matches!(url.scheme(), "http" | "https") {
                        return Err(format!("endpoint {value:?} must be http:// or https://"));
                    }
                    bucket.endpoint = Some(value.trim_end_matches('/').to_string());
                }
                "region" => {
                    if value.is_empty()
                        || !value
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'-')
                    {
                        return Err(format!("{value:?} is not a region name"));
                    }
                    bucket.region = Some(value.into_owned());
                }
                other => {
                    return Err(format!(
                        "{other:?} is not a media store setting (endpoint, region)"
                    ));
                }
            }
        }
        Ok(StoreAddress::S3(bucket))
    }
}

fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
}

impl fmt::Display for StoreAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreAddress::Folder(path) => write!(f, "{}", path.display()),
            StoreAddress::S3(b) => {
                write!(f, "s3://{}", b.name)?;
                if !b.prefix.is_empty() {
                    write!(f, "/{}", b.prefix)?;
                }
                // Written as an operator would type it: an endpoint's `:` and `/` need no escape.
                let mut settings = Vec::new();
                if let Some(endpoint) = &b.endpoint {
                    settings.push(format!("endpoint={endpoint}"));
                }
                if let Some(region) = &b.region {
                    settings.push(format!("region={region}"));
                }
                if !settings.is_empty() {
                    write!(f, "?{}", settings.join("&"))?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_folders_are_read_and_written_back() {
        let text =
            "s3://newsroom-media/site/one?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1";
        let address: StoreAddress = text.parse().unwrap();
        let StoreAddress::S3(bucket) = &address else {
            panic!("{address:?}");
        };
        assert_eq!(bucket.name, "newsroom-media");
        assert_eq!(bucket.prefix, "site/one");
        assert_eq!(bucket.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(bucket.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            address.to_string().parse::<StoreAddress>().unwrap(),
            address
        );
        assert_eq!(
            "s3://media".parse::<StoreAddress>().unwrap(),
            StoreAddress::S3(Bucket {
                name: "media".into(),
                prefix: String::new(),
                endpoint: None,
                region: None,
            })
        );
        assert_eq!(
            "/srv/media".parse::<StoreAddress>().unwrap(),
            StoreAddress::Folder("/srv/media".into())
        );
    }

    #[test]
    fn mistakes_are_named() {
        for (text, says) in [
            ("", "empty"),
            ("s3://Bad_Bucket", "bucket name"),
            ("s3://media?secret=x", "not a media store setting"),
            ("s3://media?endpoint=ftp://x", "http"),
            ("gs://media", "folder or s3://"),
            ("s3://media?region=eu west", "region"),
        ] {
            let error = text.parse::<StoreAddress>().unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
