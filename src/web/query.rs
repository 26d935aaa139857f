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

#[cfg(test)]
mod tests {
    use super::page_number;

    proptest::proptest! {
        /// Any page parameter is a page from 1 or the reader's mistake (a 400), and a number
        /// written back reads as itself.
        #[test]
        fn any_page_parameter_is_a_page_or_a_400(raw in "\\PC{0,24}", n in 1i64..i64::MAX) {
            match page_number(Some(&raw)) {
                Ok(page) => proptest::prop_assert!(page >= 1),
                Err(e) => proptest::prop_assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST),
            }
            proptest::prop_assert_eq!(page_number(Some(&n.to_string())).ok(), Some(n));
        }
    }
}
