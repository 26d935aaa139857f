//! The query string as WordPress reads it: lists as `a=1,2` or `a[]=1&a[]=2`, each parameter
//! checked against its schema, and every problem collected so that one answer names them all
//! (`Invalid parameter(s): per_page, order`), with WordPress's messages.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::error::WpError;
use crate::db::Timestamp;

/// The most values one list parameter may carry, and the longest value, so a request stays
/// cheap to check whatever its size.
const MAX_LIST: usize = 100;
const MAX_VALUE_CHARS: usize = 500;

/// The values of a request's parameters, by name (without `[]`).
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: HashMap<String, Vec<String>>,
    problems: Vec<(String, &'static str, String)>,
}

impl Params {
    pub fn parse(query: Option<&str>) -> Params {
        let pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(n, v)| (n.into_owned(), v.chars().take(MAX_VALUE_CHARS).collect()));
        Params::from_pairs(pairs)
    }

    /// The fields of a write's body, as name and value pairs whatever its encoding; values are
    /// kept whole (a post's content is long), the body's own size limit bounds them.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Params {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in pairs {
            let name = match name.find('[') {
                Some(i) => &name[..i],
                None => &name,
            };
            values.entry(name.to_string()).or_default().push(value);
        }
        Params {
            values,
            problems: Vec::new(),
        }
    }

    /// A parameter's single value: the last one given.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Sets a parameter, as an embedded request does for `context`.
    pub fn set(&mut self, name: &str, value: &str) {
        self.values.insert(name.into(), vec![value.into()]);
    }

    pub fn problem(&mut self, name: &str, code: &'static str, message: String) {
        self.problems.push((name.to_string(), code, message));
    }

    /// The problems found so far, as WordPress's `rest_invalid_param`.
    pub fn check(&self) -> Result<(), WpError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(WpError::invalid_params(&self.problems))
        }
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.raw(name).map(str::to_string)
    }

    /// A whole number within `range`, or `default` when absent.
    pub fn int(&mut self, name: &str, default: i64, min: i64, max: Option<i64>) -> i64 {
        let Some(raw) = self.raw(name).map(str::to_string) else {
            return default;
        };
        let Ok(value) = raw.trim().parse::<i64>() else {
            self.problem(
                name,
                "rest_invalid_type",
                format!("{name} is not of type integer."),
            );
            return default;
        };
        let out_of_range = value < min || max.is_some_and(|m| value > m);
        if out_of_range {
            let message = match max {
                Some(max) => {
                    format!("{name} must be between {min} (inclusive) and {max} (inclusive)")
                }
                None => format!("{name} must be greater than or equal to {min}"),
            };
            self.problem(name, "rest_out_of_bounds", message);
            return default;
        }
        value
    }

    /// Every value of a list parameter, split on commas.
    fn items(&self, name: &str) -> Vec<String> {
        self.values
            .get(name)
            .into_iter()
            .flatten()
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .take(MAX_LIST)
            .collect()
    }

    /// A list of ids; `label` names the list in the message (`Term ID List`).
    pub fn ids(&mut self, name: &str) -> Option<Vec<i64>> {
        if !self.has(name) {
            return None;
        }
        let mut ids = Vec::new();
        for (i, item) in self.items(name).iter().enumerate() {
            match item.parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => {
                    self.problem(
                        name,
                        "rest_invalid_type",
                        format!("{name}[{i}] is not of type integer."),
                    );
                    return None;
                }
            }
        }
        Some(ids)
    }

    pub fn strings(&self, name: &str) -> Option<Vec<String>> {
        self.has(name).then(|| self.items(name))
    }

    /// One of `allowed`, or `default` when absent.
    pub fn choice(
        &mut self,
        name: &str,
        allowed: &[&'static str],
        default: &'static str,
    ) -> &'static str {
        let Some(raw) = self.raw(name) else {
            return default;
        };
        if let Some(found) = allowed.iter().find(|a| **a == raw) {
            return found;
        }
        let list = match allowed {
            [] => String::new(),
            [one] => (*one).to_string(),
            [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
        };
        let list = if allowed.len() == 2 {
            list.replacen(", and", " and", 1)
        } else {
            list
        };
        self.problem(
            name,
            "rest_not_in_enum",
            format!("{name} is not one of {list}."),
        );
        default
    }

    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        let raw = self.raw(name)?.to_ascii_lowercase();
        match raw.as_str() {
            "1" | "true" => Some(true),
            "0" | "false" | "" => Some(false),
            _ => {
                self.problem(
                    name,
                    "rest_invalid_type",
                    format!("{name} is not of type boolean."),
                );
                None
            }
        }
    }

    /// An ISO 8601 date: with an offset it is that instant, without one it is in the site's
    /// zone, as WordPress reads it.
    pub fn date(&mut self, name: &str, tz: Tz) -> Option<Timestamp> {
        let raw = self.raw(name)?.trim().to_string();
        let parsed = DateTime::parse_from_rfc3339(&raw)
            .map(|d| d.with_timezone(&chrono::Utc))
            .ok()
            .or_else(|| {
                [
                    "%Y-%m-%dT%H:%M:%S",
                    "%Y-%m-%dT%H:%M:%S%.f",
                    "%Y-%m-%d %H:%M:%S",
                ]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(&raw, f).ok())
                .and_then(|naive| tz.from_local_datetime(&naive).earliest())
                .map(|d| d.with_timezone(&chrono::Utc))
            });
        match parsed {
            Some(at) => Some(Timestamp::from_datetime(at)),
            None => {
                self.problem(name, "rest_invalid_date", "Invalid date.".into());
                None
            }
        }
    }

    /// `_fields`: the fields asked for, with dotted paths (`title.rendered`).
    pub fn fields(&self) -> Option<Vec<String>> {
        self.strings("_fields")
    }

    /// `_embed`: `None` when not asked, an empty list for every relation, or the relations
    /// named.
    pub fn embed(&self) -> Option<Vec<String>> {
        let raw = self.raw("_embed")?;
        if matches!(raw, "" | "1" | "true") {
            Some(Vec::new())
        } else {
            Some(self.items("_embed"))
        }
    }
}

/// How to page a collection, checked: `page` from 1, `per_page` from 1 to 100 (10 by
/// default), and `offset`.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
    pub offset: i64,
}

impl Paging {
    pub fn read(params: &mut Params, max_per_page: i64) -> Paging {
        let page = params.int("page", 1, 1, None);
        let per_page = params.int("per_page", 10, 1, Some(max_per_page));
        let offset = params.int("offset", 0, 0, None);
        Paging {
            page,
            per_page,
            offset,
        }
    }

    /// Rows to skip: an explicit `offset` replaces the page's.
    pub fn skip(&self, explicit_offset: bool) -> i64 {
        if explicit_offset {
            self.offset
        } else {
            (self.page - 1).saturating_mul(self.per_page)
        }
    }

    /// One page of a list read whole, in the order asked for, and how many items there are in
    /// all; a page past the end is WordPress's `code` error.
    pub fn slice<T>(
        &self,
        mut items: Vec<T>,
        descending: bool,
        explicit_offset: bool,
        code: &'static str,
    ) -> Result<(Vec<T>, i64), WpError> {
        if descending {
            items.reverse();
        }
        let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let skip = self.skip(explicit_offset);
        if total > 0 && skip >= total {
            return Err(WpError::page_out_of_range(code));
        }
        let page = items
            .into_iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(self.per_page).unwrap_or(0))
            .collect();
        Ok((page, total))
    }

    pub fn total_pages(&self, total: i64) -> i64 {
        if total == 0 {
            0
        } else {
            (total + self.per_page - 1) / self.per_page
        }
    }
}

/// The parameters every list read whole filters by: `include`, `exclude`, `slug`, `search`.
#[derive(Debug, Clone)]
pub struct Selection {
    pub include: Option<Vec<i64>>,
    exclude: Vec<i64>,
    slugs: Option<Vec<String>>,
    search: Option<String>,
}

impl Selection {
    pub fn read(params: &mut Params) -> Selection {
        Selection {
            include: params.ids("include"),
            exclude: params.ids("exclude").unwrap_or_default(),
            slugs: params.strings("slug"),
            search: params.string("search").map(|s| s.to_lowercase()),
        }
    }

    /// Whether the item `id` with `slug` is kept; `search` looks in `texts` too.
    pub fn keeps(&self, id: i64, slug: &str, texts: &[&str]) -> bool {
        self.include.as_ref().is_none_or(|ids| ids.contains(&id))
            && !self.exclude.contains(&id)
            && self
                .slugs
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s.eq_ignore_ascii_case(slug)))
            && self.search.as_ref().is_none_or(|q| {
                slug.to_lowercase().contains(q)
                    || texts.iter().any(|t| t.to_lowercase().contains(q))
            })
    }

    /// Where `id` stands in `include`, for `orderby=include`.
    pub fn place(&self, id: i64) -> Option<usize> {
        self.include.as_ref()?.iter().position(|i| *i == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_as_commas_or_brackets() {
        let mut p = Params::parse(Some("categories=1,2&tags[]=3&tags[]=4&include%5B%5D=9"));
        assert_eq!(p.ids("categories"), Some(vec![1, 2]));
        assert_eq!(p.ids("tags"), Some(vec![3, 4]));
        assert_eq!(p.ids("include"), Some(vec![9]));
        assert!(p.check().is_ok());
    }

    #[test]
    fn every_problem_is_named_with_wordpress_messages() {
        let mut p = Params::parse(Some("per_page=1000&order=up&categories=abc"));
        Paging::read(&mut p, 100);
        p.choice("order", &["asc", "desc"], "desc");
        p.ids("categories");
        let e = p.check().unwrap_err().body();
        assert_eq!(
            e["message"],
            "Invalid parameter(s): per_page, order, categories"
        );
        assert_eq!(
            e["data"]["params"]["per_page"],
            "per_page must be between 1 (inclusive) and 100 (inclusive)"
        );
        assert_eq!(
            e["data"]["params"]["order"],
            "order is not one of asc and desc."
        );
        assert_eq!(
            e["data"]["details"]["categories"]["code"],
            "rest_invalid_type"
        );
    }

    #[test]
    fn dates_without_an_offset_are_local() {
        let mut p = Params::parse(Some(
            "after=2024-01-01T10:00:00&before=2024-01-01T10:00:00Z",
        ));
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let after = p.date("after", tz).unwrap();
        let before = p.date("before", tz).unwrap();
        assert_eq!(before.micros() - after.micros(), 3_600_000_000);
        assert!(p.date("nope", tz).is_none());
        let mut bad = Params::parse(Some("after=yesterday"));
        assert!(bad.date("after", tz).is_none());
        assert_eq!(
            bad.check().unwrap_err().body()["data"]["params"]["after"],
            "Invalid date."
        );
    }
}
