//! Getting the body's text out of the request: an accepted media type,
//! within the size limit, valid UTF-8. API Gateway may have sent it
//! base64-encoded; the envelope has already decoded it.

use lambda_http::http::HeaderMap;
use lambda_http::http::header::CONTENT_TYPE;
use mime::Mime;

use super::envelope::{ApiRequest, RawBody};
use super::problem::ApiError;

/// The body as text, or why it cannot be read as a JSON document.
pub fn text(request: &ApiRequest, max_bytes: usize) -> Result<&str, ApiError> {
    if let Some((_, sent)) = request
        .unreadable_headers
        .iter()
        .find(|(name, _)| name == CONTENT_TYPE.as_str())
    {
        return Err(ApiError::UnsupportedMediaType(sent.clone()));
    }
    check_content_type(&request.headers)?;
    let bytes = match &request.body {
        RawBody::Bytes(bytes) => bytes,
        RawBody::NotBase64 => return Err(ApiError::NotBase64),
    };
    if bytes.len() > max_bytes {
        return Err(ApiError::TooLarge { limit: max_bytes });
    }
    std::str::from_utf8(bytes).map_err(|error| ApiError::NotUtf8 {
        valid_up_to: error.valid_up_to(),
    })
}

/// `application/json`, any `application/*+json`, `text/plain` (what
/// `navigator.sendBeacon` sends), `application/x-www-form-urlencoded` (what
/// `curl -d` sends unless told otherwise; the body must still be JSON) or
/// none; parameters are allowed.
fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(());
    };
    let sent = || String::from_utf8_lossy(value.as_bytes()).into_owned();
    let media_type: Mime = value
        .to_str()
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| ApiError::UnsupportedMediaType(sent()))?;
    let accepted = match (media_type.type_(), media_type.subtype()) {
        (mime::APPLICATION, mime::JSON | mime::WWW_FORM_URLENCODED) => true,
        (mime::APPLICATION, _) => media_type.suffix() == Some(mime::JSON),
        (mime::TEXT, mime::PLAIN) => true,
        _ => false,
    };
    if accepted {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(sent()))
    }
}

#[cfg(test)]
mod tests {
    use lambda_http::http::HeaderValue;

    use super::*;

    fn with_content_type(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn accepts_json_beacons_and_no_type() {
        for value in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/vnd.example+json",
            "application/problem+json;charset=UTF-8",
            "text/plain;charset=UTF-8",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
        ] {
            assert!(check_content_type(&with_content_type(value)).is_ok(), "{value}");
        }
        assert!(check_content_type(&HeaderMap::new()).is_ok());
    }

    #[test]
    fn refuses_other_types() {
        for value in [
            "text/html",
            "application/xml",
            "text/json",
            "multipart/form-data; boundary=x",
            "json",
            "",
        ] {
            assert!(matches!(
                check_content_type(&with_content_type(value)),
                Err(ApiError::UnsupportedMediaType(_))
            ));
        }
    }

    #[test]
    fn measures_the_decoded_size() {
        let event = serde_json::json!({
            "rawPath": "/", "requestContext": { "http": { "method": "POST" } },
            "body": "ICAgICAgICAgICA=", "isBase64Encoded": true
        });
        let request = ApiRequest::from_event(&event, "").unwrap();
        assert!(matches!(text(&request, 10), Err(ApiError::TooLarge { limit: 10 })));
        assert_eq!(text(&request, 11).unwrap(), " ".repeat(11));
    }
}
