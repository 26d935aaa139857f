//! The discussion under an article as the theme renders it: approved comments threaded to the
//! policy's depth and paged by top-level comment, plus at most one held comment that its own
//! author may see. Nothing here carries an email or an address.

use std::collections::HashMap;

use chrono_tz::Tz;
use serde::Serialize;

use super::avatar;
use super::store::CommentRow;
use super::text;
use crate::site::dates;

#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    pub id: i64,
    pub author: String,
    /// The commenter's website, only when it is http(s).
    pub url: Option<String>,
    pub avatar: String,
    pub date_iso: String,
    pub date_human: String,
    pub html: String,
    pub depth: i64,
    /// The no-JavaScript reply link; `None` at the deepest level or when comments are closed.
    pub reply_url: Option<String>,
    /// Shown only to its author, marked as awaiting moderation.
    pub awaiting: bool,
    pub children: Vec<CommentView>,
}

pub struct Shape<'a> {
    pub key: &'a str,
    pub tz: Tz,
    pub max_depth: i64,
    /// Replies allowed: the article is open.
    pub open: bool,
    pub path: &'a str,
}

/// One comment, without its replies.
pub fn comment(row: &CommentRow, depth: i64, awaiting: bool, shape: &Shape<'_>) -> CommentView {
    let shown = dates::show(row.created_at, shape.tz);
    CommentView {
        id: row.id,
        author: row.author_name.clone(),
        url: safe_url(&row.author_url),
        avatar: avatar::svg(&avatar::seed(shape.key, &row.author_email), 48),
        date_iso: shown.iso,
        date_human: shown.human,
        html: text::render(&row.body),
        depth,
        reply_url: (shape.open && !awaiting && depth < shape.max_depth)
            .then(|| format!("{}?replytocom={}#respond", shape.path, row.id)),
        awaiting,
        children: Vec::new(),
    }
}

fn safe_url(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then(|| url.to_string())
}

/// The comments arranged as threads, oldest first. Replies below the deepest level are shown at
/// that level, after the comment they answer, so nothing is lost when a thread runs deep.
pub struct Threads<'a> {
    rows: HashMap<i64, &'a CommentRow>,
    children: HashMap<i64, Vec<i64>>,
    pub top: Vec<i64>,
    awaiting: Option<i64>,
}

impl<'a> Threads<'a> {
    pub fn new(rows: &'a [CommentRow], awaiting: Option<i64>) -> Self {
        let by_id: HashMap<i64, &CommentRow> = rows.iter().map(|r| (r.id, r)).collect();
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut top = Vec::new();
        let mut ordered: Vec<&CommentRow> = rows.iter().collect();
        ordered.sort_by_key(|r| (r.created_at, r.id));
        for r in ordered {
            match r.parent_id.filter(|p| by_id.contains_key(p)) {
                Some(parent) => children.entry(parent).or_default().push(r.id),
                None => top.push(r.id),
            }
        }
        Threads {
            rows: by_id,
            children,
            top,
            awaiting,
        }
    }

    /// The top-level comment whose thread holds `id`.
    pub fn root_of(&self, id: i64) -> Option<i64> {
        let mut current = *self.rows.get(&id)?;
        for _ in 0..1000 {
            match current.parent_id.and_then(|p| self.rows.get(&p)) {
                Some(parent) => current = parent,
                None => return Some(current.id),
            }
        }
        None
    }

    pub fn build(&self, roots: &[i64], shape: &Shape<'_>) -> Vec<CommentView> {
        self.level(roots, 1, shape)
    }

    fn level(&self, ids: &[i64], depth: i64, shape: &Shape<'_>) -> Vec<CommentView> {
        let mut out = Vec::new();
        for id in ids {
            let Some(row) = self.rows.get(id) else {
                continue;
            };
            let mut view = comment(row, depth, self.awaiting == Some(*id), shape);
            let kids = self.children.get(id).map_or(&[][..], Vec::as_slice);
            if depth < shape.max_depth {
                view.children = self.level(kids, depth + 1, shape);
                out.push(view);
            } else {
                out.push(view);
                let mut below = Vec::new();
                self.descendants(kids, &mut below);
                below.sort_by_key(|r: &&CommentRow| (r.created_at, r.id));
                out.extend(
                    below
                        .into_iter()
                        .map(|r| comment(r, depth, self.awaiting == Some(r.id), shape)),
                );
            }
        }
        out
    }

    fn descendants(&self, ids: &[i64], into: &mut Vec<&'a CommentRow>) {
        for id in ids {
            if let Some(row) = self.rows.get(id) {
                into.push(row);
                let kids = self.children.get(id).map_or(&[][..], Vec::as_slice);
                self.descendants(kids, into);
            }
        }
    }
}
