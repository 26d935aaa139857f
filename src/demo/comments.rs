//! Generated reader comments, labelled: the conversation under demo articles, and the spam and
//! ham the classifier is trained and measured on. Written by the project's own generator; the
//! two kinds share vocabulary on purpose (spam praises, readers link), so the measure means
//! something.

use rand::seq::IndexedRandom;

use crate::comments::spam::{self, Arrival, Submission};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone)]
pub struct GeneratedComment {
    pub name: String,
    pub email: String,
    pub url: String,
    pub body: String,
    pub user_agent: String,
    pub accept_language: bool,
    pub referer: bool,
    pub fill_seconds: Option<i64>,
    pub spam: bool,
}

const FIRST: &[&str] = &[
    "Maria", "James", "Aiko", "Tomasz", "Priya", "Daniel", "Fatima", "Oliver", "Chen", "Grace",
    "Mateo", "Ingrid", "Kwame", "Sofia", "Liam", "Nadia", "Henrik", "Rosa", "Samuel", "Leila",
];
const LAST: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Brennan",
    "Castillo",
    "Novak",
    "Haddad",
    "Byrne",
    "Iyer",
    "Kowalski",
    "Mensah",
    "Fischer",
    "Duarte",
    "Walsh",
    "Sato",
    "Petrov",
    "Quinn",
];
const MAIL: &[&str] = &[
    "mail.example",
    "post.example",
    "inbox.example",
    "fastmail.example",
    "uni.example",
];
const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
];
const SCRIPTS: &[&str] = &[
    "",
    "python-requests/2.31",
    "curl/8.5.0",
    "Go-http-client/1.1",
];

const HAM_OPENERS: &[&str] = &[
    "I think the piece misses one point.",
    "Thanks for a clear explanation.",
    "Great article, though I would push back on the conclusion.",
    "As someone who works in this field, this rings true.",
    "Interesting, but the figures deserve a closer look.",
    "My town went through exactly this last year.",
    "I'm not convinced.",
    "Good reporting.",
    "This is the first account I've read that explains the timing.",
    "Worth reading alongside last week's analysis.",
];
const HAM_SUBJECTS: &[&str] = &[
    "the council's budget",
    "the interest rate decision",
    "the new rail timetable",
    "the minister's statement",
    "the quarterly figures",
    "the hospital waiting lists",
    "the coach's selection",
    "the research team's findings",
    "the housing plan",
    "the union's offer",
    "the trade figures",
    "the election turnout",
    "the school funding formula",
];
const HAM_CLAIMS: &[&str] = &[
    "will hit smaller towns hardest",
    "depends on assumptions nobody has tested",
    "was announced without asking the people it affects",
    "looks better on paper than it will in practice",
    "has been tried before, with mixed results",
    "deserves more scrutiny than it is getting",
    "could work if the funding lasts beyond two years",
    "ignores what happened in the neighbouring region",
];
const HAM_CLOSERS: &[&str] = &[
    "Would be good to see a follow-up.",
    "Does anyone know when the consultation closes?",
    "I'd like to hear from the other side too.",
    "Keep it up.",
    "Curious what others think.",
    "",
    "",
];
const HAM_LINKS: &[&str] = &[
    "https://www.ons.example/releases/latest",
    "https://council.example/minutes/2026-05",
    "https://en.wikipedia.example/wiki/Rail_transport",
    "https://journal.example/doi/10.1000/xyz123",
];

const SPAM_PITCHES: &[&str] = &[
    "Buy cheap viagra and cialis online without prescription, discreet shipping",
    "Best online casino bonus: 200 free spins, instant withdrawal, play now",
    "Earn $5000 a week from home with our crypto trading bot, guaranteed profit",
    "Replica watches and designer handbags at 90% off, limited stock",
    "Fast payday loans approved in minutes, no credit check",
    "Boost your website ranking with high quality backlinks, cheap SEO packages",
    "Hot singles in your area want to meet you tonight",
    "Claim your free bitcoin airdrop before it ends",
    "Lose 20 pounds in 2 weeks with this one weird keto pill",
    "Watch the latest movies free in HD, no registration",
];
const SPAM_PRAISE: &[&str] = &[
    "Great post! Very informative.",
    "Nice article, thanks for sharing this useful information.",
    "I really like your blog, keep up the good work.",
    "Wow, amazing content. I have bookmarked your site.",
    "Hello admin, your article is very helpful for me.",
    "Thanks for the great article.",
];
const SPAM_NAMES: &[&str] = &[
    "Best CBD Oil",
    "cheap flights",
    "SEO Expert",
    "Casino Online",
    "Crypto King",
    "buy viagra",
    "Payday Loans UK",
    "Replica Rolex",
];
const SPAM_DOMAINS: &[&str] = &[
    "cheap-pills.example",
    "bestcasino.example",
    "crypto-profit.example",
    "replica-shop.example",
    "fastloans.example",
    "seo-links.example",
    "bit.example",
    "movies-free.example",
];

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

fn person(rng: &mut ChaCha8Rng) -> (String, String) {
    let first = pick(rng, FIRST);
    let last = pick(rng, LAST);
    let email = format!(
        "{}.{}{}@{}",
        first.to_lowercase(),
        last.to_lowercase(),
        rng.random_range(1..99),
        pick(rng, MAIL)
    );
    (format!("{first} {last}"), email)
}

/// A reader's comment: an opinion on a subject, sometimes with a source.
pub fn ham(rng: &mut ChaCha8Rng) -> GeneratedComment {
    let (name, email) = person(rng);
    let opener = if rng.random_bool(0.15) {
        pick(rng, SPAM_PRAISE)
    } else {
        pick(rng, HAM_OPENERS)
    };
    let mut body = format!(
        "{} I think {} {}.",
        opener,
        pick(rng, HAM_SUBJECTS),
        pick(rng, HAM_CLAIMS)
    );
    if rng.random_bool(0.5) {
        body.push_str(&format!(
            " And {} {}.",
            pick(rng, HAM_SUBJECTS),
            pick(rng, HAM_CLAIMS)
        ));
    }
    if rng.random_bool(0.15) {
        body.push_str(&format!(" The source is here: {}", pick(rng, HAM_LINKS)));
    }
    let closer = pick(rng, HAM_CLOSERS);
    if !closer.is_empty() {
        body.push_str("\n\n");
        body.push_str(closer);
    }
    GeneratedComment {
        url: if rng.random_bool(0.15) {
            format!(
                "https://{}.blog.example",
                name.split(' ').next().unwrap_or("me").to_lowercase()
            )
        } else {
            String::new()
        },
        name,
        email,
        body,
        user_agent: pick(rng, BROWSERS).to_string(),
        accept_language: rng.random_bool(0.97),
        referer: rng.random_bool(0.9),
        fill_seconds: if rng.random_bool(0.1) {
            None
        } else {
            Some(rng.random_range(20..900))
        },
        spam: false,
    }
}

/// Spam: a pitch with links, or empty praise whose link hides in the website field; one in six
/// dresses up as a reader's comment, and some of those carry no link at all.
pub fn spam(rng: &mut ChaCha8Rng) -> GeneratedComment {
    if rng.random_bool(1.0 / 6.0) {
        return disguised_spam(rng);
    }
    let domain = pick(rng, SPAM_DOMAINS);
    let praise_only = rng.random_bool(0.35);
    let body = if praise_only {
        pick(rng, SPAM_PRAISE).to_string()
    } else {
        let mut b = format!("{}. ", pick(rng, SPAM_PITCHES));
        if rng.random_bool(0.4) {
            b = format!("{} {b}", pick(rng, SPAM_PRAISE));
        }
        for _ in 0..rng.random_range(1..=3) {
            b.push_str(&format!(" https://{domain}/{}", rng.random_range(100..999)));
        }
        b
    };
    let name = if rng.random_bool(0.5) {
        pick(rng, SPAM_NAMES).to_string()
    } else {
        person(rng).0
    };
    let human_like = rng.random_bool(0.4);
    GeneratedComment {
        email: format!(
            "{}{}@{}",
            pick(rng, &["promo", "info", "sales", "win"]),
            rng.random_range(1..9999),
            domain
        ),
        url: format!("https://{domain}/"),
        name,
        body,
        user_agent: if human_like {
            pick(rng, BROWSERS)
        } else {
            pick(rng, SCRIPTS)
        }
        .to_string(),
        accept_language: human_like,
        referer: human_like && rng.random_bool(0.5),
        fill_seconds: if human_like {
            Some(rng.random_range(4..60))
        } else {
            None
        },
        spam: true,
    }
}

/// Spam written to pass as a reader: a borrowed opinion, a real-looking person and browser.
fn disguised_spam(rng: &mut ChaCha8Rng) -> GeneratedComment {
    let mut reader = ham(rng);
    if rng.random_bool(0.6) {
        reader.body.push_str(&format!(
            " More here: https://{}/{}",
            pick(rng, SPAM_DOMAINS),
            rng.random_range(100..999)
        ));
    }
    reader.spam = true;
    reader
}

/// `n` comments from `seed`, half of them spam, interleaved.
pub fn labelled(seed: u64, n: usize) -> Vec<GeneratedComment> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                ham(&mut rng)
            } else {
                spam(&mut rng)
            }
        })
        .collect()
}

impl GeneratedComment {
    /// The classifier's features of this comment, as if it had been posted.
    pub fn features(&self) -> Vec<String> {
        spam::features(&Submission {
            name: &self.name,
            email: &self.email,
            url: &self.url,
            body: &self.body,
            arrival: &self.arrival(),
        })
    }

    pub fn arrival(&self) -> Arrival {
        Arrival {
            user_agent: self.user_agent.clone(),
            accept_language: self.accept_language,
            referer: self.referer,
            fill_seconds: self.fill_seconds,
        }
    }
}
