//! Why a body is not a valid sessionStart: every failing rule, each at the
//! RFC 6901 JSON Pointer of the value (or missing key) it is about.

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

/// A body that is not a valid sessionStart, with every reason (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidBody {
    errors: Vec<FieldError>,
}

impl InvalidBody {
    /// A body that fails as a whole (not JSON, not an object…).
    pub fn whole(detail: impl Into<String>) -> Self {
        Self {
            errors: vec![FieldError {
                pointer: String::new(),
                detail: detail.into(),
            }],
        }
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl fmt::Display for InvalidBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.len() {
            1 => write!(f, "the sessionStart body has 1 error"),
            n => write!(f, "the sessionStart body has {n} errors"),
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

    /// Turns what was parsed into a result: the value when nothing failed.
    pub(crate) fn finish<T>(self, parsed: Option<T>) -> Result<T, InvalidBody> {
        match parsed {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => {
                debug_assert!(!self.errors.is_empty(), "a part failed without saying why");
                let mut errors = self.errors;
                if errors.is_empty() {
                    errors.push(FieldError {
                        pointer: String::new(),
                        detail: "is not a valid sessionStart".into(),
                    });
                }
                Err(InvalidBody { errors })
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
