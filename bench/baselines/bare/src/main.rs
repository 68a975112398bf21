//! Benchmark baseline "bare": the least a `lambda_http` function does to
//! answer a sessionStart with `201 Created` and a `Location`. It reads
//! nothing and stores nothing, so its figures are the floor that the Lambda
//! runtime and the HTTP event mapping alone cost.
#![forbid(unsafe_code)]

use lambda_http::{Body, Error, Request, Response, service_fn};

async fn handler(_request: Request) -> Result<Response<Body>, Error> {
    let location = format!("/api/v1/sessions/{}", uuid::Uuid::new_v4().simple());
    Ok(Response::builder()
        .status(201)
        .header("Location", location)
        .body(Body::Empty)?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(handler)).await
}
