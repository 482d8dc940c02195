//! Fault injection: what goes wrong, for how many requests, and on which paths.

use std::time::Duration;

/// One way a response can go wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 Too Many Requests, with the given `Retry-After` header value (e.g. `"2"`, `"0.25"`,
    /// an HTTP date) or none.
    Throttle {
        /// The raw `Retry-After` value.
        retry_after: Option<String>,
    },
    /// 503 Service Unavailable, with an optional `Retry-After`.
    Unavailable {
        /// The raw `Retry-After` value.
        retry_after: Option<String>,
    },
    /// 504 Gateway Timeout.
    GatewayTimeout,
    /// 410 Gone with a `Location` that restarts the round (an empty `$deltatoken`).
    Gone,
    /// 400 with error code `syncStateNotFound`.
    SyncStateNotFound,
    /// 400 with error code `resyncRequired`.
    ResyncRequired,
    /// 401 `InvalidAuthenticationToken` ("Access token has expired").
    ExpiredToken,
    /// 403 `ErrorAccessDenied` ("Access is denied. Check credentials and try again."), as
    /// Graph answers for properties Exchange Online masters when Exchange refuses the token.
    AccessDenied,
    /// 404 `Request_ResourceNotFound` for the object the path names (its last segment), as
    /// Graph answers for an object it does not have (yet: replication lag).
    NotFound,
    /// The response is delayed by this long, then served normally.
    Slow(Duration),
    /// The connection is closed without a response.
    DropConnection,
    /// 200 with a truncated JSON body.
    MalformedJson,
    /// 200 with a page holding one group item without `id`.
    MissingId,
    /// 200 with an empty page whose `@odata.nextLink` is the requested URL again.
    EmptyPage,
    /// The real page, but its `@odata.nextLink` is the requested URL again: the same page is
    /// delivered twice (a replay).
    ReplayPage,
    /// A redirect: this status (301, 302, 303, 307, 308) with this `Location`.
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header.
        location: String,
    },
    /// 200 with an empty page whose `@odata.nextLink` is this URL (another origin, a loop).
    NextLink(String),
    /// 200 with an empty page whose `@odata.deltaLink` is this URL.
    DeltaLink(String),
    /// 200 with a body of this many bytes (spaces); `chunked` sends it without a
    /// `Content-Length`, so the client learns its size only by reading it.
    HugeBody {
        /// The body's size.
        bytes: usize,
        /// Chunked transfer encoding instead of a `Content-Length`.
        chunked: bool,
    },
}

/// A fault applied to the next `times` requests whose path and query contain a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// How many more matching requests it applies to.
    pub times: usize,
    /// Only requests whose path and query contain this (all requests when `None`).
    pub path_contains: Option<String>,
}

impl FaultRule {
    /// The fault for the next `times` requests.
    pub fn next(times: usize, fault: Fault) -> Self {
        Self {
            fault,
            times,
            path_contains: None,
        }
    }

    /// Restricts the rule to requests whose path and query contain `fragment`.
    pub fn on_path(mut self, fragment: impl Into<String>) -> Self {
        self.path_contains = Some(fragment.into());
        self
    }
}

/// Takes the fault for a request from the first matching rule, using one of its `times`.
pub(crate) fn take(rules: &mut Vec<FaultRule>, path_and_query: &str) -> Option<Fault> {
    let index = rules.iter().position(|rule| {
        rule.times > 0
            && rule
                .path_contains
                .as_deref()
                .is_none_or(|fragment| path_and_query.contains(fragment))
    })?;
    let rule = &mut rules[index];
    rule.times -= 1;
    let fault = rule.fault.clone();
    if rule.times == 0 {
        rules.remove(index);
    }
    Some(fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_apply_in_order_to_matching_paths_only() {
        let mut rules = vec![
            FaultRule::next(1, Fault::GatewayTimeout).on_path("users/delta"),
            FaultRule::next(2, Fault::Gone),
        ];
        assert_eq!(take(&mut rules, "/v1.0/groups/delta"), Some(Fault::Gone));
        assert_eq!(
            take(&mut rules, "/v1.0/users/delta"),
            Some(Fault::GatewayTimeout)
        );
        assert_eq!(take(&mut rules, "/v1.0/users/delta"), Some(Fault::Gone));
        assert_eq!(take(&mut rules, "/v1.0/users/delta"), None);
    }
}
