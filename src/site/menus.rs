//! The header and footer menus: links an editor sets in the admin (*Pages → Menus*), one a line
//! as `Label | /address`, kept as settings. The header shows its links after the sections; the
//! footer shows its own under the sections' list: About, Contact, Terms, Corrections.

use serde::Serialize;

use super::store;
use crate::accounts::service::User;
use crate::accounts::{Capability, allows};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult, FieldError};

/// The most links a menu holds, and the longest label.
const MAX_ITEMS: usize = 20;
const MAX_LABEL: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MenuLink {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    Header,
    Footer,
}

impl Menu {
    fn key(self) -> &'static str {
        match self {
            Menu::Header => "menu_header",
            Menu::Footer => "menu_footer",
        }
    }

    pub fn field(self) -> &'static str {
        match self {
            Menu::Header => "header",
            Menu::Footer => "footer",
        }
    }
}

/// A menu's lines read, or the first problem with where it is.
pub fn parse(text: &str) -> Result<Vec<MenuLink>, String> {
    let mut links = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_no = n + 1;
        let Some((label, url)) = line.rsplit_once('|') else {
            return Err(format!("line {line_no}: write “Label | /address”"));
        };
        let (label, url) = (label.trim(), url.trim());
        if label.is_empty() || label.chars().count() > MAX_LABEL {
            return Err(format!(
                "line {line_no}: give a label of 1 to {MAX_LABEL} characters"
            ));
        }
        let local = url.starts_with('/') && !url.starts_with("//");
        let web = url.starts_with("https://") || url.starts_with("http://");
        if !(local || web) || url.contains(char::is_whitespace) || url.len() > 500 {
            return Err(format!(
                "line {line_no}: the address must start with / (this site) or https://"
            ));
        }
        links.push(MenuLink {
            label: label.to_string(),
            url: url.to_string(),
        });
    }
    if links.len() > MAX_ITEMS {
        return Err(format!("a menu holds at most {MAX_ITEMS} links"));
    }
    Ok(links)
}

/// A menu's links as the admin's text box shows them.
pub fn text(links: &[MenuLink]) -> String {
    links
        .iter()
        .map(|l| format!("{} | {}\n", l.label, l.url))
        .collect()
}

pub async fn load(db: &Db, menu: Menu) -> AppResult<Vec<MenuLink>> {
    let stored = store::get(db, menu.key()).await?.unwrap_or_default();
    Ok(parse(&stored).unwrap_or_default())
}

/// Replaces a menu inside the caller's transaction, for the demo newsroom.
pub async fn set_in(tx: &mut Tx, menu: Menu, links: &[MenuLink]) -> AppResult<()> {
    store::put(tx, menu.key(), &text(links)).await?;
    tx.bump_content_version().await?;
    Ok(())
}

/// Replaces a menu for `user`, who must be allowed to manage pages.
pub async fn save(db: &Db, user: &User, menu: Menu, text: &str) -> AppResult<()> {
    if !allows(user.role, Capability::ManagePages) {
        return Err(AppError::Forbidden(
            "only editors and administrators edit the menus".into(),
        ));
    }
    let links = parse(text).map_err(|message| {
        AppError::Invalid(vec![FieldError {
            field: menu.field().into(),
            message,
        }])
    })?;
    let mut tx = db.begin().await?;
    set_in(&mut tx, menu, &links).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menus_read_line_by_line_and_refuse_what_is_not_a_link() {
        let links =
            parse("About us | /about\n\n Contact|/about/contact \nFT | https://ft.com/").unwrap();
        assert_eq!(links.len(), 3);
        assert_eq!(links[1].label, "Contact");
        assert_eq!(links[1].url, "/about/contact");
        assert_eq!(parse(&text(&links)).unwrap(), links);
        assert!(parse("About").unwrap_err().contains("line 1"));
        assert!(parse("x | javascript:alert(1)").is_err());
        assert!(parse("x | //evil.example/").is_err());
        assert!(parse(" | /a").is_err());
        assert!(parse(&"a | /a\n".repeat(21)).is_err());
    }
}
