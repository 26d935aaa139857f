//! Query-string parameters shared by public pages.

use serde::Deserialize;

use crate::error::AppError;

/// `?page=N` on paginated lists. Parsed by hand so that `?page=abc` gets our clear 400 rather
/// than the framework's message.
#[derive(Debug, Deserialize)]
pub struct PageParam {
    page: Option<String>,
}

impl PageParam {
    pub fn number(&self) -> Result<i64, AppError> {
        page_number(self.page.as_deref())
    }
}

/// A page number as a query string gives it: absent or empty is the first page, anything but
/// a whole number from 1 is the reader's mistake.
pub fn page_number(raw: Option<&str>) -> Result<i64, AppError> {
    match raw {
        None | Some("") => Ok(1),
        Some(raw) => raw.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            AppError::BadRequest(format!(
                "page must be a whole number from 1 up, not {raw:?}"
            ))
        }),
    }
}
