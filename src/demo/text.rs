//! The demo newsroom's words: headlines, standfirsts and bodies assembled from the project's
//! own phrase banks by a seeded generator. Nothing here is copied from real reporting; names of
//! companies and people are invented.

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

/// What makes one section's copy sound like that section.
pub struct Beat {
    pub actors: &'static [&'static str],
    pub moves: &'static [&'static str],
    pub objects: &'static [&'static str],
    pub pressures: &'static [&'static str],
    pub consequences: &'static [&'static str],
    pub experts: &'static [&'static str],
}

pub const BUSINESS: Beat = Beat {
    actors: &[
        "Northwind Holdings",
        "Castell Foods",
        "the Harbourline group",
        "Meridian Retail",
        "Orrin Logistics",
        "Kestrel Airways",
        "Bellweather Insurance",
        "Greywater Brewing",
    ],
    moves: &[
        "cuts",
        "raises",
        "delays",
        "doubles",
        "overhauls",
        "sells off",
        "freezes",
        "expands",
    ],
    objects: &[
        "its store network",
        "dividend payouts",
        "its hiring plans",
        "a flagship factory",
        "prices on staple goods",
        "its budget airline arm",
        "executive bonuses",
        "overseas operations",
    ],
    pressures: &[
        "margins come under pressure",
        "shoppers trade down",
        "freight costs climb again",
        "a takeover bid looms",
        "investors demand a clearer strategy",
        "wage bills rise",
    ],
    consequences: &[
        "could cost hundreds of jobs",
        "would lift profits by the end of next year",
        "is likely to be studied closely by rivals",
        "leaves suppliers facing a difficult winter",
        "marks a sharp break with the previous strategy",
    ],
    experts: &[
        "a retail analyst",
        "a supply-chain consultant",
        "a former finance director",
        "a pensions adviser",
    ],
};

pub const WORLD: Beat = Beat {
    actors: &[
        "the coastal republic",
        "the regional bloc",
        "the ruling coalition",
        "the border agency",
        "the foreign ministry",
        "the UN refugee office",
        "the island government",
        "the port authority",
    ],
    moves: &[
        "opens",
        "suspends",
        "reopens",
        "signs",
        "rejects",
        "extends",
        "renegotiates",
        "tightens",
    ],
    objects: &[
        "border crossings",
        "a grain corridor",
        "a water-sharing treaty",
        "visa rules",
        "a fisheries agreement",
        "talks on a ceasefire",
        "a disputed rail link",
        "emergency shelters",
    ],
    pressures: &[
        "floods displace thousands",
        "talks stall for a third week",
        "elections approach",
        "fuel shortages spread",
        "protests grow in the capital",
        "the harvest fails",
    ],
    consequences: &[
        "could reshape trade across the region",
        "raises fresh questions about the treaty",
        "was welcomed cautiously by neighbours",
        "may take months to implement",
        "has divided the governing coalition",
    ],
    experts: &[
        "a former ambassador",
        "a regional security researcher",
        "a humanitarian coordinator",
        "a trade negotiator",
    ],
};

pub const POLITICS: Beat = Beat {
    actors: &[
        "the White House",
        "the Senate majority leader",
        "the governor",
        "the House speaker",
        "the treasury secretary",
        "a bipartisan committee",
        "the city council",
        "the campaign",
    ],
    moves: &[
        "unveils",
        "abandons",
        "defends",
        "revives",
        "fast-tracks",
        "blocks",
        "rewrites",
        "pauses",
    ],
    objects: &[
        "a spending package",
        "the housing bill",
        "new ethics rules",
        "a tax credit for families",
        "the budget timetable",
        "plans for a border review",
        "a childcare subsidy",
        "voting-access reforms",
    ],
    pressures: &[
        "a shutdown deadline nears",
        "polls tighten",
        "donors grow restless",
        "a key vote slips",
        "party discipline frays",
        "an inquiry widens",
    ],
    consequences: &[
        "sets up a tense week on the Hill",
        "could define the campaign's final months",
        "drew immediate criticism from both wings",
        "leaves the measure's fate uncertain",
        "may end up in the courts",
    ],
    experts: &[
        "a congressional historian",
        "a former campaign strategist",
        "a political scientist",
        "a budget watchdog",
    ],
};

pub const TECHNOLOGY: Beat = Beat {
    actors: &[
        "Lumen Robotics",
        "the chip designer Vantablue",
        "Quillstack",
        "a cloud start-up",
        "Parallax Labs",
        "the app maker Tidepool",
        "Ferrous Semiconductors",
        "an open-source foundation",
    ],
    moves: &[
        "launches",
        "recalls",
        "open-sources",
        "licenses",
        "pauses",
        "rebuilds",
        "prices",
        "ships",
    ],
    objects: &[
        "a smaller language model",
        "its new battery cell",
        "a privacy dashboard",
        "a rival to spreadsheet software",
        "its self-driving pilot",
        "a cheaper data-centre chip",
        "a developer toolkit",
        "a repair programme for phones",
    ],
    pressures: &[
        "regulators circle",
        "chip supplies tighten",
        "energy costs soar",
        "a security flaw surfaces",
        "subscribers drift away",
        "competition intensifies",
    ],
    consequences: &[
        "could reshape how small firms buy software",
        "raises questions about data retention",
        "is a bet that costs will keep falling",
        "puts pressure on larger rivals",
        "will be tested by a sceptical market",
    ],
    experts: &[
        "a security researcher",
        "a semiconductor analyst",
        "a digital-rights lawyer",
        "a former product manager",
    ],
};

pub const MARKETS: Beat = Beat {
    actors: &[
        "the bond market",
        "the central bank",
        "copper",
        "the dollar",
        "the regional banks index",
        "the yen",
        "crude oil",
        "the benchmark index",
    ],
    moves: &[
        "slides",
        "rallies",
        "steadies",
        "slips",
        "surges",
        "tumbles",
        "climbs",
        "holds firm",
    ],
    objects: &[
        "after the jobs report",
        "ahead of the rate decision",
        "on supply worries",
        "as yields fall",
        "on the inflation surprise",
        "after weak factory data",
        "as the currency weakens",
        "on takeover talk",
    ],
    pressures: &[
        "inflation proves sticky",
        "growth forecasts are trimmed",
        "volatility returns",
        "liquidity thins before the holiday",
        "earnings season begins",
        "rate-cut bets are pared",
    ],
    consequences: &[
        "left investors searching for direction",
        "pushed borrowing costs to a six-month high",
        "wiped billions off market values",
        "extended the longest winning streak this year",
        "revived talk of a soft landing",
    ],
    experts: &[
        "a fixed-income strategist",
        "a currency analyst",
        "a portfolio manager",
        "a commodities broker",
    ],
};

pub const OPINION: Beat = Beat {
    actors: &[
        "our cities",
        "the next government",
        "regulators",
        "employers",
        "the schools system",
        "local councils",
        "the courts",
        "voters",
    ],
    moves: &[
        "must rethink",
        "cannot ignore",
        "should embrace",
        "are right to question",
        "need to fix",
        "should stop subsidising",
        "deserve better than",
        "must protect",
    ],
    objects: &[
        "the four-day week",
        "the housing shortage",
        "public libraries",
        "the gig economy",
        "late-night transit",
        "the cost of childcare",
        "high-street banks",
        "the rules on lobbying",
    ],
    pressures: &[
        "the evidence keeps mounting",
        "budgets are squeezed",
        "trust is in short supply",
        "the old model is failing",
        "the next decade will be decided now",
    ],
    consequences: &[
        "is the test of a serious reform agenda",
        "would cost less than doing nothing",
        "is a question of basic fairness",
        "is overdue",
        "deserves a proper debate",
    ],
    experts: &[
        "a columnist",
        "a former minister",
        "an economist",
        "a community organiser",
    ],
};

pub const SCIENCE: Beat = Beat {
    actors: &[
        "astronomers",
        "marine biologists",
        "climate researchers",
        "space agency scientists",
        "geneticists",
        "polar researchers",
        "physicists",
        "ecologists",
    ],
    moves: &[
        "map", "detect", "revive", "measure", "decode", "track", "confirm", "sample",
    ],
    objects: &[
        "a hidden ocean current",
        "signals from a distant galaxy",
        "the oldest known seeds",
        "glacier melt in record detail",
        "a gene linked to drought resistance",
        "microplastics in deep-sea sediment",
        "a new class of exoplanet",
        "coral recovery on a damaged reef",
    ],
    pressures: &[
        "funding tightens",
        "the data surprise sceptics",
        "warming accelerates",
        "a decade of observations ends",
        "instruments age",
    ],
    consequences: &[
        "could change climate models",
        "opens a new line of research",
        "will need to be replicated",
        "offers rare good news for the reef",
        "challenges a long-held assumption",
    ],
    experts: &[
        "an oceanographer",
        "a planetary scientist",
        "a plant geneticist",
        "a glaciologist",
    ],
};

pub const SPORT: Beat = Beat {
    actors: &[
        "the league leader",
        "the national side",
        "the veteran captain",
        "the promoted club",
        "the defending champion",
        "a teenage sprinter",
        "the home team",
        "the new coach",
    ],
    moves: &[
        "edges",
        "overturns",
        "extends",
        "seals",
        "stumbles in",
        "dominates",
        "salvages",
        "clinches",
    ],
    objects: &[
        "a dramatic derby",
        "an unbeaten run",
        "a place in the final",
        "the title race",
        "a late equaliser",
        "a record-breaking relay",
        "the opening test",
        "a rain-hit qualifier",
    ],
    pressures: &[
        "injuries mount",
        "the crowd turns",
        "the transfer window opens",
        "the schedule congests",
        "the pressure tells",
    ],
    consequences: &[
        "keeps the title race alive",
        "leaves the manager under scrutiny",
        "sets up a decisive final weekend",
        "was the performance of the season",
        "will be remembered for years",
    ],
    experts: &[
        "a former international",
        "a sports-science coach",
        "a veteran commentator",
        "a club historian",
    ],
};

const FIRST_NAMES: &[&str] = &[
    "Amara", "Tomas", "Ingrid", "Rafael", "Nadia", "Kofi", "Helena", "Jun", "Priya", "Mateo",
    "Saoirse", "Dmitri", "Leila", "Oskar", "Yara", "Callum",
];
const SURNAMES: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Castellanos",
    "Hartmann",
    "Nakamura",
    "Brennan",
    "Achterberg",
    "Varga",
    "Delacroix",
    "Mensah",
    "Whitlock",
    "Sorensen",
    "Iyer",
    "Kowalczyk",
    "Fairbairn",
];
const WEEKDAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const SOURCES: &[&str] = &[
    "figures published this week",
    "an internal memo seen by this newspaper",
    "people familiar with the matter",
    "a report by an independent watchdog",
    "official data",
    "a survey of 2,000 adults",
];
const REACTIONS: &[&str] = &[
    "cautious optimism",
    "open frustration",
    "quiet relief",
    "sharp criticism",
    "guarded support",
    "scepticism",
];
const SUBHEADS: &[&str] = &[
    "What happens next",
    "The bigger picture",
    "Why it matters",
    "A long road",
    "The numbers",
    "Reaction",
];

fn pick<'a>(rng: &mut ChaCha8Rng, items: &'a [&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or("")
}

pub fn person(rng: &mut ChaCha8Rng) -> String {
    format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, SURNAMES))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A story's subject: one of its beat's actors, whom the headline names and most of the body
/// is about. Stories on one topic are what related articles should find.
pub fn topic(rng: &mut ChaCha8Rng, beat: &Beat) -> &'static str {
    pick(rng, beat.actors)
}

pub fn headline(rng: &mut ChaCha8Rng, beat: &Beat, topic: &str) -> String {
    let actor = capitalise(topic);
    let action = pick(rng, beat.moves);
    let object = pick(rng, beat.objects);
    match rng.random_range(0..4) {
        0 => format!("{actor} {action} {object} as {}", pick(rng, beat.pressures)),
        1 => format!("{actor} {action} {object}"),
        2 => format!("Analysis: {topic} {action} {object}"),
        _ => format!(
            "{actor} {action} {object}, in a move that {}",
            pick(rng, beat.consequences)
        ),
    }
}

pub fn standfirst(rng: &mut ChaCha8Rng, beat: &Beat) -> String {
    format!(
        "The decision comes as {}, and {}.",
        pick(rng, beat.pressures),
        pick(rng, beat.consequences)
    )
}

/// Sentence forms are dealt from a shuffled deck, so one article does not repeat a form until it
/// has used them all.
struct Deck(Vec<usize>);

impl Deck {
    fn deal(&mut self, rng: &mut ChaCha8Rng) -> usize {
        if self.0.is_empty() {
            self.0 = (0..SENTENCE_FORMS).collect();
            self.0.shuffle(rng);
        }
        self.0.pop().unwrap_or(0)
    }
}

const SENTENCE_FORMS: usize = 13;

/// Share of a body's sentences about the story's topic; the others name the beat's other actors.
const ON_TOPIC: f64 = 0.6;

fn sentence(rng: &mut ChaCha8Rng, beat: &Beat, topic: &str, deck: &mut Deck) -> String {
    let who = if rng.random_bool(ON_TOPIC) {
        topic
    } else {
        pick(rng, beat.actors)
    };
    match deck.deal(rng) {
        0 => format!(
            "{} said on {} that the plan {}.",
            capitalise(who),
            pick(rng, WEEKDAYS),
            pick(rng, beat.consequences)
        ),
        1 => format!(
            "The announcement follows months in which {}.",
            pick(rng, beat.pressures)
        ),
        2 => format!(
            "According to {}, {} per cent of those asked expected the change to reach them within a year, up from {} per cent last spring.",
            pick(rng, SOURCES),
            rng.random_range(21..78),
            rng.random_range(9..40)
        ),
        3 => format!(
            "{}, {}, said the episode {}.",
            person(rng),
            pick(rng, beat.experts),
            pick(rng, beat.consequences)
        ),
        4 => format!(
            "The response so far has been one of {}.",
            pick(rng, REACTIONS)
        ),
        5 => format!(
            "Critics argue that {} {} too quickly, while supporters say the timing is right because {}.",
            who,
            pick(rng, beat.moves),
            pick(rng, beat.pressures)
        ),
        6 => format!(
            "It is the {} such move in {} years, and the first since {}.",
            ["second", "third", "fourth", "largest"][rng.random_range(0..4)],
            rng.random_range(2..15),
            pick(rng, beat.pressures)
        ),
        7 => format!(
            "Officials declined to give a figure, but estimates range from {} million to {} million.",
            rng.random_range(12..90),
            rng.random_range(100..900)
        ),
        8 => {
            let expert = pick(rng, beat.experts);
            let bare = expert
                .strip_prefix("an ")
                .or_else(|| expert.strip_prefix("a "))
                .unwrap_or(expert);
            format!("One {bare} conceded in private that the timetable is ambitious.")
        }
        9 => format!(
            "{} pointed to {} as evidence that {}.",
            person(rng),
            pick(rng, SOURCES),
            pick(rng, beat.pressures)
        ),
        10 => format!(
            "A decision on {} is expected within {} weeks.",
            pick(rng, beat.objects),
            rng.random_range(2..9)
        ),
        11 => format!(
            "“We have been here before,” said {}, {}. “The difference this time is that {}.”",
            person(rng),
            pick(rng, beat.experts),
            pick(rng, beat.pressures)
        ),
        _ => format!(
            "For now, attention turns to {} and whether {} can hold.",
            pick(rng, beat.objects),
            pick(rng, beat.actors)
        ),
    }
}

fn paragraph(rng: &mut ChaCha8Rng, beat: &Beat, topic: &str, deck: &mut Deck) -> String {
    let n = rng.random_range(2..5);
    (0..n)
        .map(|_| sentence(rng, beat, topic, deck))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(rng: &mut ChaCha8Rng, beat: &Beat) -> String {
    format!(
        "“Nobody should pretend this is simple. It {}.”",
        pick(rng, beat.consequences)
    )
}

/// A body in Markdown: paragraphs, a pull quote, sometimes a subhead, and links to the section
/// front, a topic page and an outside source.
pub fn body(
    rng: &mut ChaCha8Rng,
    beat: &Beat,
    topic: &str,
    section: (&str, &str),
    tag: Option<(&str, &str)>,
) -> String {
    let paragraphs = rng.random_range(6..11);
    let quote_at = rng.random_range(2..4);
    let subhead_at = (rng.random_bool(0.5)).then(|| rng.random_range(4..paragraphs));
    let mut out = Vec::new();
    let mut deck = Deck(Vec::new());
    for i in 0..paragraphs {
        if Some(i) == subhead_at {
            out.push(format!("## {}", pick(rng, SUBHEADS)));
        }
        let mut p = paragraph(rng, beat, topic, &mut deck);
        if i == 1 {
            p.push_str(&format!(" [More from {}](/{}).", section.0, section.1));
        }
        if i == paragraphs - 1
            && let Some((name, slug)) = tag
        {
            p.push_str(&format!(" Read our coverage of [{name}](/tag/{slug})."));
        }
        out.push(p);
        if i == quote_at {
            out.push(format!("> {}", quote(rng, beat)));
        }
    }
    out.push(format!(
        "*Additional reporting by {}. The full report is published at [example.org](https://example.org/reports/{}).*",
        person(rng),
        rng.random_range(1000..9999)
    ));
    out.join("\n\n")
}

pub fn caption(rng: &mut ChaCha8Rng) -> (String, String, String) {
    let place = pick(
        rng,
        &[
            "the valley",
            "the ridge line",
            "the northern hills",
            "the coast road",
            "the old quarry",
            "the reservoir",
        ],
    );
    let time = pick(
        rng,
        &[
            "at dawn",
            "at dusk",
            "on Tuesday",
            "last week",
            "in early spring",
            "after the storm",
        ],
    );
    (
        format!("Hills above {place} {time}"),
        format!("A view across {place} {time}."),
        format!("Photograph: {}", person(rng)),
    )
}

pub fn bio(rng: &mut ChaCha8Rng, beat_name: &str) -> String {
    format!(
        "Covers {} for Broadsheet. Previously reported from {} for {} years.",
        beat_name.to_lowercase(),
        pick(
            rng,
            &[
                "Lisbon", "Nairobi", "Chicago", "Seoul", "Berlin", "Santiago"
            ]
        ),
        rng.random_range(3..19)
    )
}

/// The demo newsroom's standing pages.
pub const ABOUT: &str = "<p>The Broadsheet Ledger is an independent newsroom covering business, \
politics, science and culture. Our reporters work from the city and from the places the news \
happens.</p><h2>Our standards</h2><p>We check what we publish, name our sources where we can, \
and correct our mistakes openly.</p>";

pub const CONTACT: &str = "<p>Send news tips to <a href=\"mailto:tips@ledger.example\">\
tips@ledger.example</a>, letters to the editor to \
<a href=\"mailto:letters@ledger.example\">letters@ledger.example</a>.</p>";

pub const CORRECTIONS: &str = "<p>When we get something wrong we say so, at the foot of the \
story, with the date of the correction. To report an error, write to \
<a href=\"mailto:corrections@ledger.example\">corrections@ledger.example</a>.</p>";

pub const TERMS: &str = "<p>You may share links to our stories freely. Our articles, \
photographs and graphics are copyright of The Broadsheet Ledger unless stated otherwise.</p>";
