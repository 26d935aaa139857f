//! How text becomes terms: one analyzer that folds case and accents, drops the language's stop
//! words and stems (for headline, standfirst and body, so "elections" finds "election"), and one
//! that only folds (names, and the "as written" copy of the text that lets an exact spelling
//! outrank a mere shared stem). The language is the site's, so an index remembers the one it was
//! built with and is rebuilt when the site changes it. A third analyzer turns the stemmed words
//! into pairs of neighbours ("harvest fail"), so an exact phrase is looked up as a term or two
//! rather than by checking word positions in every article that holds all its words (the
//! "index phrases" of search engines).

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TextAnalyzerBuilder, Token, TokenFilter, TokenStream, Tokenizer,
};

/// The analyzer of the stemmed fields, as the schema names it.
pub const STEMMED: &str = "broadsheet_stemmed";
/// The analyzer of names and the as-written text.
pub const FOLDED: &str = "broadsheet_folded";
/// The analyzer of neighbouring stemmed words, as pairs.
pub const PAIRS: &str = "broadsheet_pairs";

/// Longer tokens are noise (URLs, base64) and would only grow the dictionary.
const LONGEST_TOKEN: usize = 40;

/// The languages tantivy stems, by the primary subtag of a language tag ("en-GB" → "en").
const LANGUAGES: [(&str, Language); 19] = [
    ("ar", Language::Arabic),
    ("da", Language::Danish),
    ("nl", Language::Dutch),
    ("en", Language::English),
    ("fi", Language::Finnish),
    ("fr", Language::French),
    ("de", Language::German),
    ("el", Language::Greek),
    ("hu", Language::Hungarian),
    ("it", Language::Italian),
    ("no", Language::Norwegian),
    ("nb", Language::Norwegian),
    ("pt", Language::Portuguese),
    ("ro", Language::Romanian),
    ("ru", Language::Russian),
    ("es", Language::Spanish),
    ("sv", Language::Swedish),
    ("ta", Language::Tamil),
    ("tr", Language::Turkish),
];

/// The analysis an index is built with: the stemming language of the site's language tag, or
/// none for a language tantivy does not stem (text is then only folded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Analysis {
    code: &'static str,
    language: Option<Language>,
}

impl Analysis {
    pub fn for_site_language(tag: &str) -> Analysis {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        LANGUAGES.iter().find(|(code, _)| *code == primary).map_or(
            Analysis::NONE,
            |(code, language)| Analysis {
                code,
                language: Some(*language),
            },
        )
    }

    /// The analysis an index records as [`Analysis::code`].
    pub fn for_code(code: &str) -> Option<Analysis> {
        if code == Analysis::NONE.code {
            return Some(Analysis::NONE);
        }
        LANGUAGES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(code, language)| Analysis {
                code,
                language: Some(*language),
            })
    }

    const NONE: Analysis = Analysis {
        code: "none",
        language: None,
    };

    /// The name kept with an index, to tell whether it was built with this analysis.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// Registers the analyzers with `index`; an index opened from disk needs them again.
    pub fn register(self, index: &Index) {
        let tokenizers = index.tokenizers();
        tokenizers.register(STEMMED, self.stemmed().build());
        tokenizers.register(FOLDED, folded().build());
        tokenizers.register(PAIRS, self.stemmed().filter_dynamic(AdjacentPairs).build());
    }

    fn stemmed(self) -> TextAnalyzerBuilder {
        let Some(language) = self.language else {
            return folded();
        };
        // Stop words and stems are spelled with their accents, so folding comes last.
        let builder = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
            .filter(LowerCaser)
            .dynamic();
        let builder = match StopWordFilter::new(language) {
            Some(stop_words) => builder.filter_dynamic(stop_words),
            None => builder,
        };
        builder
            .filter_dynamic(Stemmer::new(language))
            .filter_dynamic(AsciiFoldingFilter)
    }
}

fn folded() -> TextAnalyzerBuilder {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .dynamic()
}

/// What joins the two words of a pair.
const PAIR_SEPARATOR: char = ' ';

/// The pair of two neighbouring words as one term, the way [`AdjacentPairs`] writes it.
pub fn pair(first: &str, second: &str) -> String {
    format!("{first}{PAIR_SEPARATOR}{second}")
}

/// Replaces words with each pair of neighbours ([`pair`]), at the first one's position. Words
/// with a stop word (or anything else dropped) between them are not neighbours.
#[derive(Clone)]
struct AdjacentPairs;

impl TokenFilter for AdjacentPairs {
    type Tokenizer<T: Tokenizer> = PairsTokenizer<T>;

    fn transform<T: Tokenizer>(self, words: T) -> PairsTokenizer<T> {
        PairsTokenizer { words }
    }
}

#[derive(Clone)]
struct PairsTokenizer<T> {
    words: T,
}

impl<T: Tokenizer> Tokenizer for PairsTokenizer<T> {
    type TokenStream<'a> = Pairs<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        Pairs {
            words: self.words.token_stream(text),
            previous: None,
            pair: Token::default(),
        }
    }
}

struct Pairs<S> {
    words: S,
    previous: Option<Token>,
    pair: Token,
}

impl<S: TokenStream> TokenStream for Pairs<S> {
    fn advance(&mut self) -> bool {
        while self.words.advance() {
            let word = self.words.token();
            let neighbours = self
                .previous
                .as_ref()
                .filter(|before| before.position + 1 == word.position);
            let found = if let Some(before) = neighbours {
                self.pair.text.clear();
                self.pair.text.push_str(&before.text);
                self.pair.text.push(PAIR_SEPARATOR);
                self.pair.text.push_str(&word.text);
                self.pair.offset_from = before.offset_from;
                self.pair.offset_to = word.offset_to;
                self.pair.position = before.position;
                self.pair.position_length = 1;
                true
            } else {
                false
            };
            match self.previous.as_mut() {
                Some(before) => before.clone_from(word),
                None => self.previous = Some(word.clone()),
            }
            if found {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.pair
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.pair
    }
}

#[cfg(test)]
mod tests {
    use super::{AdjacentPairs, Analysis};
    use tantivy::tokenizer::TokenStream;

    #[test]
    fn pairs_are_neighbouring_stems_and_skip_across_stop_words() {
        let mut analyzer = Analysis::for_site_language("en")
            .stemmed()
            .filter_dynamic(AdjacentPairs)
            .build();
        let mut stream = analyzer.token_stream("Talks on a ceasefire: the harvest fails, again");
        let mut pairs = Vec::new();
        while let Some(token) = stream.next() {
            pairs.push((token.text.clone(), token.position));
        }
        assert_eq!(
            pairs,
            vec![
                ("harvest fail".to_string(), 5),
                ("fail again".to_string(), 6)
            ]
        );
    }

    #[test]
    fn the_site_language_tag_picks_the_stemmer() {
        assert_eq!(Analysis::for_site_language("en-GB").code(), "en");
        assert_eq!(Analysis::for_site_language("FR").code(), "fr");
        assert_eq!(Analysis::for_site_language("cy").code(), "none");
        assert_eq!(Analysis::for_site_language("").code(), "none");
        for code in ["en", "nb", "none"] {
            assert_eq!(Analysis::for_code(code).map(Analysis::code), Some(code));
        }
        assert_eq!(Analysis::for_code("xx"), None);
    }
}
