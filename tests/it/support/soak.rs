//! The soak's traffic: many readers at once, for a while, with the mix a news site sees — pages
//! (85 %), pictures at the theme's widths and now and then one never rendered before (8 %),
//! search (2 %),
//! API reads (3 %: Broadsheet's JSON API, WordPress's and Ghost's), and comment and newsletter
//! forms (2 %). It counts, by kind, answers and their latency, and every error: a 5xx, a broken
//! connection, or a 4xx a reader would not get by design (a form refused by its rules is by
//! design). Shared by `tests/it/soak.rs` (a minute in CI) and `benches/soak.rs` (bench/soak.sh).
//! Standalone on purpose: the bench includes this file by path. The server must be started with
//! `--trusted-proxies 127.0.0.1`: each reader sends an address of its own.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What the readers ask for.
pub struct Targets {
    pub base: String,
    pub pages: Vec<String>,
    /// Image addresses without a width; a width is added per request.
    pub images: Vec<String>,
    pub article_ids: Vec<i64>,
    pub api_token: String,
    pub ghost_key: String,
    /// How often a never-rendered width is asked for.
    pub cold_every: Duration,
    /// When the last never-rendered width was asked for.
    pub last_cold: Mutex<Option<Instant>>,
}

impl Targets {
    /// Whether it is time for the next cold variant (and if so, it is taken).
    fn cold_due(&self) -> bool {
        let mut last = self.last_cold.lock().expect("the cold clock");
        if last.is_some_and(|at| at.elapsed() < self.cold_every) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Page,
    Image,
    Search,
    Api,
    Form,
}

#[derive(Debug, Default)]
pub struct Tally {
    pub answers: u64,
    pub latencies_us: Vec<u64>,
}

impl Tally {
    /// The latency below which `share` of the answers came, in milliseconds.
    pub fn percentile_ms(&self, share: f64) -> f64 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return 0.0;
        }
        let at = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[at] as f64 / 1000.0
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub kinds: BTreeMap<Kind, Tally>,
    /// Each error: what was asked and what came back.
    pub errors: Vec<String>,
}

impl Report {
    pub fn answers(&self) -> u64 {
        self.kinds.values().map(|t| t.answers).sum()
    }

    /// One line per kind: answers, p50 and p99.
    pub fn lines(&self) -> Vec<String> {
        self.kinds
            .iter()
            .map(|(kind, t)| {
                format!(
                    "{kind:?}: {} answers, p50 {:.1} ms, p99 {:.1} ms",
                    t.answers,
                    t.percentile_ms(0.5),
                    t.percentile_ms(0.99)
                )
            })
            .collect()
    }
}

/// Reads the site's own pages for addresses to ask for: the home page's stories, sections and
/// pictures, the API's published article ids. A never-rendered picture width is asked for once
/// every `cold_every`.
pub async fn discover(
    base: &str,
    api_token: &str,
    ghost_key: &str,
    cold_every: Duration,
) -> Targets {
    let client = reqwest::Client::new();
    let home = client
        .get(format!("{base}/"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("the home page answers")
        .text()
        .await
        .expect("the home page reads");
    let mut pages = vec![
        "/".to_string(),
        "/feed/".to_string(),
        "/sitemap.xml".to_string(),
    ];
    let mut images = Vec::new();
    for part in home
        .split("href=\"")
        .skip(1)
        .chain(home.split("src=\"").skip(1))
    {
        let Some(target) = part.split('"').next() else {
            continue;
        };
        let target = target.replace("&amp;", "&");
        if target.starts_with("/images/v2/raw/") {
            let source = target.split('?').next().unwrap_or_default().to_string();
            if !images.contains(&source) {
                images.push(source);
            }
        } else if target.starts_with('/')
            && !target.starts_with("//")
            && !target.starts_with("/static/")
            && !target.starts_with("/admin")
            && !target.contains('#')
            && !pages.contains(&target)
        {
            pages.push(target);
        }
    }
    let listed = client
        .get(format!(
            "{base}/api/v1/articles?status=published&per_page=100"
        ))
        .bearer_auth(api_token)
        .send()
        .await
        .expect("the API answers")
        .bytes()
        .await
        .expect("the API lists articles");
    let listed: serde_json::Value = serde_json::from_slice(&listed).expect("JSON");
    let article_ids = listed
        .as_array()
        .or_else(|| listed["articles"].as_array())
        .or_else(|| listed["data"].as_array())
        .map(|list| list.iter().filter_map(|a| a["id"].as_i64()).collect())
        .unwrap_or_default();
    Targets {
        base: base.to_string(),
        pages,
        images,
        article_ids,
        api_token: api_token.to_string(),
        ghost_key: ghost_key.to_string(),
        cold_every,
        last_cold: Mutex::new(None),
    }
}

/// The widths the theme's `srcset`s offer.
const SRCSET_WIDTHS: &[u32] = &[320, 480, 640, 800, 1024, 1280, 1600];

/// Asks once for every picture at every srcset width, two at a time, as the first readers of a
/// new site would: what follows is the steady state.
pub async fn warm_up(targets: &Targets) {
    let client = reqwest::Client::new();
    let mut urls = Vec::new();
    for image in &targets.images {
        for width in SRCSET_WIDTHS {
            urls.push(format!(
                "{}{image}?width={width}&fit=scale-down&quality=high",
                targets.base
            ));
        }
    }
    for (n, pair) in urls.chunks(2).enumerate() {
        let asks = pair.iter().map(|url| {
            client
                .get(url)
                .header("x-forwarded-for", reader_address(n))
                .send()
        });
        for answer in futures_util::future::join_all(asks).await {
            let status = answer.map(|r| r.status().as_u16()).unwrap_or(0);
            assert_eq!(status, 200, "warming the pictures");
        }
    }
}

const WORDS: &[&str] = &[
    "budget",
    "election",
    "market",
    "storm",
    "court",
    "\"white house\"",
    "trade -tariff",
];

/// Runs `connections` readers against `targets` for `duration`.
pub async fn run(targets: Arc<Targets>, connections: usize, duration: Duration) -> Report {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(connections)
        .build()
        .expect("an HTTP client");
    let report = Arc::new(Mutex::new(Report::default()));
    let until = Instant::now() + duration;
    let readers: Vec<_> = (0..connections)
        .map(|n| {
            let (client, targets, report) = (client.clone(), targets.clone(), report.clone());
            tokio::spawn(async move {
                let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
                while Instant::now() < until {
                    let (kind, request, by_design) = pick(&client, &targets, &mut rng, n);
                    // Each reader has an address of its own, as behind a trusted proxy: the
                    // per-client limits (renders, comments, sign-ups) apply per reader.
                    let request = request.header("x-forwarded-for", reader_address(n));
                    let started = Instant::now();
                    let outcome = request.send().await;
                    let (status, error) = match outcome {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            match r.bytes().await {
                                Ok(_) => (status, None),
                                Err(e) => (status, Some(format!("body: {e}"))),
                            }
                        }
                        Err(e) => (0, Some(e.to_string())),
                    };
                    let took = started.elapsed();
                    let wrong = error.or_else(|| {
                        let fine = status < 400 || (by_design(status) && status < 500);
                        (!fine).then(|| format!("status {status}"))
                    });
                    let mut report = report.lock().expect("the report");
                    let tally = report.kinds.entry(kind).or_default();
                    tally.answers += 1;
                    tally.latencies_us.push(took.as_micros() as u64);
                    if let Some(wrong) = wrong {
                        report.errors.push(format!("{kind:?}: {wrong}"));
                    }
                }
            })
        })
        .collect();
    for reader in readers {
        reader.await.expect("a reader");
    }
    Arc::try_unwrap(report)
        .map(|m| m.into_inner().expect("the report"))
        .unwrap_or_default()
}

/// The address reader `n` comes from (the server must trust the loopback proxy).
fn reader_address(n: usize) -> String {
    format!("198.51.{}.{}", 100 + n / 250, n % 250 + 1)
}

type ByDesign = fn(u16) -> bool;

/// A form may be refused by its rules (too fast, too many from one address, held): 4xx by
/// design. Nothing else may answer 4xx.
fn form_refusal(status: u16) -> bool {
    matches!(status, 400 | 403 | 409 | 422 | 429)
}

fn never(_: u16) -> bool {
    false
}

fn pick(
    client: &reqwest::Client,
    t: &Targets,
    rng: &mut ChaCha8Rng,
    reader: usize,
) -> (Kind, reqwest::RequestBuilder, ByDesign) {
    let base = &t.base;
    let roll = rng.random_range(0..1000);
    if roll < 850 || (roll < 930 && t.images.is_empty()) {
        let page = &t.pages[rng.random_range(0..t.pages.len())];
        return (Kind::Page, client.get(format!("{base}{page}")), never);
    }
    if roll < 930 {
        let image = &t.images[rng.random_range(0..t.images.len())];
        // Mostly the widths of the pages' srcsets, as browsers ask; now and then another width,
        // which nobody asked for before: a cold variant, rendered while the reader waits (a
        // steady trickle, as new stories and sizes arrive, not a render flood).
        let width = if t.cold_due() {
            rng.random_range(100..=1600)
        } else {
            SRCSET_WIDTHS[rng.random_range(0..SRCSET_WIDTHS.len())]
        };
        let url = format!("{base}{image}?width={width}&fit=scale-down&quality=high");
        return (Kind::Image, client.get(url), never);
    }
    if roll < 950 {
        let words = WORDS[rng.random_range(0..WORDS.len())];
        let url = format!(
            "{base}/search?q={}",
            words.replace(' ', "+").replace('"', "%22")
        );
        return (Kind::Search, client.get(url), never);
    }
    if roll < 980 {
        let request = match roll % 3 {
            0 => client
                .get(format!("{base}/api/v1/articles?per_page=10"))
                .bearer_auth(&t.api_token),
            1 => client.get(format!("{base}/wp-json/wp/v2/posts?per_page=10")),
            _ => client.get(format!(
                "{base}/ghost/api/content/posts/?key={}&limit=10",
                t.ghost_key
            )),
        };
        return (Kind::Api, request, never);
    }
    let origin = base.clone();
    let form = if roll % 2 == 0 && !t.article_ids.is_empty() {
        let article = t.article_ids[rng.random_range(0..t.article_ids.len())];
        let fields = [
            ("comment_post_ID", article.to_string()),
            ("comment_parent", "0".into()),
            ("author", format!("Reader {reader}")),
            ("email", format!("reader{reader}@soak.example")),
            ("url", String::new()),
            (
                "comment",
                "A thoughtful reply about the story, kept short.".into(),
            ),
        ];
        form_post(client, format!("{base}/comments"), &fields)
    } else {
        let email = format!("soak{}@soak.example", rng.random_range(0..1_000_000));
        let fields = [("email", email), ("newsletter", "white-house-watch".into())];
        form_post(client, format!("{base}/newsletters/subscribe"), &fields)
    };
    let request = form
        .header("origin", origin)
        .header("sec-fetch-site", "same-origin");
    (Kind::Form, request, form_refusal)
}

fn form_post(
    client: &reqwest::Client,
    url: String,
    fields: &[(&str, String)],
) -> reqwest::RequestBuilder {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

/// A process's resident memory in kB and its open descriptors, from `/proc`.
pub fn resources(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    (rss, fds)
}
