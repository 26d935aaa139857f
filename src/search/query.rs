//! A reader's query as typed: words, "exact phrases" and -excluded words or phrases. Anything
//! else (brackets, AND, colons, a lone quote or dash) is only text, so no input can break the
//! query; the analyzers later drop what carries no word. One pass over at most
//! [`MAX_QUERY_CHARS`] characters.

/// The longest query read; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words and phrases a query keeps.
const MAX_CLAUSES: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Word(String),
    Phrase(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub wanted: Vec<Clause>,
    pub excluded: Vec<Clause>,
}

impl Parsed {
    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }
}

/// The query as shown back to the reader and kept in links: trimmed and cut to length.
pub fn normalise(raw: &str) -> String {
    let cut: String = raw.chars().take(MAX_QUERY_CHARS).collect();
    cut.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn parse(raw: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut chars = raw.chars().take(MAX_QUERY_CHARS).peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let clause = if chars.peek() == Some(&'"') {
            chars.next();
            let text: String = chars.by_ref().take_while(|&c| c != '"').collect();
            Clause::Phrase(text.trim().to_string())
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
            Clause::Word(word)
        };
        let text = match &clause {
            Clause::Word(t) | Clause::Phrase(t) => t,
        };
        if !text.chars().any(char::is_alphanumeric) {
            continue;
        }
        let list = if negated {
            &mut parsed.excluded
        } else {
            &mut parsed.wanted
        };
        if list.len() < MAX_CLAUSES {
            list.push(clause);
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::{Clause, normalise, parse};

    fn word(s: &str) -> Clause {
        Clause::Word(s.into())
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let p = parse(r#"harbour "coastal republic" -airline -"budget cuts""#);
        assert_eq!(
            p.wanted,
            vec![word("harbour"), Clause::Phrase("coastal republic".into())]
        );
        assert_eq!(
            p.excluded,
            vec![word("airline"), Clause::Phrase("budget cuts".into())]
        );
    }

    #[test]
    fn syntax_characters_are_only_text() {
        assert!(parse(r#"""#).is_empty());
        assert!(parse("-").is_empty());
        assert!(parse("( ) - \" ").is_empty());
        assert_eq!(parse("AND AND").wanted, vec![word("AND"), word("AND")]);
        assert_eq!(parse(r#""unclosed phrase"#).wanted.len(), 1);
        assert_eq!(parse("a:b (c)").wanted, vec![word("a:b"), word("(c)")]);
    }

    #[test]
    fn long_queries_are_cut() {
        let p = parse(&"word ".repeat(10_000));
        assert_eq!(p.wanted.len(), 16);
    }

    proptest::proptest! {
        /// Any query (quotes, dashes, brackets, operators) parses without a panic into at most
        /// the clause limit, none of them empty; showing a query back is idempotent.
        #[test]
        fn any_query_parses_into_bounded_clauses(raw in "(\\PC|[\"()\\-]| AND | OR | NOT ){0,300}") {
            let parsed = parse(&raw);
            proptest::prop_assert!(parsed.wanted.len() + parsed.excluded.len() <= 2 * super::MAX_CLAUSES);
            for clause in parsed.wanted.iter().chain(&parsed.excluded) {
                let (Clause::Word(text) | Clause::Phrase(text)) = clause;
                proptest::prop_assert!(!text.is_empty() && text.chars().count() <= super::MAX_QUERY_CHARS);
            }
            let shown = normalise(&raw);
            proptest::prop_assert_eq!(normalise(&shown), shown.clone());
            proptest::prop_assert!(shown.chars().count() <= super::MAX_QUERY_CHARS);
        }
    }
}
