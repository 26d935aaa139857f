//! The local spam classifier: naive Bayes over the features of a comment — its words, the
//! domains it links to, the shape of its text and how it was sent — trained only by this site's
//! moderators marking comments as spam or not spam. No text leaves the server.
//!
//! Each comment counts once per feature it has (document frequency), so a word repeated fifty
//! times weighs no more than once. A comment is scored from the 25 features whose spam and ham
//! frequencies differ most, each smoothed with half a document so unseen combinations never give
//! certainty, with even priors so that a site which has marked more spam than ham does not lean
//! every new comment towards spam. Until moderators have marked at least five comments each way
//! the classifier abstains.

use std::collections::{BTreeSet, HashMap};

use super::text;

/// Features that weigh most decide a score; the rest are noise.
const STRONGEST: usize = 25;
/// Distinct words read from a comment: enough for any real comment, and a bound on what one
/// 64 KB body of made-up words costs in look-ups and in training.
const MAX_WORDS: usize = 1_000;
/// Training each way below this leaves the classifier silent.
pub const MIN_TRAINING: i64 = 5;

/// How a comment arrived, as far as the classifier cares.
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    pub user_agent: String,
    pub accept_language: bool,
    pub referer: bool,
    /// Seconds between showing the form and sending it, when the form said.
    pub fill_seconds: Option<i64>,
}

pub struct Submission<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    pub arrival: &'a Arrival,
}

/// The distinct features of a comment, sorted.
pub fn features(s: &Submission<'_>) -> Vec<String> {
    let mut set = BTreeSet::new();
    for word in words(s.body) {
        if set.len() >= MAX_WORDS {
            break;
        }
        set.insert(format!("w:{word}"));
    }
    for word in words(s.name) {
        set.insert(format!("n:{word}"));
    }
    let links = text::links(s.body);
    for link in &links {
        set.insert(format!("link:{}", domain(link)));
    }
    set.insert(format!("f:links={}", links.len().min(3)));
    if !s.url.is_empty() {
        set.insert("f:url".into());
        set.insert(format!("url:{}", domain(s.url)));
    }
    if let Some((_, d)) = s.email.rsplit_once('@') {
        set.insert(format!("email:{}", d.to_lowercase()));
    }
    if s.name.contains("http") || s.name.contains("www.") {
        set.insert("f:name-link".into());
    }
    let chars = s.body.chars().count();
    let length = match chars {
        0..=20 => "tiny",
        21..=80 => "short",
        81..=400 => "medium",
        _ => "long",
    };
    set.insert(format!("f:len={length}"));
    let letters: Vec<char> = s.body.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    if letters.len() >= 12 && upper * 2 > letters.len() {
        set.insert("f:shouting".into());
    }
    if s.body.matches('!').count() >= 3 {
        set.insert("f:exclaims".into());
    }
    let a = s.arrival;
    if a.user_agent.trim().is_empty() {
        set.insert("f:no-agent".into());
    } else if ["curl", "python", "wget", "bot", "go-http", "java/"]
        .iter()
        .any(|b| a.user_agent.to_lowercase().contains(b))
    {
        set.insert("f:script-agent".into());
    }
    if !a.accept_language {
        set.insert("f:no-language".into());
    }
    if !a.referer {
        set.insert("f:no-referer".into());
    }
    match a.fill_seconds {
        None => set.insert("f:no-form-stamp".into()),
        Some(s) if s < 15 => set.insert("f:fill<15s".into()),
        Some(_) => set.insert("f:fill-ok".into()),
    };
    set.into_iter().collect()
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| (2..=24).contains(&w.chars().count()))
}

fn domain(link: &str) -> String {
    let rest = link.split_once("://").map_or(link, |(_, r)| r);
    let host = rest.split(['/', '?', '#', ':']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host).to_lowercase();
    host.strip_prefix("www.").unwrap_or(&host).to_string()
}

/// What moderators have taught: how many comments were marked each way, and per feature how many
/// of those had it.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub spam_docs: i64,
    pub ham_docs: i64,
    pub tokens: HashMap<String, (i64, i64)>,
}

impl Model {
    /// Counts one labelled comment, as a moderator's decision does in the database.
    pub fn learn(&mut self, features: &[String], spam: bool) {
        if spam {
            self.spam_docs += 1;
        } else {
            self.ham_docs += 1;
        }
        for f in features {
            let counts = self.tokens.entry(f.clone()).or_default();
            if spam {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
    }
}

/// How well the classifier separates a labelled set at a threshold.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measure {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub true_negatives: usize,
}

impl Measure {
    /// Of the comments called spam, the share that were.
    pub fn precision(&self) -> f64 {
        let called = self.true_positives + self.false_positives;
        if called == 0 {
            1.0
        } else {
            self.true_positives as f64 / called as f64
        }
    }

    /// Of the spam, the share caught.
    pub fn recall(&self) -> f64 {
        let spam = self.true_positives + self.false_negatives;
        if spam == 0 {
            1.0
        } else {
            self.true_positives as f64 / spam as f64
        }
    }
}

/// Scores each of `labelled` (features, is spam) against `model`, calling spam at `percent`.
pub fn measure(model: &Model, labelled: &[(Vec<String>, bool)], percent: i64) -> Measure {
    let mut m = Measure::default();
    for (features, is_spam) in labelled {
        let called = score(features, model).is_some_and(|v| v.percent() >= percent);
        match (called, *is_spam) {
            (true, true) => m.true_positives += 1,
            (true, false) => m.false_positives += 1,
            (false, true) => m.false_negatives += 1,
            (false, false) => m.true_negatives += 1,
        }
    }
    m
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The probability, 0–1, that the comment is spam.
    pub probability: f64,
    /// The features that pushed hardest, with their weight (positive: towards spam).
    pub signs: Vec<(String, f64)>,
}

impl Verdict {
    pub fn percent(&self) -> i64 {
        (self.probability * 100.0).round() as i64
    }

    /// The reason a moderator reads: the score and its three strongest signs.
    pub fn explain(&self) -> String {
        let signs: Vec<String> = self
            .signs
            .iter()
            .take(3)
            .map(|(f, w)| format!("{f} ({w:+.1})"))
            .collect();
        format!(
            "classifier: {}% spam; strongest signs: {}",
            self.percent(),
            signs.join(", ")
        )
    }
}

/// Scores `features` against `model`, or `None` while the model knows too little.
pub fn score(features: &[String], model: &Model) -> Option<Verdict> {
    if model.spam_docs < MIN_TRAINING || model.ham_docs < MIN_TRAINING {
        return None;
    }
    let spam_docs = model.spam_docs as f64 + 1.0;
    let ham_docs = model.ham_docs as f64 + 1.0;
    let mut weights: Vec<(String, f64)> = features
        .iter()
        .filter_map(|f| {
            let &(spam, ham) = model.tokens.get(f)?;
            if spam + ham == 0 {
                return None;
            }
            let p_spam = (spam as f64 + 0.5) / spam_docs;
            let p_ham = (ham as f64 + 0.5) / ham_docs;
            Some((f.clone(), (p_spam / p_ham).ln()))
        })
        .collect();
    weights.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    weights.truncate(STRONGEST);
    let sum: f64 = weights.iter().map(|(_, w)| w).sum();
    let probability = 1.0 / (1.0 + (-sum.clamp(-50.0, 50.0)).exp());
    Some(Verdict {
        probability,
        signs: weights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission<'a>(body: &'a str, arrival: &'a Arrival) -> Submission<'a> {
        Submission {
            name: "Ann",
            email: "ann@mail.example",
            url: "",
            body,
            arrival,
        }
    }

    #[test]
    fn features_cover_words_links_shape_and_arrival() {
        let arrival = Arrival::default();
        let f = features(&submission(
            "Cheap pills at https://www.pills.example/buy NOW!!!",
            &arrival,
        ));
        for expected in [
            "w:cheap",
            "link:pills.example",
            "f:links=1",
            "email:mail.example",
            "f:no-agent",
            "f:no-form-stamp",
            "f:exclaims",
            "n:ann",
        ] {
            assert!(f.iter().any(|x| x == expected), "{expected} in {f:?}");
        }
    }

    #[test]
    fn a_body_of_made_up_words_gives_a_bounded_number_of_features() {
        let arrival = Arrival::default();
        let body: String = (0..20_000).map(|i| format!("w{i:x} ")).collect();
        let f = features(&submission(&body, &arrival));
        let words = f.iter().filter(|x| x.starts_with("w:")).count();
        assert_eq!(words, MAX_WORDS);
    }

    #[test]
    fn abstains_untrained_and_learns_from_examples() {
        let mut model = Model::default();
        let features = vec!["w:casino".to_string(), "w:bonus".to_string()];
        assert_eq!(score(&features, &model), None);
        model.spam_docs = 10;
        model.ham_docs = 10;
        model.tokens.insert("w:casino".into(), (9, 0));
        model.tokens.insert("w:bonus".into(), (6, 1));
        model.tokens.insert("w:council".into(), (0, 8));
        let spammy = score(&features, &model).unwrap();
        assert!(spammy.probability > 0.98, "{spammy:?}");
        assert_eq!(spammy.signs[0].0, "w:casino");
        assert!(
            spammy
                .explain()
                .starts_with("classifier: 99% spam; strongest signs: w:casino (+2.9)")
        );
        let hammy = score(&["w:council".to_string()], &model).unwrap();
        assert!(hammy.probability < 0.1, "{hammy:?}");
        let unknown = score(&["w:zebra".to_string()], &model).unwrap();
        assert!((unknown.probability - 0.5).abs() < 1e-9);
    }
}
