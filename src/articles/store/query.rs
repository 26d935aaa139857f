//! Published articles chosen by a condition tree, for the compatibility APIs whose filters
//! combine freely (WordPress's collection parameters, Ghost's NQL). The tree compiles to one
//! `WHERE` clause of fixed SQL fragments and numbered placeholders: every value is bound, and
//! the text grows linearly with the tree.

use sqlx::AssertSqlSafe;

use super::reads::{ArticleRow, escape_like};
use crate::db::{Db, Timestamp, placeholders};
use crate::with_db;

/// How a time or number compares to the bound value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Before,
    AtOrBefore,
    After,
    AtOrAfter,
    Equal,
}

impl Cmp {
    fn sql(self) -> &'static str {
        match self {
            Cmp::Before => "<",
            Cmp::AtOrBefore => "<=",
            Cmp::After => ">",
            Cmp::AtOrAfter => ">=",
            Cmp::Equal => "=",
        }
    }
}

/// Which published articles a query keeps.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Ids(Vec<i64>),
    Slugs(Vec<String>),
    /// In one of these sections, or (with `children`) one of their sub-sections.
    Sections {
        ids: Vec<i64>,
        children: bool,
    },
    SectionSlugs(Vec<String>),
    /// Carrying at least one of these tags.
    Tags(Vec<i64>),
    TagSlugs(Vec<String>),
    /// The first tag (Ghost's primary tag) is one of these.
    PrimaryTagSlugs(Vec<String>),
    /// The first author of the byline (Ghost's primary author) is one of these.
    PrimaryAuthorSlugs(Vec<String>),
    /// Bylined by at least one of these authors.
    Authors(Vec<i64>),
    AuthorSlugs(Vec<String>),
    Published(Cmp, Timestamp),
    Modified(Cmp, Timestamp),
    /// Every word appears, case-insensitively, in the headline, standfirst or body text.
    Words(Vec<String>),
    /// The headline, case-insensitively, matches the text as the [`TextMatch`] says.
    Headline(TextMatch, String),
    HasLeadImage(bool),
}

/// How a text is compared with a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextMatch {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

impl Cond {
    fn is_empty_list(&self) -> bool {
        match self {
            Cond::Ids(v) | Cond::Tags(v) | Cond::Authors(v) => v.is_empty(),
            Cond::Sections { ids, .. } => ids.is_empty(),
            Cond::Slugs(v)
            | Cond::SectionSlugs(v)
            | Cond::TagSlugs(v)
            | Cond::PrimaryTagSlugs(v)
            | Cond::PrimaryAuthorSlugs(v)
            | Cond::AuthorSlugs(v) => v.is_empty(),
            _ => false,
        }
    }
}

/// What a query sorts by; the id breaks ties so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderBy {
    Published,
    Modified,
    Id,
    Slug,
    Headline,
    /// The first author of the byline, by id.
    FirstAuthor,
}

impl OrderBy {
    fn column(self) -> &'static str {
        match self {
            OrderBy::Published => "a.published_at",
            OrderBy::Modified => "a.updated_at",
            OrderBy::Id => "a.id",
            OrderBy::Slug => "a.slug",
            OrderBy::Headline => "lower(a.headline)",
            OrderBy::FirstAuthor => {
                "(SELECT aa.author_id FROM article_authors aa WHERE aa.article_id = a.id \
                 ORDER BY aa.position LIMIT 1)"
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Query {
    pub cond: Cond,
    /// Sort keys, each with whether it descends.
    pub order: Vec<(OrderBy, bool)>,
    pub limit: i64,
    pub offset: i64,
}

enum Bind {
    Int(i64),
    Text(String),
}

/// The SQL text of a condition and its values, numbered from `$2` (`$1` is the time).
struct Compiled {
    sql: String,
    binds: Vec<Bind>,
}

impl Compiled {
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len() + 1)
    }

    fn list(&mut self, values: impl IntoIterator<Item = Bind>) -> String {
        let marks: Vec<String> = values.into_iter().map(|v| self.bind(v)).collect();
        marks.join(", ")
    }

    fn ints(&mut self, ids: &[i64]) -> String {
        self.list(ids.iter().map(|id| Bind::Int(*id)))
    }

    fn texts(&mut self, values: &[String]) -> String {
        self.list(values.iter().map(|v| Bind::Text(v.to_lowercase())))
    }

    fn push(&mut self, cond: &Cond) {
        if cond.is_empty_list() {
            // `x IN (NULL)` is unknown, not false, and `NOT` of unknown is still unknown.
            self.sql.push_str("FALSE");
            return;
        }
        match cond {
            Cond::All(parts) | Cond::Any(parts) if parts.is_empty() => {
                self.sql.push_str(if matches!(cond, Cond::All(_)) {
                    "TRUE"
                } else {
                    "FALSE"
                });
            }
            Cond::All(parts) | Cond::Any(parts) => {
                let joiner = if matches!(cond, Cond::All(_)) {
                    " AND "
                } else {
                    " OR "
                };
                self.sql.push('(');
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(joiner);
                    }
                    self.push(part);
                }
                self.sql.push(')');
            }
            Cond::Not(inner) => {
                self.sql.push_str("NOT (");
                self.push(inner);
                self.sql.push(')');
            }
            Cond::Ids(ids) => {
                let list = self.ints(ids);
                self.sql.push_str(&format!("a.id IN ({list})"));
            }
            Cond::Slugs(slugs) => {
                let list = self.texts(slugs);
                self.sql.push_str(&format!("lower(a.slug) IN ({list})"));
            }
            Cond::Sections { ids, children } => {
                let list = self.ints(ids);
                if *children {
                    self.sql.push_str(&format!(
                        "a.section_id IN (SELECT id FROM sections WHERE id IN ({list}) \
                         OR parent_id IN ({list}))"
                    ));
                } else {
                    self.sql.push_str(&format!("a.section_id IN ({list})"));
                }
            }
            Cond::SectionSlugs(slugs) => {
                let list = self.texts(slugs);
                self.sql.push_str(&format!(
                    "a.section_id IN (SELECT id FROM sections WHERE lower(slug) IN ({list}))"
                ));
            }
            Cond::Tags(ids) => {
                let list = self.ints(ids);
                self.sql.push_str(&format!(
                    "a.id IN (SELECT article_id FROM article_tags WHERE tag_id IN ({list}))"
                ));
            }
            Cond::TagSlugs(slugs) => {
                let list = self.texts(slugs);
                self.sql.push_str(&format!(
                    "a.id IN (SELECT at.article_id FROM article_tags at \
                     JOIN tags t ON t.id = at.tag_id WHERE lower(t.slug) IN ({list}))"
                ));
            }
            Cond::PrimaryTagSlugs(slugs) => {
                let list = self.texts(slugs);
                self.sql.push_str(&format!(
                    "(SELECT lower(t.slug) FROM article_tags at JOIN tags t ON t.id = at.tag_id \
                     WHERE at.article_id = a.id ORDER BY at.position, t.id LIMIT 1) IN ({list})"
                ));
            }
            Cond::PrimaryAuthorSlugs(slugs) => {
                let list = self.texts(slugs);
                self.sql.push_str(&format!(
                    "(SELECT lower(au.slug) FROM article_authors aa \
                     JOIN authors au ON au.id = aa.author_id \
                     WHERE aa.article_id = a.id ORDER BY aa.position, au.id LIMIT 1) IN ({list})"
                ));
            }
            Cond::Authors(ids) => {
                let list = self.ints(ids);
                self.sql.push_str(&format!(
                    "a.id IN (SELECT article_id FROM article_authors WHERE author_id IN ({list}))"
                ));
            }
            Cond::AuthorSlugs(slugs) => {
                let list = self.texts(slugs);
                self.sql.push_str(&format!(
                    "a.id IN (SELECT aa.article_id FROM article_authors aa \
                     JOIN authors au ON au.id = aa.author_id WHERE lower(au.slug) IN ({list}))"
                ));
            }
            Cond::Published(cmp, at) => {
                let mark = self.bind(Bind::Int(at.micros()));
                self.sql
                    .push_str(&format!("a.published_at {} {mark}", cmp.sql()));
            }
            Cond::Modified(cmp, at) => {
                let mark = self.bind(Bind::Int(at.micros()));
                self.sql
                    .push_str(&format!("a.updated_at {} {mark}", cmp.sql()));
            }
            Cond::Words(words) if words.is_empty() => self.sql.push_str("TRUE"),
            Cond::Words(words) => {
                self.sql.push('(');
                for (i, word) in words.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(" AND ");
                    }
                    let mark = self.bind(Bind::Text(format!(
                        "%{}%",
                        escape_like(&word.to_lowercase())
                    )));
                    self.sql.push_str(&format!(
                        "(lower(a.headline) LIKE {mark} ESCAPE '\\' \
                         OR lower(a.standfirst) LIKE {mark} ESCAPE '\\' \
                         OR lower(a.body_html) LIKE {mark} ESCAPE '\\')"
                    ));
                }
                self.sql.push(')');
            }
            Cond::Headline(how, text) => {
                let text = escape_like(&text.to_lowercase());
                let pattern = match how {
                    TextMatch::Equals => text,
                    TextMatch::Contains => format!("%{text}%"),
                    TextMatch::StartsWith => format!("{text}%"),
                    TextMatch::EndsWith => format!("%{text}"),
                };
                let mark = self.bind(Bind::Text(pattern));
                self.sql
                    .push_str(&format!("lower(a.headline) LIKE {mark} ESCAPE '\\'"));
            }
            Cond::HasLeadImage(yes) => self.sql.push_str(if *yes {
                "a.lead_media_id IS NOT NULL"
            } else {
                "a.lead_media_id IS NULL"
            }),
        }
    }
}

fn compile(cond: &Cond) -> Compiled {
    let mut compiled = Compiled {
        sql: String::from("a.status = 'published' AND a.published_at <= $1 AND "),
        binds: Vec::new(),
    };
    compiled.push(cond);
    compiled
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.as_str()),
            };
        }
        q
    }};
}

/// The articles readers may see now that `query` keeps, in its order, a page of them.
pub async fn find_matching(
    db: &Db,
    now: Timestamp,
    query: &Query,
) -> sqlx::Result<Vec<ArticleRow>> {
    let compiled = compile(&query.cond);
    let mut order: Vec<String> = query
        .order
        .iter()
        .map(|(by, desc)| format!("{} {}", by.column(), if *desc { "DESC" } else { "ASC" }))
        .collect();
    let id_desc = query.order.first().is_none_or(|(_, desc)| *desc);
    order.push(format!("a.id {}", if id_desc { "DESC" } else { "ASC" }));
    let n = compiled.binds.len();
    let sql = format!(
        "{} WHERE {} ORDER BY {} LIMIT ${} OFFSET ${}",
        super::reads::ARTICLE_COLUMNS,
        compiled.sql,
        order.join(", "),
        n + 2,
        n + 3
    );
    with_db!(db, p => {
        let q = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(now);
        bind_all!(q, &compiled.binds).bind(query.limit).bind(query.offset).fetch_all(p).await
    })
}

/// How many articles readers may see now that `cond` keeps.
pub async fn count_matching(db: &Db, now: Timestamp, cond: &Cond) -> sqlx::Result<i64> {
    let compiled = compile(cond);
    let sql = format!("SELECT COUNT(*) FROM articles a WHERE {}", compiled.sql);
    with_db!(db, p => {
        let q = sqlx::query_scalar(AssertSqlSafe(sql.as_str())).bind(now);
        bind_all!(q, &compiled.binds).fetch_one(p).await
    })
}

/// Published articles per section, tag or author, for the terms' counts: of those in `only`
/// when given, so that a page of terms costs no more than its size.
pub async fn published_counts(
    db: &Db,
    now: Timestamp,
    of: CountsOf,
    only: Option<&[i64]>,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let (key, from) = match of {
        CountsOf::Sections => ("a.section_id", "articles a"),
        CountsOf::Tags => (
            "at.tag_id",
            "article_tags at JOIN articles a ON a.id = at.article_id",
        ),
        CountsOf::Authors => (
            "aa.author_id",
            "article_authors aa JOIN articles a ON a.id = aa.article_id",
        ),
    };
    let within = match only {
        Some([]) => return Ok(Vec::new()),
        Some(ids) => format!(" AND {key} IN ({})", placeholders(2, ids.len())),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {key}, COUNT(*) FROM {from} \
         WHERE a.status = 'published' AND a.published_at <= $1{within} GROUP BY {key}"
    );
    with_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(now);
        for id in only.unwrap_or(&[]) {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
}

#[derive(Debug, Clone, Copy)]
pub enum CountsOf {
    Sections,
    Tags,
    Authors,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_nested_conditions_with_numbered_placeholders() {
        let cond = Cond::All(vec![
            Cond::Ids(vec![1, 2]),
            Cond::Not(Box::new(Cond::Any(vec![
                Cond::TagSlugs(vec!["News".into()]),
                Cond::Published(Cmp::After, Timestamp::from_micros(5)),
            ]))),
        ]);
        let c = compile(&cond);
        assert!(c.sql.contains("a.id IN ($2, $3)"), "{}", c.sql);
        assert!(c.sql.contains("IN ($4)"), "{}", c.sql);
        assert!(c.sql.contains("a.published_at > $5"), "{}", c.sql);
        assert_eq!(c.binds.len(), 4);
    }

    #[test]
    fn an_empty_list_matches_nothing_and_words_escape_wildcards() {
        let c = compile(&Cond::Not(Box::new(Cond::Ids(vec![]))));
        assert!(c.sql.ends_with("NOT (FALSE)"), "{}", c.sql);
        assert_eq!(escape_like("50%_a\\"), "50\\%\\_a\\\\");
    }
}
