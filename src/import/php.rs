//! PHP-serialised values, as WordPress stores structured meta (attachment sizes, a plugin's
//! settings) in an export. Read in one pass with byte lengths as PHP writes them, nesting bounded,
//! so a hostile export cannot exhaust the stack; WordPress's own rule decides what is serialised
//! at all (`is_serialized`), everything else being a plain string.

/// A PHP value. Objects keep their class name; arrays keep their order.
#[derive(Debug, Clone, PartialEq)]
pub enum Php {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<(Php, Php)>),
    Object {
        class: String,
        fields: Vec<(Php, Php)>,
    },
    /// A back-reference (`r:` or `R:`) to an earlier value, kept as its number.
    Reference(i64),
}

impl Php {
    /// The value at `key` of an array or object.
    pub fn get(&self, key: &str) -> Option<&Php> {
        let (Php::Array(pairs) | Php::Object { fields: pairs, .. }) = self else {
            return None;
        };
        pairs
            .iter()
            .find(|(k, _)| matches!(k, Php::Str(s) if s == key))
            .map(|(_, v)| v)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Php::Str(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("serialised PHP value broken at byte {offset}: {message}")]
pub struct PhpError {
    pub offset: usize,
    pub message: String,
}

/// How deep arrays may nest; WordPress's own meta is two or three levels.
const MAX_DEPTH: usize = 64;

/// Whether `value` is serialised, by WordPress's `is_serialized` rule (strict form).
pub fn is_serialized(value: &str) -> bool {
    let v = value.trim();
    if v == "N;" {
        return true;
    }
    let bytes = v.as_bytes();
    if bytes.len() < 4 || bytes[1] != b':' {
        return false;
    }
    match bytes[0] {
        b's' => v.ends_with("\";"),
        b'a' | b'O' => v.ends_with('}'),
        b'b' | b'i' | b'd' => v.ends_with(';'),
        _ => false,
    }
}

/// The value `text` holds.
pub fn unserialize(text: &str) -> Result<Php, PhpError> {
    let mut parser = Parser { text, at: 0 };
    let value = parser.value(0)?;
    if parser.at != text.len() {
        return Err(parser.fail("text after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn fail(&self, message: &str) -> PhpError {
        PhpError {
            offset: self.at,
            message: message.to_string(),
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), PhpError> {
        if self.text[self.at..].starts_with(token) {
            self.at += token.len();
            Ok(())
        } else {
            Err(self.fail(&format!("expected {token:?}")))
        }
    }

    /// The text up to `end` (not included), which is then passed.
    fn until(&mut self, end: char) -> Result<&str, PhpError> {
        let rest = &self.text[self.at..];
        let len = rest
            .find(end)
            .ok_or_else(|| self.fail(&format!("no {end:?}")))?;
        self.at += len + end.len_utf8();
        Ok(&rest[..len])
    }

    fn number<T: std::str::FromStr>(&mut self, end: char) -> Result<T, PhpError> {
        let start = self.at;
        let digits = self.until(end)?;
        digits.parse().map_err(|_| PhpError {
            offset: start,
            message: format!("{digits:?} is not a number"),
        })
    }

    fn string(&mut self) -> Result<String, PhpError> {
        let len: usize = self.number(':')?;
        self.expect("\"")?;
        let end = self.at.checked_add(len).filter(|e| *e <= self.text.len());
        let Some(end) = end.filter(|e| self.text.is_char_boundary(*e)) else {
            return Err(self.fail("a string's length runs past its text"));
        };
        let s = self.text[self.at..end].to_string();
        self.at = end;
        self.expect("\"")?;
        Ok(s)
    }

    fn pairs(&mut self, depth: usize) -> Result<Vec<(Php, Php)>, PhpError> {
        let count: usize = self.number(':')?;
        self.expect("{")?;
        // Every pair takes at least four bytes, so a count the text cannot hold is refused before
        // anything is reserved for it.
        if count > (self.text.len() - self.at) / 4 {
            return Err(self.fail("more elements than the text can hold"));
        }
        let mut pairs = Vec::with_capacity(count);
        for _ in 0..count {
            let key = self.value(depth + 1)?;
            if !matches!(key, Php::Int(_) | Php::Str(_)) {
                return Err(self.fail("an array key must be an integer or a string"));
            }
            pairs.push((key, self.value(depth + 1)?));
        }
        self.expect("}")?;
        Ok(pairs)
    }

    fn value(&mut self, depth: usize) -> Result<Php, PhpError> {
        if depth > MAX_DEPTH {
            return Err(self.fail("nested too deeply"));
        }
        let kind = self.text[self.at..].chars().next();
        if kind == Some('N') {
            self.expect("N;")?;
            return Ok(Php::Null);
        }
        self.at += kind.map_or(0, char::len_utf8);
        self.expect(":")?;
        Ok(match kind {
            Some('b') => match self.until(';')? {
                "0" => Php::Bool(false),
                "1" => Php::Bool(true),
                _ => return Err(self.fail("a boolean is 0 or 1")),
            },
            Some('i') => Php::Int(self.number(';')?),
            Some('d') => Php::Float(match self.until(';')? {
                "INF" => f64::INFINITY,
                "-INF" => f64::NEG_INFINITY,
                "NAN" => f64::NAN,
                n => n.parse().map_err(|_| self.fail("not a number"))?,
            }),
            Some('s') => {
                let s = self.string()?;
                self.expect(";")?;
                Php::Str(s)
            }
            Some('a') => Php::Array(self.pairs(depth)?),
            Some('O') => {
                let class = self.string()?;
                self.expect(":")?;
                Php::Object {
                    class,
                    fields: self.pairs(depth)?,
                }
            }
            Some('r' | 'R') => Php::Reference(self.number(';')?),
            _ => return Err(self.fail("unknown type")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_meta_reads_with_byte_lengths() {
        let v = unserialize(
            r#"a:2:{s:3:"key";s:13:"¯\_(ツ)_/¯";i:5;a:3:{s:1:"b";b:1;s:1:"n";N;s:1:"d";d:1.5;}}"#,
        )
        .unwrap();
        assert_eq!(v.get("key").and_then(Php::as_str), Some("¯\\_(ツ)_/¯"));
        let Php::Array(pairs) = &v else {
            panic!("an array")
        };
        assert_eq!(pairs[1].0, Php::Int(5));
        assert_eq!(pairs[1].1.get("b"), Some(&Php::Bool(true)));
        let object = unserialize(r#"a:1:{i:0;O:8:"stdClass":1:{s:3:"tag";s:5:"album";}}"#).unwrap();
        let Php::Array(items) = object else {
            panic!("an array")
        };
        assert_eq!(items[0].1.get("tag").and_then(Php::as_str), Some("album"));
    }

    #[test]
    fn broken_values_are_refused_with_where() {
        for (text, offset) in [
            (r#"a:1:{s:5:"key";s:1:"v";}"#, 15),
            (r#"a:99999999:{}"#, 12),
            (r#"s:3:"ab";"#, 8),
            (r#"i:12x;"#, 2),
            (r#"a:1:{a:0:{}i:1;}"#, 11),
            (r#"b:1;x"#, 4),
        ] {
            let error = unserialize(text).unwrap_err();
            assert_eq!(error.offset, offset, "{text}: {error}");
        }
        let deep = format!("{}i:1;{}", "a:1:{i:0;".repeat(100), "}".repeat(100));
        assert!(unserialize(&deep).unwrap_err().message.contains("deeply"));
    }

    #[test]
    fn only_what_wordpress_calls_serialised_is_read() {
        assert!(is_serialized(r#"a:1:{s:1:"a";i:1;}"#));
        assert!(is_serialized("N;"));
        assert!(is_serialized("i:5;"));
        assert!(!is_serialized("<pre>some html</pre>"));
        assert!(!is_serialized("1"));
        assert!(!is_serialized("a: note"));
    }

    fn php_values() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just("N;".to_string()),
            any::<bool>().prop_map(|b| format!("b:{};", u8::from(b))),
            any::<i64>().prop_map(|i| format!("i:{i};")),
            "\\PC{0,10}".prop_map(|s| format!("s:{}:\"{s}\";", s.len())),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop::collection::vec(inner, 0..4).prop_map(|values| {
                let body: String = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("i:{i};{v}"))
                    .collect();
                format!("a:{}:{{{body}}}", values.len())
            })
        })
    }

    proptest::proptest! {
        /// Serialised meta as WordPress writes it reads back; the same text cut anywhere or
        /// with a byte changed is an error or a value, never a panic.
        #[test]
        fn wordpress_serialisations_read_and_damage_is_refused(text in php_values(), cut in 0usize..400, flip in 0usize..400) {
            proptest::prop_assert!(unserialize(&text).is_ok(), "{}", text);
            let cut = text.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(text.len());
            let _ = unserialize(&text[..cut]);
            let mut bytes = text.into_bytes();
            if !bytes.is_empty() {
                let at = flip % bytes.len();
                bytes[at] = bytes[at].wrapping_add(1);
            }
            let _ = unserialize(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn deep_nesting_is_refused_not_recursed(depth in 60usize..5000) {
            let text = format!("{}i:1;{}", "a:1:{i:0;".repeat(depth), "}".repeat(depth));
            let _ = unserialize(&text);
        }
    }
}
