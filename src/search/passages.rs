//! The words of a result that match the query, and the passage of its body that shows them best.
//!
//! Text is split with the cheap folding analyzer; only a word that starts like one of the
//! query's stems is stemmed to check it, so a result costs a pass over its body and a few
//! stems rather than a stem of every word (a search shows ten bodies of thousands of words).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;

use super::matching::tokens;
use super::query::{Clause, Parsed};
use super::service::Marked;

/// How many leading characters of a stem a word must share to be stemmed and checked.
const PREFIX_CHARS: usize = 3;
/// How far before its first match a passage may start, to begin at a word boundary.
const LEAD_IN_CHARS: usize = 40;

pub struct Highlighter {
    stems: HashSet<String>,
    prefixes: Vec<String>,
    stemmed: TextAnalyzer,
    folded: TextAnalyzer,
    /// Words already checked, with their stem if it is one of the query's.
    checked: HashMap<String, Option<usize>>,
}

impl Highlighter {
    /// For the wanted words and phrases of `parsed`.
    pub fn new(parsed: &Parsed, mut stemmed: TextAnalyzer, folded: TextAnalyzer) -> Highlighter {
        let mut stems = HashSet::new();
        for clause in &parsed.wanted {
            let (Clause::Word(text) | Clause::Phrase(text)) = clause;
            stems.extend(tokens(&mut stemmed, text).into_iter().map(|(_, t)| t));
        }
        let prefixes = stems
            .iter()
            .map(|s| s.chars().take(PREFIX_CHARS).collect())
            .collect();
        Highlighter {
            stems,
            prefixes,
            stemmed,
            folded,
            checked: HashMap::new(),
        }
    }

    /// Which query word (an index into no particular order) `word` stems to, if any.
    fn query_word(&mut self, word: &str) -> Option<usize> {
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

    /// The byte ranges of `text`'s words that match, with the query word each matches.
    fn matches(&mut self, text: &str) -> Vec<(Range<usize>, usize)> {
        let mut found = Vec::new();
        let mut stream = self.folded.token_stream(text);
        let mut words = Vec::new();
        while let Some(token) = stream.next() {
            words.push((token.offset_from..token.offset_to, token.text.clone()));
        }
        drop(stream);
        for (range, word) in words {
            if let Some(q) = self.query_word(&word) {
                found.push((range, q));
            }
        }
        found
    }

    /// All of `text`, its matching words marked.
    pub fn whole(&mut self, text: String) -> Marked {
        let marks = self.matches(&text).into_iter().map(|(r, _)| r).collect();
        Marked {
            text,
            marks,
            cut_before: false,
            cut_after: false,
        }
    }

    /// The passage of at most `max_chars` bytes of `text` with the most different query words
    /// (the earliest among equals), marked; `None` when no word matches.
    pub fn passage(&mut self, text: &str, max_chars: usize) -> Option<Marked> {
        let found = self.matches(text);
        let (first, last) = best_window(&found, max_chars)?;
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
        let marks = found
            .iter()
            .filter(|(r, _)| r.start >= start && r.end <= end)
            .map(|(r, _)| r.start - start..r.end - start)
            .collect();
        Some(Marked {
            text: text[start..end].to_string(),
            marks,
            cut_before: start > 0,
            cut_after: end < text.len(),
        })
    }
}

/// The run of matches spanning at most `max_chars` with the most distinct query words, by two
/// pointers over the matches: linear in their number.
fn best_window(found: &[(Range<usize>, usize)], max_chars: usize) -> Option<(usize, usize)> {
    let mut counts: HashMap<usize, usize> = HashMap::new();
    let mut best: Option<(usize, usize, usize)> = None;
    let mut first = 0;
    for (last, (range, word)) in found.iter().enumerate() {
        *counts.entry(*word).or_default() += 1;
        while range.end - found[first].0.start > max_chars && first < last {
            let (_, gone) = &found[first];
            if let Some(n) = counts.get_mut(gone) {
                *n -= 1;
                if *n == 0 {
                    counts.remove(gone);
                }
            }
            first += 1;
        }
        if best.is_none_or(|(distinct, _, _)| counts.len() > distinct) {
            best = Some((counts.len(), first, last));
        }
    }
    best.map(|(_, first, last)| (first, last))
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::best_window;

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
