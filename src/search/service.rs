//! Searching the index: readers' results and the desk's, related articles, snippets and
//! spelling suggestions. A reader's search sure to be short runs where it is asked; any other
//! runs on the CPU pool ([`crate::cpu`]), so that a burst of long ones cannot stall the async
//! threads.
//!
//! Ranking is BM25 over the weighted fields of [`super::matching`], multiplied for every match
//! by the recency factor of [`super::recency`]. The bonuses of [`Matcher::bonuses`] (words as
//! written, words together) then re-rank the [`RESCORED`] best (as search engines' "rescore"
//! does): looking them up for every match cost as much as the search itself.

use std::ops::Range;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, EnableScoring, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Order, Score, Searcher, TantivyDocument, Term};

use super::document::{self, Fields, Stored};
use super::index::{Live, SearchIndex};
use super::matching::{self, Matcher, tokens};
use super::passages::Highlighter;
use super::query::{self, Clause, Parsed};
use super::recency::{self, Recency};
use super::similar;
use super::top::{self, Lookup, Total};
use crate::db::Timestamp;
use crate::error::{AppError, AppResult};

/// The deepest result a query pages to: beyond it, ask a narrower question.
pub const MAX_RESULTS: usize = 1000;
const SNIPPET_CHARS: usize = 220;
/// How many of the best results the bonuses re-rank (more for a deeper page).
const RESCORED: usize = 20;
/// How far from an article's date related articles are looked for.
const RELATED_WINDOW_SECONDS: i64 = 180 * 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
}

/// Who searches, which decides what they may find.
#[derive(Debug, Clone)]
pub enum Audience {
    /// Readers find published articles whose time has come.
    Readers,
    /// The desk finds every status, or one, and only `owner`'s articles when given.
    Desk {
        status: Option<String>,
        owner: Option<i64>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub section: Option<i64>,
    pub author: Option<i64>,
    pub tag: Option<i64>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub query: String,
    pub filters: Filters,
    pub audience: Audience,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// The weight of recency in the ranking, 0 to 1.
    pub recency: f64,
    pub now: Timestamp,
}

impl Request {
    /// A reader's first ten results for `query` at `now`, without filters, with the default
    /// weight of recency.
    pub fn readers(query: String, now: Timestamp) -> Request {
        Request {
            query,
            filters: Filters::default(),
            audience: Audience::Readers,
            sort: Sort::Relevance,
            offset: 0,
            limit: 10,
            recency: f64::from(crate::site::settings::DEFAULT_SEARCH_RECENCY) / 100.0,
            now,
        }
    }
}

/// Text with the ranges (byte offsets) that matched the query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marked {
    pub text: String,
    pub marks: Vec<Range<usize>>,
    /// Whether text was cut before or after the fragment.
    pub cut_before: bool,
    pub cut_after: bool,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub id: i64,
    pub headline: Marked,
    pub snippet: Marked,
}

#[derive(Debug, Clone, Default)]
pub struct Results {
    pub total: usize,
    /// Whether `total` is an estimate (see [`top::COUNTED`]).
    pub total_estimated: bool,
    pub hits: Vec<Hit>,
    /// The query with unknown words replaced by the closest words the index knows, when
    /// nothing matched.
    pub suggestion: Option<String>,
    /// Whether the query had anything to look for.
    pub searched: bool,
}

fn not_ready() -> AppError {
    AppError::NotReady(
        "search is starting: the archive is being indexed. Please try again in a moment".into(),
    )
}

/// Runs `request`; an index still being built answers [`AppError::NotReady`].
pub async fn search(index: &SearchIndex, request: Request) -> AppResult<Results> {
    let live = index.live().ok_or_else(not_ready)?;
    if light(&live, &request)? {
        return search_now(&live, &request);
    }
    crate::cpu::run(move || search_now(&live, &request)).await?
}

/// The most postings a search run on the async thread may read, about a millisecond of a core
/// when every one is scored.
const LIGHT_POSTINGS: u64 = 100_000;
/// The deepest result such a search may page to: a deeper one re-ranks more matches.
const LIGHT_WINDOW: usize = 100;

/// Whether `request` is sure to be short: a reader's search without filters, on its first
/// pages, whose words' posting lists hold at most [`LIGHT_POSTINGS`] between them, with no
/// typo to look for. Such a search runs on the async thread that received it, as a page's
/// render does: handing it to the CPU pool and back cost two thread wake-ups, a fifth of the
/// throughput (bench/search.sh). Anything longer still waits for a core's turn there.
fn light(live: &Live, request: &Request) -> AppResult<bool> {
    Ok(postings(live, request)?.is_some_and(|n| n <= LIGHT_POSTINGS))
}

/// How many postings the words of a reader's search without filters, on its first pages,
/// read at most; `None` for any other search, and for one that looks for a typo (it reads the
/// postings of every word one edit away, which no count of its own terms shows).
fn postings(live: &Live, request: &Request) -> AppResult<Option<u64>> {
    let filters = &request.filters;
    let unfiltered = filters.section.is_none()
        && filters.author.is_none()
        && filters.tag.is_none()
        && filters.from.is_none()
        && filters.until.is_none();
    if !matches!(request.audience, Audience::Readers)
        || !unfiltered
        || request.offset.saturating_add(request.limit) > LIGHT_WINDOW
    {
        return Ok(None);
    }
    let searcher = live.reader.searcher();
    let known = |term: &Term| searcher.doc_freq(term).is_ok_and(|n| n > 0);
    let mut matcher = matcher(live, &known)?;
    let Some(text) = matcher.text_query(&query::parse(&request.query)) else {
        return Ok(Some(0));
    };
    if matcher.tolerates_typo {
        return Ok(None);
    }
    let mut postings = 0u64;
    text.whole().query_terms(&mut |term, _| {
        let n = searcher.doc_freq(term).unwrap_or(u64::MAX);
        postings = postings.saturating_add(n);
    });
    Ok(Some(postings))
}

fn matcher<'a>(live: &'a Live, known: &'a dyn Fn(&Term) -> bool) -> AppResult<Matcher<'a>> {
    Ok(Matcher {
        fields: &live.fields,
        stemmed: live.analyzer(live.fields.headline)?,
        folded: live.analyzer(live.fields.exact)?,
        known,
        tolerates_typo: false,
    })
}

fn search_now(live: &Live, request: &Request) -> AppResult<Results> {
    let searcher = live.reader.searcher();
    let fields = live.fields;
    let parsed = query::parse(&request.query);
    let known = |term: &Term| searcher.doc_freq(term).is_ok_and(|n| n > 0);
    let mut matcher = matcher(live, &known)?;
    let Some(text) = matcher.text_query(&parsed) else {
        return Ok(Results::default());
    };
    let mut restrictions = audience(&fields, &request.audience, request.now);
    restrictions.extend(filters(&fields, &request.filters));
    let window = request.offset.saturating_add(request.limit);
    if request.limit == 0 || window > MAX_RESULTS {
        return Err(AppError::not_found("there are no results that far down"));
    }
    let (addresses, total): (Vec<DocAddress>, Total) = match request.sort {
        Sort::Relevance => {
            let k = window.max(RESCORED);
            let recency = Recency {
                now: request.now.micros(),
                weight: request.recency,
                latest: &live.latest,
            };
            // A reader's search without filters: the words alone decide, which lets the best
            // be found without scoring every match.
            let readers_unfiltered =
                matches!(request.audience, Audience::Readers) && restrictions.len() == 1;
            let (hits, total) = if readers_unfiltered {
                let (scored, checks) = (&*text.scored, &text.checks);
                top::visible_top(&searcher, scored, checks, &live.hidden, &recency, k)?
            } else {
                let query = restricted(text.whole(), restrictions);
                let best = TopDocs::with_limit(k).tweak_score(recency.blend());
                let (hits, count) = searcher.search(&query, &(best, Count))?;
                (
                    hits,
                    Total {
                        count,
                        estimated: false,
                    },
                )
            };
            let bonuses = matcher.bonuses(&parsed);
            let mut ranked = add_bonuses(&searcher, hits, &bonuses, &recency)?;
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            let page = ranked.into_iter().skip(request.offset).take(request.limit);
            (page.map(|(_, a)| a).collect(), total)
        }
        Sort::Newest => {
            let query = restricted(text.whole(), restrictions);
            let top = TopDocs::with_limit(request.limit).and_offset(request.offset);
            let ranked = top.order_by_fast_field::<i64>(document::PUBLISHED, Order::Desc);
            let (hits, count) = searcher.search(&query, &(ranked, Count))?;
            let total = Total {
                count,
                estimated: false,
            };
            (hits.into_iter().map(|(_, a)| a).collect(), total)
        }
    };
    let suggestion = if total.count == 0 {
        suggest(&searcher, &fields, &parsed, &mut matcher.folded)
    } else {
        None
    };
    let mut highlighter = Highlighter::new(&parsed, matcher.stemmed, matcher.folded);
    let mut hits = Vec::with_capacity(addresses.len());
    for address in addresses {
        let mut doc: Stored = searcher.doc(address)?;
        let body = doc.take_text(fields.body);
        let snippet = highlighter
            .passage(&body, SNIPPET_CHARS)
            .unwrap_or_else(|| highlighter.whole(doc.take_text(fields.standfirst)));
        hits.push(Hit {
            id: doc.id(fields.id),
            headline: highlighter.whole(doc.take_text(fields.headline)),
            snippet,
        });
    }
    Ok(Results {
        total: total.count,
        total_estimated: total.estimated,
        hits,
        suggestion,
        searched: true,
    })
}

/// The best matches with their bonuses (words as written, words together) added, blended with
/// recency as their scores are: the bonuses are looked up for these few documents only, one
/// seek each, where scoring them for every match cost as much as the search itself.
fn add_bonuses(
    searcher: &Searcher,
    mut hits: Vec<(Score, DocAddress)>,
    bonuses: &[Box<dyn Query>],
    recency: &Recency,
) -> AppResult<Vec<(Score, DocAddress)>> {
    let weights = bonuses
        .iter()
        .map(|q| q.weight(EnableScoring::enabled_from_searcher(searcher)))
        .collect::<tantivy::Result<Vec<_>>>()?;
    hits.sort_by_key(|(_, a)| *a);
    let mut out = Vec::with_capacity(hits.len());
    for segment in hits.chunk_by(|a, b| a.1.segment_ord == b.1.segment_ord) {
        let reader = searcher.segment_reader(segment[0].1.segment_ord);
        let published = recency::published(reader)?;
        let mut scorers = weights
            .iter()
            .map(|w| w.scorer(reader, 1.0).map(Lookup::new))
            .collect::<tantivy::Result<Vec<_>>>()?;
        for &(blended, address) in segment {
            let doc = address.doc_id;
            let extra: Score = scorers.iter_mut().filter_map(|s| s.score_at(doc)).sum();
            let factor = recency::factor(recency.now, published.get_val(doc), recency.weight);
            out.push((blended + extra * factor, address));
        }
    }
    Ok(out)
}

/// `text` with the audience's and the filters' clauses.
fn restricted(text: Box<dyn Query>, restrictions: Vec<(Occur, Box<dyn Query>)>) -> BooleanQuery {
    let mut clauses = vec![(Occur::Must, text)];
    clauses.extend(restrictions);
    BooleanQuery::new(clauses)
}

fn audience(fields: &Fields, audience: &Audience, now: Timestamp) -> Vec<(Occur, Box<dyn Query>)> {
    match audience {
        Audience::Readers => vec![(Occur::MustNot, matching::not_yet_visible(fields, now))],
        Audience::Desk { status, owner } => {
            let mut out = Vec::new();
            if let Some(status) = status {
                out.push((Occur::Must, matching::status(fields, status)));
            }
            if let Some(owner) = owner {
                out.push((Occur::Must, matching::having(fields.owner, *owner)));
            }
            out
        }
    }
}

fn filters(fields: &Fields, f: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
    let mut out = Vec::new();
    for (field, value) in [
        (fields.sections, f.section),
        (fields.authors, f.author),
        (fields.tags, f.tag),
    ] {
        if let Some(value) = value {
            out.push((Occur::Must, matching::having(field, value)));
        }
    }
    if f.from.is_some() || f.until.is_some() {
        out.push((
            Occur::Must,
            matching::published_between(
                fields,
                f.from.map(Timestamp::micros),
                f.until.map(Timestamp::micros),
            ),
        ));
    }
    out
}

/// The query with each word the index does not know replaced by the closest known word (at
/// most two edits, the most frequent among the closest), when any was replaced.
fn suggest(
    searcher: &Searcher,
    fields: &Fields,
    parsed: &Parsed,
    folded: &mut tantivy::tokenizer::TextAnalyzer,
) -> Option<String> {
    let mut changed = false;
    let mut words = Vec::new();
    for clause in &parsed.wanted {
        let Clause::Word(word) = clause else {
            return None;
        };
        let written = tokens(folded, word).into_iter().next().map(|(_, t)| t)?;
        let term = Term::from_field_text(fields.exact, &written);
        if written.chars().count() >= 3
            && searcher.doc_freq(&term).is_ok_and(|n| n == 0)
            && let Some(better) = closest(searcher, fields.exact, &written)
        {
            words.push(better);
            changed = true;
            continue;
        }
        words.push(written);
    }
    changed.then(|| words.join(" "))
}

fn closest(searcher: &Searcher, field: Field, word: &str) -> Option<String> {
    let automaton = FuzzyTermQuery::new(Term::from_field_text(field, word), 2, true)
        .automaton()
        .ok()?;
    let mut counts: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field).ok()?;
        let mut stream = inverted.terms().search(&automaton).into_stream().ok()?;
        while stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                *counts.entry(term.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    counts
        .into_iter()
        .min_by_key(|(term, freq)| (edit_distance(word, term), std::cmp::Reverse(*freq)))
        .map(|(term, _)| term)
}

/// Edits (insert, delete, substitute, swap neighbours) between two short words.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

/// The article whose related articles are wanted.
#[derive(Debug, Clone)]
pub struct RelatedTo {
    pub id: i64,
    pub headline: String,
    pub published_at: Timestamp,
}

/// Up to `limit` articles about the same thing as `article`, readers may see now, within
/// [`RELATED_WINDOW_SECONDS`] of it, closer in time first among equals, leaving out `skip` (the
/// pinned ones) and near-duplicates (the same headline). `None` when the index cannot say (not
/// built yet, or the article not indexed yet): the caller falls back to the section's newest.
pub async fn related(
    index: &SearchIndex,
    article: RelatedTo,
    skip: Vec<i64>,
    limit: usize,
    now: Timestamp,
) -> AppResult<Option<Vec<i64>>> {
    let Some(live) = index.live() else {
        return Ok(None);
    };
    if limit == 0 {
        return Ok(Some(Vec::new()));
    }
    crate::cpu::run(move || related_now(&live, &article, &skip, limit, now)).await?
}

fn related_now(
    live: &Live,
    article: &RelatedTo,
    skip: &[i64],
    limit: usize,
    now: Timestamp,
) -> AppResult<Option<Vec<i64>>> {
    let searcher = live.reader.searcher();
    let fields = live.fields;
    let itself = TermQuery::new(fields.id_term(article.id), IndexRecordOption::Basic);
    let Some((_, address)) = searcher
        .search(&itself, &TopDocs::with_limit(1).order_by_score())?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(address)?;
    let mut stemmed = live.analyzer(fields.headline)?;
    let mut folded = live.analyzer(fields.exact)?;
    let Some(like) = similar::query(&searcher, &fields, &doc, &mut stemmed, &mut folded) else {
        return Ok(Some(Vec::new()));
    };
    let at = article.published_at.micros();
    let window = RELATED_WINDOW_SECONDS * 1_000_000;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, like)];
    clauses.extend(audience(&fields, &Audience::Readers, now));
    clauses.push((
        Occur::Must,
        matching::published_between(&fields, Some(at - window), Some(at + window)),
    ));
    for id in std::iter::once(article.id).chain(skip.iter().copied()) {
        clauses.push((
            Occur::MustNot,
            Box::new(TermQuery::new(fields.id_term(id), IndexRecordOption::Basic)),
        ));
    }
    let query = BooleanQuery::new(clauses);
    let closeness = recency::tweak(at, 0.5, true);
    let ranked = TopDocs::with_limit(limit + 8).tweak_score(closeness);
    let own = same_story_key(&article.headline);
    let mut ids = Vec::with_capacity(limit);
    for (_, address) in searcher.search(&query, &ranked)? {
        let mut doc: Stored = searcher.doc(address)?;
        if same_story_key(&doc.take_text(fields.headline)) == own {
            continue;
        }
        ids.push(doc.id(fields.id));
        if ids.len() == limit {
            break;
        }
    }
    Ok(Some(ids))
}

/// A headline reduced to its letters and digits, lowercased: two stories with the same key are
/// near-duplicates (a re-post, a copy with a new number).
fn same_story_key(headline: &str) -> String {
    headline
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Audience, Request, edit_distance, postings, same_story_key};
    use crate::articles::service::IndexSource;
    use crate::db::Timestamp;
    use crate::search::analysis::Analysis;
    use crate::search::index::{Live, Mark};

    /// An index of 30 published stories about a harbour, the first 3 about a kestrel too.
    fn harbour_index(dir: &std::path::Path) -> anyhow::Result<Live> {
        let live = Live::create(dir, "index", Analysis::for_site_language("en"))?;
        let sources: Vec<IndexSource> = (1..=30)
            .map(|id| IndexSource {
                id,
                status: "published".into(),
                published_at: Some(Timestamp::from_micros(id * 1_000_000)),
                section_id: 1,
                parent_section_id: None,
                section_name: "News".into(),
                tag_ids: Vec::new(),
                tag_names: Vec::new(),
                author_ids: Vec::new(),
                author_names: Vec::new(),
                created_by: None,
                headline: if id <= 3 {
                    "Kestrel seen over the harbour".into()
                } else {
                    "Harbour reopens".into()
                },
                standfirst: String::new(),
                body: String::new(),
            })
            .collect();
        let ids: Vec<i64> = sources.iter().map(|s| s.id).collect();
        let docs = sources
            .iter()
            .map(|s| live.fields.document(s, ""))
            .collect();
        let mark = Mark {
            seq: 1,
            ..live.mark()
        };
        live.apply(&ids, docs, mark)?;
        Ok(live)
    }

    fn readers(query: &str) -> Request {
        Request::readers(query.into(), Timestamp::from_micros(100_000_000))
    }

    #[test]
    fn only_a_readers_plain_search_is_counted_and_its_terms_add_up() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let live = harbour_index(dir.path())?;
        assert_eq!(postings(&live, &readers("kestrel"))?, Some(3));
        assert_eq!(postings(&live, &readers("kestrel harbour"))?, Some(33));
        assert_eq!(postings(&live, &readers("\"kestrel seen\""))?, Some(3));
        assert_eq!(postings(&live, &readers("harbour -kestrel"))?, Some(33));
        assert_eq!(postings(&live, &readers("harbor"))?, None, "a typo");
        let mut filtered = readers("kestrel");
        filtered.filters.section = Some(1);
        assert_eq!(postings(&live, &filtered)?, None);
        let mut deep = readers("kestrel");
        deep.offset = 100;
        assert_eq!(postings(&live, &deep)?, None);
        let mut desk = readers("kestrel");
        desk.audience = Audience::Desk {
            status: None,
            owner: None,
        };
        assert_eq!(postings(&live, &desk)?, None);
        Ok(())
    }

    #[test]
    fn edits_count_swaps_as_one() {
        assert_eq!(edit_distance("election", "election"), 0);
        assert_eq!(edit_distance("electoin", "election"), 1);
        assert_eq!(edit_distance("elction", "election"), 1);
        assert_eq!(edit_distance("harbor", "harbour"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn near_duplicate_headlines_share_a_key() {
        assert_eq!(
            same_story_key("Castell Foods cuts prices (20)"),
            same_story_key("castell foods cuts prices")
        );
        assert_ne!(same_story_key("A rises"), same_story_key("A falls"));
    }
}
