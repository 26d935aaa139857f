//! Form bodies as name–value pairs. Browsers send a repeated name for each checked box of a
//! group, which serde's URL-encoded forms cannot collect; this keeps every value.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};

use crate::error::{AppError, PageError};

pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    pub fn parse(body: &[u8]) -> Self {
        FormFields(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every pair, for keeping a form as it was typed.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        FormFields(pairs)
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        let is_form = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PageError(AppError::BadRequest(
                "send the form as application/x-www-form-urlencoded".into(),
            )));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| PageError(AppError::TooLarge))?;
        Ok(FormFields::parse(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::FormFields;

    #[test]
    fn repeated_names_keep_every_value() {
        let f = FormFields::parse(b"a=1&ids=2&ids=3&q=hello+world%21");
        assert_eq!(f.get("a"), "1");
        assert_eq!(f.all("ids"), vec!["2", "3"]);
        assert_eq!(f.get("q"), "hello world!");
        assert_eq!(f.get("missing"), "");
        assert!(!f.has("missing"));
    }

    proptest::proptest! {
        /// Any body parses without a panic, and pairs written as a browser encodes them come
        /// back exactly, repeated names and all.
        #[test]
        fn encoded_pairs_come_back_whole(pairs in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,30}"), 0..10), noise in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = FormFields::parse(&noise);
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter())
                .finish();
            let parsed = FormFields::parse(body.as_bytes());
            proptest::prop_assert_eq!(parsed.pairs(), &pairs[..]);
        }
    }
}
