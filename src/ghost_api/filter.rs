//! What a parsed NQL filter means for each resource. Posts become an article query condition,
//! run in SQL over the whole archive; tags, authors and pages (tens to thousands of rows) are
//! read whole and each row is tested here. Either way, a property the resource does not have is
//! a 400 naming it, as Ghost refuses a filter it cannot run.

use chrono::{DateTime, Duration, Months, NaiveDate, NaiveDateTime, Utc};

use super::error::GhostError;
use super::ids::{self, Kind};
use super::nql::{Clause, Filter, Op, Value};
use crate::articles::query::{Cmp, Cond, TextMatch};
use crate::db::Timestamp;

/// Ghost's answer to a filter it cannot run, naming why in the context.
pub fn refused(resource: &str, why: impl Into<String>) -> GhostError {
    GhostError::bad_request(format!(
        "Request not understood error, cannot list {resource}."
    ))
    .with_context(why)
}

fn unsupported(clause: &Clause) -> String {
    format!(
        "the filter cannot compare `{}` that way; see docs/api-compatibility.md",
        clause.prop
    )
}

/// What a post filter may mention besides the article itself.
pub struct PostScope<'a> {
    /// The home page's hand-picked stories: Ghost's `featured` posts.
    pub featured: &'a [i64],
    pub now: Timestamp,
}

/// The article condition a post filter names.
pub fn posts(filter: &Filter, scope: &PostScope) -> Result<Cond, String> {
    Ok(match filter {
        Filter::And(parts) => Cond::All(
            parts
                .iter()
                .map(|p| posts(p, scope))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Or(parts) => Cond::Any(
            parts
                .iter()
                .map(|p| posts(p, scope))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Clause(clause) => {
            let cond = post_clause(clause, scope)?;
            if clause.negated {
                Cond::Not(Box::new(cond))
            } else {
                cond
            }
        }
    })
}

fn post_clause(clause: &Clause, scope: &PostScope) -> Result<Cond, String> {
    let slugs = || -> Result<Vec<String>, String> {
        if clause.op != Op::Is {
            return Err(unsupported(clause));
        }
        clause
            .value
            .items()
            .into_iter()
            .map(|v| v.text().ok_or_else(|| unsupported(clause)))
            .collect()
    };
    let always = |yes: bool| {
        if yes {
            Cond::All(Vec::new())
        } else {
            Cond::Any(Vec::new())
        }
    };
    Ok(match clause.prop.as_str() {
        "id" => Cond::Ids(
            slugs()?
                .iter()
                .filter_map(|id| ids::decode(Kind::Post, id))
                .collect(),
        ),
        "slug" => Cond::Slugs(slugs()?),
        "tag" | "tags" | "tags.slug" => Cond::TagSlugs(slugs()?),
        "author" | "authors" | "authors.slug" => Cond::AuthorSlugs(slugs()?),
        "primary_tag" | "primary_tag.slug" => Cond::PrimaryTagSlugs(slugs()?),
        "primary_author" | "primary_author.slug" => Cond::PrimaryAuthorSlugs(slugs()?),
        "featured" => match (&clause.op, &clause.value) {
            (Op::Is, Value::Bool(yes)) => {
                let featured = Cond::Ids(scope.featured.to_vec());
                if *yes {
                    featured
                } else {
                    Cond::Not(Box::new(featured))
                }
            }
            _ => return Err(unsupported(clause)),
        },
        "visibility" => always(slugs()?.iter().any(|v| v == "public")),
        "status" => always(slugs()?.iter().any(|v| v == "published")),
        "type" => always(slugs()?.iter().any(|v| v == "post")),
        "feature_image" => match (&clause.op, &clause.value) {
            (Op::Is, Value::Null) => Cond::HasLeadImage(false),
            _ => return Err(unsupported(clause)),
        },
        "title" => {
            let text = clause.value.text().ok_or_else(|| unsupported(clause))?;
            let how = match clause.op {
                Op::Is => TextMatch::Equals,
                Op::Contains => TextMatch::Contains,
                Op::StartsWith => TextMatch::StartsWith,
                Op::EndsWith => TextMatch::EndsWith,
                _ => return Err(unsupported(clause)),
            };
            Cond::Headline(how, text)
        }
        "published_at" | "updated_at" => {
            let cmp = match clause.op {
                Op::Is => Cmp::Equal,
                Op::Gt => Cmp::After,
                Op::Gte => Cmp::AtOrAfter,
                Op::Lt => Cmp::Before,
                Op::Lte => Cmp::AtOrBefore,
                _ => return Err(unsupported(clause)),
            };
            let at = instant(&clause.value, scope.now).ok_or_else(|| {
                format!(
                    "`{}` needs a date such as '2024-01-31', '2024-01-31 12:00:00' or now-7d",
                    clause.prop
                )
            })?;
            if clause.prop == "published_at" {
                Cond::Published(cmp, at)
            } else {
                Cond::Modified(cmp, at)
            }
        }
        other => return Err(format!("posts cannot be filtered by `{other}`")),
    })
}

/// A date as NQL writes it: ISO 8601 with or without a time (UTC), or relative to now
/// (`now-7d`, `now+1w`; units s m h d w M y).
pub fn instant(value: &Value, now: Timestamp) -> Option<Timestamp> {
    let text = value.text()?;
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("now") {
        if rest.is_empty() {
            return Some(now);
        }
        let (sign, rest) = match rest.as_bytes().first()? {
            b'-' => (-1, &rest[1..]),
            b'+' => (1, &rest[1..]),
            _ => return None,
        };
        let unit = rest.chars().last()?;
        let amount: i64 = rest[..rest.len() - unit.len_utf8()].parse().ok()?;
        let amount = amount.checked_mul(sign)?;
        let now = now.to_datetime();
        let months = |n: i64| -> Option<DateTime<Utc>> {
            let n = u32::try_from(n.unsigned_abs()).ok()?;
            if amount < 0 {
                now.checked_sub_months(Months::new(n))
            } else {
                now.checked_add_months(Months::new(n))
            }
        };
        let at = match unit {
            's' => now.checked_add_signed(Duration::try_seconds(amount)?),
            'm' => now.checked_add_signed(Duration::try_minutes(amount)?),
            'h' => now.checked_add_signed(Duration::try_hours(amount)?),
            'd' => now.checked_add_signed(Duration::try_days(amount)?),
            'w' => now.checked_add_signed(Duration::try_weeks(amount)?),
            'M' => months(amount),
            'y' => months(amount.checked_mul(12)?),
            _ => None,
        }?;
        return Some(Timestamp::from_datetime(at));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(Timestamp::from_datetime(at.with_timezone(&Utc)));
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })?;
    Some(Timestamp::from_datetime(naive.and_utc()))
}

/// One property of a row, as the in-memory filter compares it.
pub enum Field {
    Text(String),
    /// Several values (a post's tag slugs): the clause holds when one of them matches.
    Texts(Vec<String>),
    Number(i64),
    Bool(bool),
    Time(Option<Timestamp>),
}

/// Refuses a filter naming a property outside `known`, before any row is tested: a bad filter
/// is an error even on an empty list, as Ghost answers it.
pub fn check(filter: &Filter, known: &[&str]) -> Result<(), String> {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().try_for_each(|p| check(p, known)),
        Filter::Clause(c) if known.contains(&c.prop.as_str()) => Ok(()),
        Filter::Clause(c) => Err(format!("this resource cannot be filtered by `{}`", c.prop)),
    }
}

/// Whether a row passes the filter; `lookup` answers for each property the row has, `None` for
/// any other (which then never holds).
pub fn matches(filter: &Filter, now: Timestamp, lookup: &dyn Fn(&str) -> Option<Field>) -> bool {
    match filter {
        Filter::And(parts) => parts.iter().all(|p| matches(p, now, lookup)),
        Filter::Or(parts) => parts.iter().any(|p| matches(p, now, lookup)),
        Filter::Clause(clause) => {
            let held = lookup(&clause.prop).is_some_and(|field| holds(clause, &field, now));
            held != clause.negated
        }
    }
}

fn holds(clause: &Clause, field: &Field, now: Timestamp) -> bool {
    let wanted = clause.value.items();
    match field {
        Field::Texts(values) => values.iter().any(|v| text_holds(clause.op, &wanted, v)),
        Field::Text(value) => text_holds(clause.op, &wanted, value),
        Field::Number(n) => wanted.iter().any(|w| match w {
            Value::Number(m) => compare(clause.op, n, m),
            _ => false,
        }),
        Field::Bool(b) => wanted.contains(&&Value::Bool(*b)),
        Field::Time(at) => wanted.iter().any(|w| match (at, w) {
            (None, Value::Null) => clause.op == Op::Is,
            (Some(at), w) => instant(w, now).is_some_and(|t| compare(clause.op, at, &t)),
            _ => false,
        }),
    }
}

/// Whether a text compares with one of `wanted` as `op` says, case-insensitively.
fn text_holds(op: Op, wanted: &[&Value], value: &str) -> bool {
    let value = value.to_lowercase();
    wanted.iter().any(|w| {
        let Some(w) = w.text().map(|t| t.to_lowercase()) else {
            return false;
        };
        match op {
            Op::Is => value == w,
            Op::Contains => value.contains(&w),
            Op::StartsWith => value.starts_with(&w),
            Op::EndsWith => value.ends_with(&w),
            Op::Gt => value > w,
            Op::Gte => value >= w,
            Op::Lt => value < w,
            Op::Lte => value <= w,
        }
    })
}

fn compare<T: PartialOrd>(op: Op, a: &T, b: &T) -> bool {
    match op {
        Op::Is => a == b,
        Op::Gt => a > b,
        Op::Gte => a >= b,
        Op::Lt => a < b,
        Op::Lte => a <= b,
        Op::Contains | Op::StartsWith | Op::EndsWith => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::nql::parse;
    use super::*;

    const NOW: Timestamp = Timestamp::from_micros(1_717_200_000_000_000);

    #[test]
    fn post_filters_become_article_conditions() {
        let scope = PostScope {
            featured: &[7],
            now: NOW,
        };
        let cond = posts(&parse("tag:news+featured:true").unwrap(), &scope).unwrap();
        assert_eq!(
            cond,
            Cond::All(vec![
                Cond::TagSlugs(vec!["news".into()]),
                Cond::Ids(vec![7])
            ])
        );
        let id = ids::encode(Kind::Post, 12);
        let cond = posts(&parse(&format!("id:-{id}")).unwrap(), &scope).unwrap();
        assert_eq!(cond, Cond::Not(Box::new(Cond::Ids(vec![12]))));
        assert!(posts(&parse("colour:red").unwrap(), &scope).is_err());
        assert!(posts(&parse("slug:>a").unwrap(), &scope).is_err());
        assert!(posts(&parse("published_at:>soon").unwrap(), &scope).is_err());
    }

    #[test]
    fn dates_read_absolute_and_relative() {
        let day = instant(&Value::Text("2024-06-01".into()), NOW).unwrap();
        assert_eq!(day.to_datetime().to_rfc3339(), "2024-06-01T00:00:00+00:00");
        let week_ago = instant(&Value::Text("now-7d".into()), NOW).unwrap();
        assert_eq!(NOW.micros() - week_ago.micros(), 7 * 86_400 * 1_000_000);
        assert!(instant(&Value::Text("now-99999999999y".into()), NOW).is_none());
    }

    #[test]
    fn rows_are_tested_in_memory() {
        let row = |prop: &str| match prop {
            "slug" => Some(Field::Text("world".into())),
            "count.posts" => Some(Field::Number(3)),
            "visibility" => Some(Field::Text("public".into())),
            _ => None,
        };
        let yes = |f: &str| matches(&parse(f).unwrap(), NOW, &row);
        assert!(yes("slug:[news,world]"));
        assert!(yes("slug:-news+count.posts:>2"));
        assert!(!yes("visibility:internal"));
        assert!(yes("(slug:news,slug:world)+visibility:public"));
        assert!(check(&parse("name:x").unwrap(), &["slug"]).is_err());
    }
}
