//! Request ids: every answer carries one (`x-request-id`) and every logged error names it (see
//! [`crate::log`]), so a user's report can be matched to the log line.

use std::rc::Rc;

use crate::domain::{IdKind, IdSequence};

/// The response header that carries the id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of a request: Cloudflare's `cf-ray` when the edge sent one (it names the request in
/// Cloudflare's own logs too), else the next `req_…` of this isolate's [`IdSequence`]. A `cf-ray`
/// of any other shape than Cloudflare's (hex, a dash, a colo code) is not used, so nobody can
/// write into our logs.
pub fn request_id(cf_ray: Option<&str>) -> Rc<str> {
    thread_local! {
        /// This isolate's (or test thread's) request ids.
        static REQUEST_IDS: IdSequence = IdSequence::new(IdKind::Request);
    }
    let plausible =
        |ray: &&str| (1..=64).contains(&ray.len()) && ray.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    match cf_ray.filter(plausible) {
        Some(ray) => ray.into(),
        None => REQUEST_IDS.with(IdSequence::next_id).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cf_ray_names_the_request_unless_it_could_forge_a_log_line() {
        assert_eq!(&*request_id(Some("8c3f1a2b3c4d5e6f-LHR")), "8c3f1a2b3c4d5e6f-LHR");
        for bad in [None, Some(""), Some("ray\nerror: forged"), Some(&"a".repeat(65) as &str)] {
            assert!(request_id(bad).starts_with("req_"), "{bad:?}");
        }
        assert_ne!(request_id(None), request_id(None));
    }
}
