//! DynamoDB's endpoint, worked out once for each set of parameters rather
//! than on every call. The SDK evaluates the service's endpoint rules
//! (partitions, FIPS, dual-stack, account endpoints) for each request and
//! remembers only the last answer, and the parameters differ from one
//! operation to the next (the table of a `GetItem`, the tables of a
//! transaction), so an event's two calls never found it. The rules give the
//! same endpoint for the same parameters, so each answer is remembered:
//! about 1 % of the function's instructions per request
//! (docs/performance.md).

use std::sync::{Mutex, PoisonError};

use aws_sdk_dynamodb::config::endpoint::{DefaultResolver, Endpoint, EndpointFuture, Params, ResolveEndpoint};

/// The distinct parameter sets the function's calls use are a handful (one
/// per operation and table); past this many, the oldest is forgotten.
const REMEMBERED: usize = 16;

/// The SDK's own resolver, with its answers remembered.
#[derive(Debug, Default)]
pub struct RememberedEndpoints {
    rules: DefaultResolver,
    answers: Mutex<Vec<(Params, Endpoint)>>,
}

impl RememberedEndpoints {
    fn remembered(&self, params: &Params) -> Option<Endpoint> {
        let answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers
            .iter()
            .find(|(known, _)| known == params)
            .map(|(_, endpoint)| endpoint.clone())
    }

    fn remember(&self, params: &Params, endpoint: &Endpoint) {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        // Calls resolved at once (several invocations at a time) may all have
        // missed: one entry each, not one per call.
        if answers.iter().any(|(known, _)| known == params) {
            return;
        }
        if answers.len() == REMEMBERED {
            answers.remove(0);
        }
        answers.push((params.clone(), endpoint.clone()));
    }
}

impl ResolveEndpoint for RememberedEndpoints {
    fn resolve_endpoint<'a>(&'a self, params: &'a Params) -> EndpointFuture<'a> {
        if let Some(endpoint) = self.remembered(params) {
            return EndpointFuture::ready(Ok(endpoint));
        }
        let resolving = self.rules.resolve_endpoint(params);
        EndpointFuture::new(async move {
            let endpoint = resolving.await?;
            self.remember(params, &endpoint);
            Ok(endpoint)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(region: &str, table: &str) -> Params {
        Params::builder()
            .region(region)
            .resource_arn(table)
            .build()
            .expect("valid parameters")
    }

    #[tokio::test]
    async fn each_answer_is_the_rules_own_and_is_remembered() {
        let remembered = RememberedEndpoints::default();
        let rules = DefaultResolver::new();
        for (region, table) in [
            ("us-east-1", "sessions"),
            ("eu-west-1", "events"),
            ("us-east-1", "sessions"),
        ] {
            let asked = params(region, table);
            let ours = remembered.resolve_endpoint(&asked).await.expect("an endpoint");
            let theirs = rules.resolve_endpoint(&asked).await.expect("an endpoint");
            assert_eq!(ours, theirs);
        }
        assert_eq!(remembered.answers.lock().unwrap().len(), 2);
        for index in 0..REMEMBERED + 4 {
            let _ = remembered
                .resolve_endpoint(&params("us-east-1", &format!("table-{index}")))
                .await;
        }
        assert_eq!(remembered.answers.lock().unwrap().len(), REMEMBERED);
    }
}
