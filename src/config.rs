//! Configuration from flags and `BROADSHEET_*` environment variables, validated once at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

/// Options every subcommand shares.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Folder for the SQLite database, media files and caches (created if missing).
    #[arg(
        long,
        global = true,
        env = "BROADSHEET_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,

    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB [default: SQLite in the data dir].
    #[arg(long, global = true, env = "BROADSHEET_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Database connections this process may hold. Each node of a PostgreSQL site holds up to
    /// this many: keep nodes × this under the server's max_connections.
    #[arg(long, global = true, env = "BROADSHEET_DB_CONNECTIONS", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_connections: u32,

    /// Where uploads and originals live: a folder, or an S3 bucket every node shares, written
    /// s3://BUCKET/PREFIX?endpoint=URL&region=REGION (credentials from AWS_ACCESS_KEY_ID and
    /// AWS_SECRET_ACCESS_KEY) [default: the media folder in the data dir].
    #[arg(long, global = true, env = "BROADSHEET_MEDIA_STORE")]
    pub media_store: Option<crate::media::StoreAddress>,

    /// Log filter, for example `info` or `broadsheet=debug,tower_http=info`.
    #[arg(long, global = true, env = "BROADSHEET_LOG", default_value = "info")]
    pub log: String,

    /// Log as human-readable text or as one JSON object a line.
    #[arg(long, global = true, env = "BROADSHEET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// What a change drops from a node's caches (see `--page-cache-invalidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Invalidation {
    Selective,
    Everything,
}

/// Which headers carry the names of what a page shows (see `--cache-tag-headers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TagHeaders {
    /// `Surrogate-Key`, space-separated: Varnish with xkey (`deploy/varnish.vcl`), Fastly.
    SurrogateKey,
    /// `Cache-Tag`, comma-separated: Cloudflare, Akamai.
    CacheTag,
    Both,
    /// Neither: nothing in front purges by them.
    None,
}

impl TagHeaders {
    pub fn surrogate_key(self) -> bool {
        matches!(self, TagHeaders::SurrogateKey | TagHeaders::Both)
    }

    pub fn cache_tag(self) -> bool {
        matches!(self, TagHeaders::CacheTag | TagHeaders::Both)
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Load the demo newsroom first when the database holds no articles.
    #[arg(long, env = "BROADSHEET_DEMO")]
    pub demo: bool,

    /// Address and port to listen on.
    #[arg(long, env = "BROADSHEET_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder of templates and static files that override the built-in theme, file by file.
    #[arg(long, env = "BROADSHEET_THEME_DIR")]
    pub theme_dir: Option<PathBuf>,

    /// The public URL of the site, for canonical links and feeds [default: from the settings,
    /// else http://LISTEN].
    #[arg(long, env = "BROADSHEET_BASE_URL")]
    pub base_url: Option<String>,

    /// Serve public pages from the in-memory cache of rendered, compressed pages.
    #[arg(long, env = "BROADSHEET_PAGE_CACHE", default_value_t = true, action = clap::ArgAction::Set)]
    pub page_cache: bool,

    #[command(flatten)]
    pub mail: MailArgs,

    /// Address of the first administrator, created (with a one-time setup link) when the site
    /// has none.
    #[arg(
        long,
        env = "BROADSHEET_ADMIN_EMAIL",
        default_value = "admin@localhost"
    )]
    pub admin_email: String,

    /// The largest media upload, in MiB.
    #[arg(long, env = "BROADSHEET_MAX_UPLOAD_MB", default_value_t = 20)]
    pub max_upload_mb: usize,

    /// Memory the page cache may use, in MiB.
    #[arg(long, env = "BROADSHEET_PAGE_CACHE_MB", default_value_t = 256)]
    pub page_cache_mb: usize,

    /// What a change drops from this node's caches: `selective` (only the pages that show what
    /// changed) or `everything` (every cached page, as before 2026-12; for ruling the cache out
    /// when a page looks stale, and for measuring the difference).
    #[arg(long, env = "BROADSHEET_PAGE_CACHE_INVALIDATION", value_enum, default_value_t = Invalidation::Selective)]
    pub page_cache_invalidation: Invalidation,

    /// A cache in front to purge (Varnish with xkey: see deploy/varnish.vcl): every change this
    /// node applies is sent as `PURGE` to this URL with the keys in `xkey-purge`.
    #[arg(long, env = "BROADSHEET_PURGE_URL")]
    pub purge_url: Option<reqwest::Url>,

    /// The header that names what each page shows, for a cache in front to purge by:
    /// `surrogate-key` (Varnish, Fastly), `cache-tag` (Cloudflare, Akamai), `both`, or `none`.
    /// Every answer carries it, so name only the one your cache reads.
    #[arg(long, env = "BROADSHEET_CACHE_TAG_HEADERS", value_enum, default_value_t = TagHeaders::SurrogateKey)]
    pub cache_tag_headers: TagHeaders,

    /// Threads that answer connections and page-cache hits; everything else runs on the
    /// application's threads (one per core). Default: half the cores, at least one, with the
    /// page cache on; 0 with it off. 0 runs connections on the application's threads too.
    #[arg(long, env = "BROADSHEET_CONNECTION_THREADS")]
    pub connection_threads: Option<usize>,

    /// Reverse proxies (addresses or networks such as 10.0.0.0/8, comma-separated) whose
    /// X-Forwarded-For names the client; rate limits and the comment flood rule use it.
    #[arg(long, env = "BROADSHEET_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::web::client::IpNetwork>,

    /// Also serve `/metrics` (Prometheus' text format) on this address, to anyone who reaches
    /// it: keep it on a private interface.
    #[arg(long, env = "BROADSHEET_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Serve `/metrics` on the site's own address to a caller that sends this as a bearer token
    /// (`Authorization: Bearer TOKEN`); without it, `/metrics` there is a 404.
    #[arg(long, env = "BROADSHEET_METRICS_TOKEN", hide_env_values = true,
          value_parser = long_token)]
    pub metrics_token: Option<String>,

    /// Seconds a node's claim on a job, or on a batch of a newsletter's readers, holds. When a
    /// node dies, the others take its claimed work over once this has passed: shorter means a
    /// faster takeover, but each claimed step (a batch of mail) must finish well within it.
    #[arg(long, env = "BROADSHEET_CLAIM_LEASE_SECONDS",
          default_value_t = crate::jobs::DEFAULT_CLAIM_LEASE_SECONDS,
          value_parser = clap::value_parser!(u64).range(10..=3600))]
    pub claim_lease_seconds: u64,

    #[command(flatten)]
    pub images: ImageArgs,
}

/// A bearer token long enough not to be guessed.
fn long_token(token: &str) -> Result<String, String> {
    const SHORTEST: usize = 24;
    if token.trim().chars().count() < SHORTEST {
        return Err(format!(
            "a token of at least {SHORTEST} characters, such as the output of `openssl rand -hex 16`"
        ));
    }
    Ok(token.trim().to_string())
}

/// The mail component: where mail goes, how fast, and how it is signed.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// SMTP server for outgoing mail: smtps://user:pass@mail.example:465 (TLS),
    /// smtp://user:pass@mail.example:587?tls=required (STARTTLS), or smtp://host:25 (unencrypted,
    /// for a local relay) [default: write .eml files to <data-dir>/outbox].
    #[arg(long, env = "BROADSHEET_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// Sender of outgoing mail; a newsletter may name its own.
    #[arg(
        long,
        env = "BROADSHEET_MAIL_FROM",
        default_value = "Broadsheet <broadsheet@localhost>"
    )]
    pub mail_from: String,

    /// A CA certificate (PEM) to trust for the SMTP server's TLS, besides the system's: for a
    /// relay with a certificate from a private CA.
    #[arg(long, env = "BROADSHEET_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,

    /// SMTP connections kept open and used at once for newsletter sends.
    #[arg(long, env = "BROADSHEET_SMTP_CONNECTIONS", default_value_t = 8)]
    pub smtp_connections: u32,

    /// The most newsletter messages a node sends per second (0: as fast as the server takes
    /// them). Mail providers and relays throttle senders that go faster than agreed.
    #[arg(long, env = "BROADSHEET_MAIL_RATE", default_value_t = 0)]
    pub mail_rate: u32,

    /// Domain of the DKIM signature (d=); with --dkim-selector and --dkim-key, every message is
    /// signed.
    #[arg(long, env = "BROADSHEET_DKIM_DOMAIN", requires_all = ["dkim_selector", "dkim_key"])]
    pub dkim_domain: Option<String>,

    /// Selector of the DKIM key (s=): its public half is published at
    /// SELECTOR._domainkey.DOMAIN.
    #[arg(long, env = "BROADSHEET_DKIM_SELECTOR", requires = "dkim_domain")]
    pub dkim_selector: Option<String>,

    /// File with the DKIM private key: an RSA key in PKCS#1 PEM ("BEGIN RSA PRIVATE KEY") or an
    /// Ed25519 key as the base64 of its 32 bytes.
    #[arg(long, env = "BROADSHEET_DKIM_KEY", requires = "dkim_domain")]
    pub dkim_key: Option<PathBuf>,
}

impl MailArgs {
    /// Mail into the outbox folder from `from`, with the defaults otherwise.
    pub fn outbox(from: &str) -> MailArgs {
        MailArgs {
            smtp_url: None,
            mail_from: from.into(),
            smtp_ca_file: None,
            smtp_connections: 8,
            mail_rate: 0,
            dkim_domain: None,
            dkim_selector: None,
            dkim_key: None,
        }
    }
}

/// The image service's sources and limits.
#[derive(Debug, Clone, Args)]
pub struct ImageArgs {
    /// Remote origins the image service may fetch from, comma-separated, each an http(s) URL
    /// with an optional path prefix (e.g. https://photos.example/wire/) [default: none, only the
    /// media library].
    #[arg(long, env = "BROADSHEET_IMAGE_SOURCES", value_delimiter = ',')]
    pub image_sources: Vec<String>,

    /// Internal IP addresses remote fetches may reach anyway (an intranet image store),
    /// comma-separated. Loopback, private and link-local addresses are refused otherwise.
    #[arg(
        long,
        env = "BROADSHEET_IMAGE_TRUSTED_ADDRESSES",
        value_delimiter = ','
    )]
    pub image_trusted_addresses: Vec<std::net::IpAddr>,

    /// Disk space for rendered images and fetched originals, in MiB.
    #[arg(long, env = "BROADSHEET_IMAGE_CACHE_MB", default_value_t = 2048)]
    pub image_cache_mb: u64,

    /// The largest source image, in megapixels, read from its header before decoding.
    #[arg(long, env = "BROADSHEET_IMAGE_MAX_MEGAPIXELS", default_value_t = 50)]
    pub image_max_megapixels: u64,

    /// The largest remote original, in MiB.
    #[arg(long, env = "BROADSHEET_IMAGE_MAX_SOURCE_MB", default_value_t = 20)]
    pub image_max_source_mb: u64,

    /// Renders running at once [default: the number of CPU cores].
    #[arg(long, env = "BROADSHEET_IMAGE_WORKERS")]
    pub image_workers: Option<usize>,

    /// Requests that may wait for a worker at once; beyond that the service answers 503.
    #[arg(long, env = "BROADSHEET_IMAGE_QUEUE",
          default_value_t = crate::media::images::DEFAULT_QUEUE)]
    pub image_queue: usize,

    /// Seconds a request may wait for a worker before the service answers 503.
    #[arg(long, env = "BROADSHEET_IMAGE_QUEUE_WAIT",
          default_value_t = crate::media::images::DEFAULT_QUEUE_WAIT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub image_queue_wait: u64,

    /// Seconds a remote fetch may take in all.
    #[arg(long, env = "BROADSHEET_IMAGE_FETCH_TIMEOUT", default_value_t = 20)]
    pub image_fetch_timeout: u64,

    /// New renders (cache misses) one client address may cause a minute; cache hits are never
    /// limited. 0 for no limit.
    #[arg(
        long,
        env = "BROADSHEET_IMAGE_RENDERS_PER_CLIENT",
        default_value_t = 240
    )]
    pub image_renders_per_client: u32,
}

/// The longest side of any output image, after dpr.
const IMAGE_MAX_SIDE: u32 = 4096;
const IMAGE_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl ImageArgs {
    /// The service's configuration; a malformed source names itself.
    pub fn config(&self) -> anyhow::Result<crate::media::images::ImageConfig> {
        use crate::media::images::{AllowList, Bounds, FetchLimits, ImageConfig};
        const MIB: u64 = 1024 * 1024;
        let allowed = AllowList::parse(&self.image_sources).map_err(anyhow::Error::msg)?;
        let workers = self.image_workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        });
        Ok(ImageConfig {
            allowed,
            fetch: FetchLimits {
                max_bytes: self.image_max_source_mb.saturating_mul(MIB),
                connect_timeout: IMAGE_CONNECT_TIMEOUT,
                total_timeout: std::time::Duration::from_secs(self.image_fetch_timeout.max(1)),
                trusted: self.image_trusted_addresses.clone(),
            },
            bounds: Bounds {
                max_pixels: self.image_max_megapixels.saturating_mul(1_000_000),
                max_side: IMAGE_MAX_SIDE,
            },
            cache_bytes: self.image_cache_mb.saturating_mul(MIB),
            workers,
            queue: self.image_queue,
            queue_wait: std::time::Duration::from_secs(self.image_queue_wait),
            renders_per_client: self.image_renders_per_client,
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// How many articles to generate.
    #[arg(long, env = "BROADSHEET_DEMO_ARTICLES", default_value_t = 500,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub articles: u32,

    /// Seed of the generator: the same seed gives the same newsroom.
    #[arg(long, env = "BROADSHEET_DEMO_SEED", default_value_t = 1)]
    pub seed: u64,

    /// Replace the content of a database that already has some.
    #[arg(long)]
    pub force: bool,
}

impl Common {
    /// Creates the data dir if needed and proves it writable, so a bad path fails at start
    /// with its name rather than on the first upload.
    pub fn prepare_data_dir(&self) -> anyhow::Result<PathBuf> {
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data dir {}", dir.display()))?;
        if !dir.is_dir() {
            bail!("the data dir {} is not a folder", dir.display());
        }
        let probe = dir.join(format!(".write-test-{}", std::process::id()));
        std::fs::write(&probe, b"ok")
            .with_context(|| format!("the data dir {} is not writable", dir.display()))?;
        std::fs::remove_file(&probe).ok();
        Ok(dir.clone())
    }

    /// The media store the flags name, opened.
    pub fn media_files(&self, data_dir: &Path) -> anyhow::Result<crate::media::MediaFiles> {
        crate::media::MediaFiles::open(self.media_store.as_ref(), data_dir)
    }

    pub fn database_url(&self, data_dir: &Path) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("broadsheet.db").display()))
    }
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The folder to write the backup into; it must not exist yet.
    pub dest: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// The backup folder (made by `broadsheet backup`) to restore from.
    pub src: PathBuf,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum NewsletterCommand {
    /// List the newsletters with their readers.
    List,
    /// Add confirmed readers from a file with an email address on each line (a CSV whose first
    /// column is the address; a header line "email" is skipped), as when moving a list from
    /// another platform. Readers must have consented there. All or nothing: a bad line stops
    /// the import with its line number.
    Import {
        /// The newsletter's slug.
        #[arg(long)]
        newsletter: String,
        /// The file to read.
        file: PathBuf,
    },
    /// Compose an issue of a newsletter from what it has not sent yet and send it now, from
    /// this process, showing progress; servers sending the same issue share the work.
    Send {
        /// The newsletter's slug.
        #[arg(long)]
        newsletter: String,
        /// The subject [default: the newsletter's name and the date].
        #[arg(long)]
        subject: Option<String>,
        /// An intro above the stories; blank lines separate paragraphs.
        #[arg(long, default_value = "")]
        intro: String,
        /// Folder of templates that override the built-in theme's.
        #[arg(long, env = "BROADSHEET_THEME_DIR")]
        theme_dir: Option<PathBuf>,
        #[command(flatten)]
        mail: MailArgs,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ImportCommand {
    /// Import a WordPress export (Tools → Export → All content; WXR 1.0 to 1.2, plain or
    /// gzipped): authors, categories as sections, tags, posts with their comments, pages, and
    /// the pictures of the uploads folder. Running it again with the same export updates what
    /// changed and duplicates nothing; an interrupted run is finished by running it again.
    /// Old addresses keep working: each answers with a 301 to its new place.
    Wordpress(WordpressImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct WordpressImportArgs {
    /// The export file (.xml or .xml.gz).
    pub file: PathBuf,

    /// A copy of the site's wp-content/uploads folder; attachments' files are read from it.
    #[arg(long)]
    pub uploads: Option<PathBuf>,

    /// Also make a staff account (role author, no password) for each author with an email
    /// address, and print a one-time link for each to set a password (valid 24 hours; later,
    /// `broadsheet user reset-password EMAIL` prints a new one).
    #[arg(long)]
    pub create_accounts: bool,

    /// Report what the import would do, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Download the attachments that --uploads does not hold from their addresses in the
    /// export, under the image service's source rules: only from --image-sources, within its
    /// size and time limits.
    #[arg(long)]
    pub fetch_media: bool,

    #[command(flatten)]
    pub images: ImageArgs,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ExportCommand {
    /// Write the whole site as a WordPress export (WXR 1.2) that WordPress's importer reads:
    /// sections as categories, tags, authors, the media library as attachments, articles as
    /// posts with their comments (held and spam ones too, with addresses: keep the file
    /// private), and pages.
    /// In WordPress, tick "Download and import file attachments" while this site is still
    /// reachable, so the pictures come along.
    Wordpress(WordpressExportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct WordpressExportArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ContentKeyCommand {
    /// Make a Content API key for an integration and print it.
    Add {
        /// What uses the key, e.g. "Next.js front end".
        #[arg(long)]
        name: String,
    },
    /// List the live keys: id, key, integration.
    List,
    /// Revoke a key, by the id `list` shows; tools using it get 403 from then on.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum SearchCommand {
    /// Build this node's search index afresh from the database, showing progress. A server
    /// running on the same data dir keeps answering from its index meanwhile and switches to
    /// the new one when it is done. Each node keeps its own index: run it on the node whose
    /// index you want rebuilt.
    Reindex,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum MediaCommand {
    /// Copy every file of this site's media store (--media-store, or the data dir's media
    /// folder) into another store: a folder into an S3 bucket when the site scales out, or
    /// back. Files the target already holds whole are passed over, so a copy that stopped
    /// resumes where it was when run again; each file's content is checked against its name
    /// before it is written. Start the nodes with --media-store naming the target afterwards.
    Migrate(MediaMigrateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct MediaMigrateArgs {
    /// The store to copy into: a folder, or s3://BUCKET/PREFIX?endpoint=URL&region=REGION.
    #[arg(long)]
    pub to: crate::media::StoreAddress,

    /// Files copied at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum UserCommand {
    /// Add an account. Without --password-stdin, prints a one-time setup link instead.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// administrator, editor, author or contributor.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Change an account's role.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// Disable an account and end its sessions.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Print a one-time link that sets a new password.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}
