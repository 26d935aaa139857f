//! The words of a result that match the query, and the passage of its body that shows them best.
//!
//! Text is split into words as the folding analyzer splits it (runs of letters and digits); only
//! a word that starts like one of the query's stems is folded and stemmed to check it, so a
//! result costs a pass over its body's characters and a few stems, rather than the analyzer's
//! work on every word (a search shows ten bodies of thousands of words).

use std::collections::HashMap;
use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;

use super::matching::tokens;
use super::query::{Clause, Parsed};
use super::service::Marked;

/// How many leading characters of a stem a word must share to be stemmed and checked.
const PREFIX_CHARS: usize = 3;
/// How far before its first match a passage may start, to begin at a word boundary.
const LEAD_IN_CHARS: usize = 40;

/// How much of a body is read for its passage: matches further in are not worth a longer wait
/// (a body may be a megabyte), and the standfirst stands in when none comes sooner.
const MAX_SCANNED_BYTES: usize = 32 * 1024;

pub struct Highlighter {
    words: QueryWords,
    folded: TextAnalyzer,
}

/// The query's stems, and the words of texts already checked against them.
struct QueryWords {
    stems: Vec<String>,
    prefixes: Vec<String>,
    /// The bytes a word that may match can start with: the prefixes' first letters in either
    /// case, and every byte of a character outside ASCII (folding decides those).
    first: [bool; 256],
    stemmed: TextAnalyzer,
    /// Words already checked, with their stem if it is one of the query's.
    checked: HashMap<String, Option<usize>>,
}

impl QueryWords {
    /// Whether `word`, as written, may start like a query word once folded: an ASCII word is
    /// compared with the prefixes ignoring case; any other word may (folding decides).
    fn may_match(&self, word: &str) -> bool {
        let bytes = word.as_bytes();
        let Some(first) = bytes.first() else {
            return false;
        };
        if !first.is_ascii() {
            return true;
        }
        let first = first.to_ascii_lowercase();
        self.prefixes.iter().any(|p| {
            let p = p.as_bytes();
            if p.first() != Some(&first) {
                return false;
            }
            let head = &bytes[..p.len().min(bytes.len())];
            !head.is_ascii() || head.eq_ignore_ascii_case(p)
        })
    }

    /// Which query word (an index into `stems`) `word` stems to, if any.
    fn find(&mut self, word: &str) -> Option<usize> {
        if !self.prefixes.iter().any(|p| word.starts_with(p.as_str())) {
            return None;
        }
        if let Some(known) = self.checked.get(word) {
            return *known;
        }
        let stem = tokens(&mut self.stemmed, word).into_iter().next();
        let found = stem.and_then(|(_, s)| self.stems.iter().position(|q| *q == s));
        self.checked.insert(word.to_string(), found);
        found
    }
}

impl Highlighter {
    /// For the wanted words and phrases of `parsed`.
    pub fn new(parsed: &Parsed, mut stemmed: TextAnalyzer, folded: TextAnalyzer) -> Highlighter {
        let mut stems: Vec<String> = Vec::new();
        for clause in &parsed.wanted {
            let (Clause::Word(text) | Clause::Phrase(text)) = clause;
            for (_, stem) in tokens(&mut stemmed, text) {
                if !stems.contains(&stem) {
                    stems.push(stem);
                }
            }
        }
        let prefixes: Vec<String> = stems
            .iter()
            .map(|s| s.chars().take(PREFIX_CHARS).collect())
            .collect();
        let mut first = [false; 256];
        first[0x80..].fill(true);
        for b in prefixes.iter().filter_map(|p| p.bytes().next()) {
            first[usize::from(b.to_ascii_lowercase())] = true;
            first[usize::from(b.to_ascii_uppercase())] = true;
        }
        Highlighter {
            words: QueryWords {
                stems,
                prefixes,
                first,
                stemmed,
                checked: HashMap::new(),
            },
            folded,
        }
    }

    /// The byte ranges of `text`'s words that match, with the query word each matches, until
    /// `enough` says so after a match.
    fn matches(
        &mut self,
        text: &str,
        mut enough: impl FnMut(&[(Range<usize>, usize)]) -> bool,
    ) -> Vec<(Range<usize>, usize)> {
        let mut found = Vec::new();
        let first = self.words.first;
        for (start, word) in words_starting_with(text, &first) {
            if !self.words.may_match(word) {
                continue;
            }
            let mut stream = self.folded.token_stream(word);
            while let Some(token) = stream.next() {
                if let Some(q) = self.words.find(&token.text) {
                    let from = start + token.offset_from;
                    found.push((from..start + token.offset_to, q));
                    if enough(&found) {
                        return found;
                    }
                }
            }
        }
        found
    }

    /// All of `text`, its matching words marked.
    pub fn whole(&mut self, text: String) -> Marked {
        let marks = self
            .matches(&text, |_| false)
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        Marked {
            text,
            marks,
            cut_before: false,
            cut_after: false,
        }
    }

    /// The passage of at most `max_chars` bytes of `text` with the most different query words
    /// (the earliest among equals), marked; `None` when no word matches. Reading stops at the
    /// first passage with every query word, which none after can beat.
    pub fn passage(&mut self, text: &str, max_chars: usize) -> Option<Marked> {
        let text = &text[..floor_boundary(text, text.len().min(MAX_SCANNED_BYTES))];
        let all = self.words.stems.len();
        let mut window = Window::default();
        let found = self.matches(text, |found| window.push(found, max_chars) == all);
        let (first, last) = window.best?;
        let from = found[first].0.start;
        let mut start = floor_boundary(text, from.saturating_sub(LEAD_IN_CHARS));
        if let Some(space) = text[start..from].find(char::is_whitespace) {
            start += space + 1;
        }
        if start > from {
            start = from;
        }
        let mut end = floor_boundary(text, (start + max_chars).min(text.len()));
        end = end.max(found[last].0.end);
        if end < text.len()
            && let Some(space) = text[found[last].0.end..end].rfind(char::is_whitespace)
        {
            end = found[last].0.end + space;
        }
        let mut marks: Vec<Range<usize>> = found
            .iter()
            .filter(|(r, _)| r.start >= start && r.end <= end)
            .map(|(r, _)| r.start - start..r.end - start)
            .collect();
        // Reading stopped at the first passage with every word: the rest of the passage is
        // read for the matches it shows too.
        let read = found.last().map_or(end, |(r, _)| r.end);
        if read < end {
            let rest = self.matches(&text[read..end], |_| false);
            marks.extend(
                rest.into_iter()
                    .map(|(r, _)| r.start + read - start..r.end + read - start),
            );
        }
        Some(Marked {
            text: text[start..end].to_string(),
            marks,
            cut_before: start > 0,
            cut_after: end < text.len(),
        })
    }
}

/// The run of matches spanning at most `max_chars` with the most distinct query words, found by
/// two pointers as the matches come: linear in their number.
#[derive(Default)]
struct Window {
    counts: HashMap<usize, usize>,
    first: usize,
    /// The best run so far (first and last match), and its number of distinct words.
    best: Option<(usize, usize)>,
    distinct: usize,
}

impl Window {
    /// Takes the last of `found` into account; answers the distinct words of the best run.
    fn push(&mut self, found: &[(Range<usize>, usize)], max_chars: usize) -> usize {
        let last = found.len() - 1;
        let (range, word) = &found[last];
        *self.counts.entry(*word).or_default() += 1;
        while range.end - found[self.first].0.start > max_chars && self.first < last {
            let (_, gone) = &found[self.first];
            if let Some(n) = self.counts.get_mut(gone) {
                *n -= 1;
                if *n == 0 {
                    self.counts.remove(gone);
                }
            }
            self.first += 1;
        }
        if self.best.is_none() || self.counts.len() > self.distinct {
            self.best = Some((self.first, last));
            self.distinct = self.counts.len();
        }
        self.distinct
    }
}

/// The runs of letters and digits of `text` (the words the folding analyzer's tokenizer makes of
/// it) whose first byte `first` admits, with their byte offsets. The scan jumps from one
/// admitted byte to the next and reads only the words found there: a query's words start with a
/// few letters, and most of a body's words with others.
fn words_starting_with<'t>(
    text: &'t str,
    first: &'t [bool; 256],
) -> impl Iterator<Item = (usize, &'t str)> + 't {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let start = at
                + bytes
                    .get(at..)?
                    .iter()
                    .position(|&b| first[usize::from(b)])?;
            if !text.is_char_boundary(start) {
                at = start + 1;
                continue;
            }
            let (letter, len) = letter_at(text, start);
            if !letter {
                at = start + len;
                continue;
            }
            let end = word_end(text, start);
            at = end;
            let inside_a_word = text[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            if !inside_a_word {
                return Some((start, &text[start..end]));
            }
        }
    })
}

/// Where the word running from byte `at` of `text` ends.
fn word_end(text: &str, mut at: usize) -> usize {
    while at < text.len() {
        let (letter, len) = letter_at(text, at);
        if !letter {
            break;
        }
        at += len;
    }
    at
}

/// Whether the character at byte `at` of `text` (a character boundary) is a letter or digit,
/// and its length: ASCII is read as a byte, the rest as characters.
fn letter_at(text: &str, at: usize) -> (bool, usize) {
    match text.as_bytes().get(at) {
        Some(b) if b.is_ascii() => (b.is_ascii_alphanumeric(), 1),
        _ => text
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8())),
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use tantivy::Index;
    use tantivy::schema::Schema;

    use super::{Highlighter, Window};
    use crate::search::analysis::{Analysis, FOLDED, STEMMED};
    use crate::search::query::parse;

    fn highlighter(query: &str) -> Highlighter {
        let index = Index::create_in_ram(Schema::builder().build());
        Analysis::for_site_language("en").register(&index);
        let analyzers = index.tokenizers();
        Highlighter::new(
            &parse(query),
            analyzers.get(STEMMED).expect("registered"),
            analyzers.get(FOLDED).expect("registered"),
        )
    }

    fn marked(text: &str, marks: &[Range<usize>]) -> Vec<String> {
        marks.iter().map(|r| text[r.clone()].to_string()).collect()
    }

    /// Every word of a text.
    fn words(text: &str) -> Vec<(usize, &str)> {
        super::words_starting_with(text, &[true; 256]).collect()
    }

    proptest::proptest! {
        /// On any text, the words are the tokenizer's: the runs the standard library's split on
        /// non-alphanumeric characters gives, at their own offsets.
        #[test]
        fn words_split_as_the_tokenizer_does(text in "\\PC{0,60}") {
            let expected: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let found = words(&text);
            proptest::prop_assert_eq!(found.iter().map(|(_, w)| *w).collect::<Vec<_>>(), expected);
            for (at, word) in found {
                proptest::prop_assert_eq!(&text[at..at + word.len()], word);
            }
        }

        /// Jumping to the admitted bytes finds exactly the words that start with one, whatever
        /// letters and characters surround them.
        #[test]
        fn the_scan_finds_the_words_its_first_bytes_admit(
            text in "[a-zA-Z0-9 ,.éüß’—Ω]{0,80}",
            letters in "[a-zA-Z0-9]{0,4}",
            wide in proptest::bool::ANY,
        ) {
            let mut first = [false; 256];
            first[0x80..].fill(wide);
            for b in letters.bytes() {
                first[usize::from(b)] = true;
            }
            let expected: Vec<(usize, &str)> = words(&text)
                .into_iter()
                .filter(|(_, w)| first[usize::from(w.as_bytes()[0])])
                .collect();
            let found: Vec<(usize, &str)> = super::words_starting_with(&text, &first).collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        let text = "¡Zürich's 2026 grain—deal, «ok»!";
        let found = words(text);
        let split: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        assert_eq!(found.iter().map(|(_, w)| *w).collect::<Vec<_>>(), split);
        assert!(found.iter().all(|(at, w)| &text[*at..*at + w.len()] == *w));
        assert!(words("").is_empty());
        assert!(words(" , ").is_empty());
    }

    #[test]
    fn words_are_marked_whatever_their_case_accents_and_endings() {
        let mut h = highlighter("harbour zurich");
        let m =
            h.whole("Zürich's HARBOUR reopened; the harbours of Zurich-Nord, harbourside".into());
        assert_eq!(
            marked(&m.text, &m.marks),
            ["Zürich", "HARBOUR", "harbours", "Zurich"]
        );
    }

    #[test]
    fn the_passage_holds_every_word_and_starts_at_a_word() {
        let mut h = highlighter("grain ships");
        let body = format!(
            "{} The grain deal was signed. {} Grain ships left the port at dawn. {}",
            "Filler words here. ".repeat(20),
            "More filler text. ".repeat(30),
            "Closing words. ".repeat(10)
        );
        let m = h.passage(&body, 120).expect("a passage");
        assert!(
            m.text.starts_with("More filler"),
            "a word, shortly before: {:?}",
            m.text
        );
        assert_eq!(
            marked(&m.text, &m.marks),
            ["Grain", "ships"],
            "the passage with both words, not the earlier one with one"
        );
        assert!(m.cut_before && m.cut_after);
        assert!(highlighter("absent").passage(&body, 120).is_none());
    }

    #[test]
    fn every_match_the_passage_shows_is_marked() {
        let mut h = highlighter("harvest");
        let body = "Ministers say the harvest fails. The announcement follows months in which \
                    the harvest fails, and harvests before it. Unrelated closing words.";
        let m = h.passage(body, 120).expect("a passage");
        assert_eq!(
            marked(&m.text, &m.marks),
            ["harvest", "harvest", "harvests"]
        );
        assert!(m.cut_after);
    }

    fn best_window(found: &[(Range<usize>, usize)], max_chars: usize) -> Option<(usize, usize)> {
        let mut window = Window::default();
        for n in 1..=found.len() {
            window.push(&found[..n], max_chars);
        }
        window.best
    }

    #[test]
    fn the_window_with_most_different_words_wins() {
        let found = vec![(0..5, 0), (100..105, 0), (300..305, 1), (320..325, 0)];
        assert_eq!(best_window(&found, 50), Some((2, 3)));
        assert_eq!(
            best_window(&found, 1000),
            Some((0, 2)),
            "the earliest of equals"
        );
        assert_eq!(best_window(&[], 50), None);
    }
}
