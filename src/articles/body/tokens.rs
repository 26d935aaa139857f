//! HTML as a flat list of start tags, end tags and text, from html5ever's tokenizer. The document
//! model's passes (normalising, rendering, Markdown, plain text) walk this list instead of a
//! tree: no recursion, so a body nested ten thousand deep cannot overflow a stack, and each pass
//! stays linear in the length of its input.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token as Raw, TokenSink, TokenSinkResult, Tokenizer,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Start {
        name: String,
        attrs: Vec<(String, String)>,
    },
    End(String),
    Text(String),
}

impl Token {
    /// The value of attribute `name` on a start tag.
    pub fn attr(&self, name: &str) -> Option<&str> {
        match self {
            Token::Start { attrs, .. } => attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }

    /// Whether a start tag's `class` lists `class`.
    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_ascii_whitespace().any(|c| c == class))
    }
}

/// Elements that never have an end tag; the list gives each of them one, so every walker sees
/// balanced pairs.
pub fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

/// The index of the end tag of the element whose start tag is at `start` (the last token when
/// the list ends first).
pub fn matching_end(tokens: &[Token], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(start) {
        match token {
            Token::Start { .. } => depth += 1,
            Token::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            Token::Text(_) => {}
        }
    }
    tokens.len().saturating_sub(1)
}

struct Sink(RefCell<Vec<Token>>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Raw, _line: u64) -> TokenSinkResult<()> {
        let mut tokens = self.0.borrow_mut();
        match token {
            Raw::TagToken(tag) => {
                let name = tag.name.to_string();
                match tag.kind {
                    TagKind::StartTag => {
                        let attrs = tag
                            .attrs
                            .iter()
                            .map(|a| (a.name.local.to_string(), a.value.to_string()))
                            .collect();
                        let void = is_void(&name);
                        let raw = matches!(name.as_str(), "iframe" | "script" | "style");
                        tokens.push(Token::Start {
                            name: name.clone(),
                            attrs,
                        });
                        if void {
                            tokens.push(Token::End(name));
                        } else if raw {
                            return TokenSinkResult::RawData(RawKind::Rawtext);
                        }
                    }
                    TagKind::EndTag if !is_void(&name) => tokens.push(Token::End(name)),
                    TagKind::EndTag => {}
                }
            }
            Raw::CharacterTokens(text) => match tokens.last_mut() {
                Some(Token::Text(previous)) => previous.push_str(&text),
                _ => tokens.push(Token::Text(text.to_string())),
            },
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The tokens of `html`. Meant for HTML that ammonia has cleaned or this module has written, so
/// tags are balanced; an unbalanced input only makes the walkers ignore the stray tags.
pub fn tokens(html: &str) -> Vec<Token> {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(Sink(RefCell::new(Vec::new())), Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn void_elements_get_an_end_and_entities_are_decoded() {
        let t = tokens(r#"<p class="a b">x &amp; y<br>z</p>"#);
        assert!(t[0].has_class("b"));
        assert_eq!(t[1], Token::Text("x & y".into()));
        assert_eq!(
            t[2..4],
            [
                Token::Start {
                    name: "br".into(),
                    attrs: vec![]
                },
                Token::End("br".into())
            ]
        );
        assert_eq!(t.last(), Some(&Token::End("p".into())));
    }

    #[test]
    fn iframe_content_is_raw_text() {
        let t = tokens(r#"<iframe src="https://x"><b>not a tag</b></iframe>"#);
        assert_eq!(t[1], Token::Text("<b>not a tag</b>".into()));
        assert_eq!(t[2], Token::End("iframe".into()));
    }
}
