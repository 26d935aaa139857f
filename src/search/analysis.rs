//! How text becomes terms: one analyzer that folds case and accents, drops the language's stop
//! words and stems (for headline, standfirst and body, so "elections" finds "election"), and one
//! that only folds (names, and the "as written" copy of the text that lets an exact spelling
//! outrank a mere shared stem). The language is the site's, so an index remembers the one it was
//! built with and is rebuilt when the site changes it.

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};

/// The analyzer of the stemmed fields, as the schema names it.
pub const STEMMED: &str = "broadsheet_stemmed";
/// The analyzer of names and the as-written text.
pub const FOLDED: &str = "broadsheet_folded";

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

    /// Registers both analyzers with `index`; an index opened from disk needs them again.
    pub fn register(self, index: &Index) {
        let tokenizers = index.tokenizers();
        tokenizers.register(STEMMED, self.stemmed());
        tokenizers.register(FOLDED, folded());
    }

    fn stemmed(self) -> TextAnalyzer {
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
            .build()
    }
}

fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

#[cfg(test)]
mod tests {
    use super::Analysis;

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
