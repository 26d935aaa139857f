//! The query parameters of a Content API request, read as Ghost reads them: `include`,
//! `fields`, `formats`, `filter`, `limit`, `page` and `order`. Parameters Ghost ignores
//! (unknown names, unknown includes, formats and order columns) are ignored here too; a page
//! or limit that is not a number, and a filter that does not parse, are refused as Ghost does.

use super::error::GhostError;
use super::nql::{self, Filter};

/// The most items a page carries: Ghost 6 took away `limit=all` and caps pages at 100.
pub const MAX_LIMIT: i64 = 100;
const DEFAULT_LIMIT: i64 = 15;

pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(query: Option<&str>) -> Params {
        Params {
            pairs: form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .unwrap_or("")
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// `include=tags,authors,count.posts`.
    pub fn includes(&self, name: &str) -> bool {
        self.list("include").iter().any(|i| i == name)
    }

    /// `fields=title,url`: `None` for every field.
    pub fn fields(&self) -> Option<Vec<String>> {
        let fields = self.list("fields");
        (!fields.is_empty()).then_some(fields)
    }

    /// `formats=html,plaintext`; html is always there unless other formats are named.
    pub fn formats(&self) -> Formats {
        let named = self.list("formats");
        let known: Vec<&String> = named
            .iter()
            .filter(|f| *f == "html" || *f == "plaintext")
            .collect();
        if known.is_empty() {
            return Formats {
                html: true,
                plaintext: false,
            };
        }
        Formats {
            html: known.iter().any(|f| *f == "html"),
            plaintext: known.iter().any(|f| *f == "plaintext"),
        }
    }

    /// `filter`, parsed; a broken one is Ghost's 400 for `resource`.
    pub fn filter(&self, resource: &str) -> Result<Option<Filter>, GhostError> {
        let Some(text) = self.get("filter").filter(|t| !t.trim().is_empty()) else {
            return Ok(None);
        };
        nql::parse(text).map(Some).map_err(|e| {
            GhostError::bad_request(format!(
                "Request not understood error, cannot list {resource}."
            ))
            .with_context(format!("Error parsing filter: {e}"))
        })
    }

    /// `limit` and `page`: a limit of 0 is the default and above 100 is 100 (as is `all`);
    /// a page below 1 is the first.
    pub fn paging(&self, resource: &str) -> Result<Paging, GhostError> {
        let invalid = |name: &str| {
            GhostError::validation(format!("Validation error, cannot list {resource}."))
                .with_context(format!(
                    "Validation (matches) failed for {name}: give a whole number"
                ))
        };
        let limit = match self.get("limit").map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some("all") => MAX_LIMIT,
            Some(n) => match n.parse::<i64>() {
                Ok(n) if n <= 0 => DEFAULT_LIMIT,
                Ok(n) => n.min(MAX_LIMIT),
                Err(_) => return Err(invalid("limit")),
            },
        };
        let page = match self.get("page").map(str::trim) {
            None | Some("") => 1,
            Some(n) => n.parse::<i64>().map_err(|_| invalid("page"))?.max(1),
        };
        Ok(Paging { page, limit })
    }

    /// `order=published_at desc,title asc`: the columns `known` names, each with whether it
    /// descends; unknown columns are skipped.
    pub fn order(&self, known: &[&'static str]) -> Vec<(&'static str, bool)> {
        self.list("order")
            .iter()
            .filter_map(|part| {
                let mut words = part.split_whitespace();
                let column = words.next()?.to_ascii_lowercase();
                let column = known.iter().find(|k| **k == column)?;
                let desc = words.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                Some((*column, desc))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Formats {
    pub html: bool,
    pub plaintext: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub limit: i64,
}

impl Paging {
    pub fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.limit)
    }

    /// Ghost's `meta.pagination`.
    pub fn meta(self, total: i64) -> serde_json::Value {
        let pages = ((total + self.limit - 1) / self.limit).max(1);
        let next = (self.page < pages).then_some(self.page + 1);
        let prev = (self.page > 1 && self.page <= pages).then_some(self.page - 1);
        serde_json::json!({"pagination": {
            "page": self.page,
            "limit": self.limit,
            "pages": pages,
            "total": total,
            "next": next,
            "prev": prev,
        }})
    }

    /// The page of a list read whole.
    pub fn slice<T>(self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .skip(usize::try_from(self.offset()).unwrap_or(usize::MAX))
            .take(usize::try_from(self.limit).unwrap_or(0))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_follows_ghost() {
        let p = Params::parse(Some("limit=500&page=0"))
            .paging("posts")
            .unwrap();
        assert_eq!((p.page, p.limit), (1, 100));
        let p = Params::parse(Some("limit=0")).paging("posts").unwrap();
        assert_eq!(p.limit, 15);
        assert!(Params::parse(Some("page=x")).paging("posts").is_err());
        let meta = Paging { page: 2, limit: 2 }.meta(5);
        assert_eq!(meta["pagination"]["pages"], 3);
        assert_eq!(meta["pagination"]["next"], 3);
        assert_eq!(meta["pagination"]["prev"], 1);
        assert_eq!(
            Paging { page: 9, limit: 15 }.meta(3)["pagination"]["prev"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn order_keeps_known_columns() {
        let p = Params::parse(Some(
            "order=title%20asc,%20bogus%20desc,published_at%20DESC",
        ));
        assert_eq!(
            p.order(&["title", "published_at"]),
            vec![("title", false), ("published_at", true)]
        );
    }
}
