//! Why a body is not valid: every failing rule, each at the RFC 6901 JSON
//! Pointer of the value (or missing key) it is about, and which kind of body
//! it was meant to be (a sessionStart, a play event…) for the summary.

use std::fmt;

use jsonptr::{PointerBuf, Token};

/// One broken rule, where it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// RFC 6901 pointer into the request body; `""` is the body as a whole.
    pub pointer: String,
    /// What is wrong, for a player developer to read.
    pub detail: String,
}

/// A body that is not valid, with every reason (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidBody {
    body: String,
    errors: Vec<FieldError>,
    /// Said instead of the error count, when the body needs more words
    /// (a downloaded session says how many of its calls have errors).
    summary: Option<String>,
}

impl InvalidBody {
    /// A `body` (`"sessionStart"`, `"event"`…) that fails as a whole (not
    /// JSON, not an object…).
    pub fn whole(body: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            errors: vec![FieldError {
                pointer: String::new(),
                detail: detail.into(),
            }],
            summary: None,
        }
    }

    /// A `body` that fails with `errors` (at least one), summed up as
    /// `summary` instead of by its count of errors.
    pub(crate) fn summarised(body: impl Into<String>, errors: Vec<FieldError>, summary: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            errors,
            summary: Some(summary.into()),
        }
    }

    /// Adds `more` errors to this body's, found by another rule.
    pub(crate) fn with(mut self, more: impl IntoIterator<Item = FieldError>) -> Self {
        self.errors.extend(more);
        self
    }

    /// The errors, taken out.
    pub(crate) fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// What the body was meant to be: `sessionStart`, `play event`, `event`…
    pub fn body(&self) -> &str {
        &self.body
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl fmt::Display for InvalidBody {
    /// `the sessionStart body has 2 errors`, `the play event body has 1 error`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(summary) = &self.summary {
            return f.write_str(summary);
        }
        let body = &self.body;
        match self.errors.len() {
            1 => write!(f, "the {body} body has 1 error"),
            n => write!(f, "the {body} body has {n} errors"),
        }
    }
}

impl std::error::Error for InvalidBody {}

/// Collects errors while the parser walks the body.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    pub(crate) fn add(&mut self, at: &PointerBuf, detail: impl Into<String>) {
        self.errors.push(FieldError {
            pointer: at.to_string(),
            detail: detail.into(),
        });
    }

    /// Turns what was parsed into a result: the value when nothing failed,
    /// else every error, for a `body` such as `"sessionStart"`.
    pub(crate) fn finish<T>(self, body: impl Into<String>, parsed: Option<T>) -> Result<T, InvalidBody> {
        match parsed {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => {
                debug_assert!(!self.errors.is_empty(), "a part failed without saying why");
                let body = body.into();
                let mut errors = self.errors;
                if errors.is_empty() {
                    errors.push(FieldError {
                        pointer: String::new(),
                        detail: format!("is not a valid {body}"),
                    });
                }
                Err(InvalidBody {
                    body,
                    errors,
                    summary: None,
                })
            }
        }
    }
}

/// The pointer to `key` inside the object at `parent`.
pub(crate) fn child(parent: &PointerBuf, key: &str) -> PointerBuf {
    let mut pointer = parent.clone();
    pointer.push_back(Token::new(key));
    pointer
}
