//! Ghost's filter language (NQL) as clients write it: `tag:news+featured:true`,
//! `tags:[a,b]`, `published_at:>'2024-01-01'`, `id:-5f…`, `,` for or, `+` for and, and
//! parentheses. One pass over the text, a bounded depth and length, so a hostile filter costs
//! no more than reading it.

use std::fmt;

/// Longer filters are refused: no client needs more, and it bounds the SQL they become.
pub const MAX_FILTER_LEN: usize = 2_000;
/// Deeper nesting is refused, so the parser's recursion stays shallow.
const MAX_DEPTH: usize = 16;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Clause(Clause),
}

/// `prop:[-][op]value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub prop: String,
    pub negated: bool,
    pub op: Op,
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Is,
    Gt,
    Gte,
    Lt,
    Lte,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A quoted string, or a bare literal that is not a number or a keyword.
    Text(String),
    Number(i64),
    Bool(bool),
    Null,
    /// `[a,b]`: any of these.
    List(Vec<Value>),
}

impl Value {
    /// The value as text, as a slug or an id is compared.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Text(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::List(_) => None,
        }
    }

    /// Each value of a list, or the value itself.
    pub fn items(&self) -> Vec<&Value> {
        match self {
            Value::List(items) => items.iter().collect(),
            one => vec![one],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NqlError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for NqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at character {}", self.message, self.position + 1)
    }
}

/// Characters that end a bare literal (they must be quoted or escaped to be part of one).
fn is_special(c: char) -> bool {
    matches!(
        c,
        '\'' | '"' | '+' | ',' | '(' | ')' | '>' | '<' | '=' | '[' | ']' | ':'
    ) || c.is_whitespace()
}

pub fn parse(text: &str) -> Result<Filter, NqlError> {
    if text.len() > MAX_FILTER_LEN {
        return Err(NqlError {
            position: MAX_FILTER_LEN,
            message: format!("the filter is longer than {MAX_FILTER_LEN} characters"),
        });
    }
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
    };
    let filter = parser.or(0)?;
    parser.skip_space();
    if parser.at < parser.chars.len() {
        return Err(parser.error("unexpected character"));
    }
    Ok(filter)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn error(&self, message: &str) -> NqlError {
        let message = match self.chars.get(self.at) {
            Some(c) => format!("{message} {c:?}"),
            None => format!("{message}: the filter ends too soon"),
        };
        NqlError {
            position: self.at,
            message,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self, depth: usize) -> Result<Filter, NqlError> {
        let mut parts = vec![self.and(depth)?];
        while self.eat(',') {
            parts.push(self.and(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::Or(parts)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Filter, NqlError> {
        let mut parts = vec![self.term(depth)?];
        while self.eat('+') {
            parts.push(self.term(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::And(parts)
        })
    }

    fn term(&mut self, depth: usize) -> Result<Filter, NqlError> {
        if self.eat('(') {
            if depth >= MAX_DEPTH {
                return Err(self.error("parentheses nest too deeply before"));
            }
            let inner = self.or(depth + 1)?;
            if !self.eat(')') {
                return Err(self.error("expected `)` instead of"));
            }
            return Ok(inner);
        }
        self.clause().map(Filter::Clause)
    }

    fn clause(&mut self) -> Result<Clause, NqlError> {
        self.skip_space();
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            self.at += 1;
        }
        if self.at == start {
            return Err(self.error("expected a property name instead of"));
        }
        let prop: String = self.chars[start..self.at].iter().collect();
        if !self.eat(':') {
            return Err(self.error("expected `:` after the property instead of"));
        }
        self.skip_space();
        let negated = self.peek() == Some('-');
        if negated {
            self.at += 1;
        }
        let op = self.op();
        self.skip_space();
        let value = if self.peek() == Some('[') {
            self.at += 1;
            let mut items = vec![self.scalar()?];
            while self.eat(',') {
                items.push(self.scalar()?);
            }
            if !self.eat(']') {
                return Err(self.error("expected `]` instead of"));
            }
            Value::List(items)
        } else {
            self.scalar()?
        };
        Ok(Clause {
            prop: prop.to_ascii_lowercase(),
            negated,
            op,
            value,
        })
    }

    fn op(&mut self) -> Op {
        let two: String = self.chars[self.at..].iter().take(2).collect();
        let (op, len) = match two.as_str() {
            ">=" => (Op::Gte, 2),
            "<=" => (Op::Lte, 2),
            "~^" => (Op::StartsWith, 2),
            "~$" => (Op::EndsWith, 2),
            _ => match two.chars().next() {
                Some('>') => (Op::Gt, 1),
                Some('<') => (Op::Lt, 1),
                Some('~') => (Op::Contains, 1),
                _ => (Op::Is, 0),
            },
        };
        self.at += len;
        op
    }

    fn scalar(&mut self) -> Result<Value, NqlError> {
        self.skip_space();
        match self.peek() {
            Some(quote @ ('\'' | '"')) => {
                self.at += 1;
                let mut text = String::new();
                loop {
                    match self.peek() {
                        None => return Err(self.error("an unclosed quote")),
                        Some('\\') => {
                            self.at += 1;
                            match self.peek() {
                                Some(c) => text.push(c),
                                None => return Err(self.error("a lone `\\`")),
                            }
                        }
                        Some(c) if c == quote => break,
                        Some(c) => text.push(c),
                    }
                    self.at += 1;
                }
                self.at += 1;
                Ok(Value::Text(text))
            }
            _ => {
                let mut text = String::new();
                while let Some(c) = self.peek() {
                    if c == '\\' {
                        self.at += 1;
                        match self.peek() {
                            Some(c) => text.push(c),
                            None => return Err(self.error("a lone `\\`")),
                        }
                    } else if is_special(c) {
                        break;
                    } else {
                        text.push(c);
                    }
                    self.at += 1;
                }
                if text.is_empty() {
                    return Err(self.error("expected a value instead of"));
                }
                Ok(match text.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    // A number only when it reads back the same: an id such as
                    // `000000010000000000000001` is text.
                    _ => match text.parse::<i64>() {
                        Ok(n) if n.to_string() == text => Value::Number(n),
                        _ => Value::Text(text),
                    },
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn clause(prop: &str, negated: bool, op: Op, value: Value) -> Filter {
        Filter::Clause(Clause {
            prop: prop.into(),
            negated,
            op,
            value,
        })
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn reads_what_themes_write() {
        assert_eq!(
            parse("tag:news+featured:true").unwrap(),
            Filter::And(vec![
                clause("tag", false, Op::Is, text("news")),
                clause("featured", false, Op::Is, Value::Bool(true)),
            ])
        );
        assert_eq!(
            parse("tags:[world,'us politics']").unwrap(),
            clause(
                "tags",
                false,
                Op::Is,
                Value::List(vec![text("world"), text("us politics")])
            )
        );
        assert_eq!(
            parse("published_at:>'2024-01-01 10:00:00'").unwrap(),
            clause("published_at", false, Op::Gt, text("2024-01-01 10:00:00"))
        );
        assert_eq!(
            parse("id:-abc123").unwrap(),
            clause("id", true, Op::Is, text("abc123"))
        );
        assert_eq!(
            parse("count.posts:>=2").unwrap(),
            clause("count.posts", false, Op::Gte, Value::Number(2))
        );
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let a = || clause("a", false, Op::Is, Value::Number(1));
        let b = || clause("b", false, Op::Is, Value::Number(2));
        let c = || clause("c", false, Op::Is, Value::Number(3));
        assert_eq!(
            parse("a:1,b:2+c:3").unwrap(),
            Filter::Or(vec![a(), Filter::And(vec![b(), c()])])
        );
        assert_eq!(
            parse("(a:1,b:2)+c:3").unwrap(),
            Filter::And(vec![Filter::Or(vec![a(), b()]), c()])
        );
    }

    #[test]
    fn escapes_and_quotes_keep_special_characters() {
        assert_eq!(
            parse(r"slug:a\+b").unwrap(),
            clause("slug", false, Op::Is, text("a+b"))
        );
        assert_eq!(
            parse(r"title:~'it\'s'").unwrap(),
            clause("title", false, Op::Contains, text("it's"))
        );
    }

    #[test]
    fn broken_filters_say_where() {
        for bad in [
            "",
            "tag",
            "tag:",
            "tag:news+",
            "(tag:news",
            "tag:[a,b",
            "tag:'open",
            ":x",
            "tag:news)",
            "tag:a\\",
        ] {
            let error = parse(bad).expect_err(bad);
            assert!(error.position <= bad.chars().count(), "{bad}: {error}");
        }
        let deep = format!("{}a:1{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&deep).unwrap_err().message.contains("nest"));
        assert!(parse(&"a:1,".repeat(600)).is_err());
    }

    proptest! {
        #[test]
        fn any_text_parses_or_fails_cleanly(text in "[a-z:+,()\\[\\]'\"<>=~^$ \\\\-]{0,200}") {
            if let Err(e) = parse(&text) {
                prop_assert!(e.position <= text.chars().count());
            }
        }
    }
}
