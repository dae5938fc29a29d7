//! Per-address and per-desk limits on submissions, to blunt ballot-stuffing without a
//! CAPTCHA. Counters live in memory only (each replica limits on its own) and hold no
//! address longer than a window; nothing is written anywhere.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;

/// Above this many counters, expired ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    Desk(i64),
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// Fixed-window counters of accepted submissions.
#[derive(Debug)]
pub struct SubmissionLimiter {
    per_address: u32,
    per_desk: u32,
    window: Duration,
    windows: Mutex<HashMap<Key, Window>>,
}

/// A limit was reached; the client may try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
}

impl SubmissionLimiter {
    /// A limit of 0 is no limit.
    pub fn new(per_address: u32, per_desk: u32, window: Duration) -> SubmissionLimiter {
        SubmissionLimiter {
            per_address,
            per_desk,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one submission from `address` to `desk` if both are under their limits;
    /// otherwise counts nothing and says how long to wait.
    pub fn try_acquire(&self, address: Option<IpAddr>, desk: i64) -> Result<(), Limited> {
        self.try_acquire_at(address, desk, Instant::now())
    }

    fn try_acquire_at(&self, address: Option<IpAddr>, desk: i64, now: Instant) -> Result<(), Limited> {
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(()); // A poisoned lock must not stop citizens from answering.
        };
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, w| now.duration_since(w.started) < self.window);
        }
        let mut keys = vec![(Key::Desk(desk), self.per_desk)];
        if let Some(address) = address {
            keys.push((Key::Address(address), self.per_address));
        }
        keys.retain(|(_, limit)| *limit > 0);
        for (key, limit) in &keys {
            if let Some(window) = windows.get(key) {
                let age = now.duration_since(window.started);
                if age < self.window && window.count >= *limit {
                    return Err(Limited {
                        retry_after: self.window - age,
                    });
                }
            }
        }
        for (key, _) in keys {
            let window = windows.entry(key).or_insert(Window {
                started: now,
                count: 0,
            });
            if now.duration_since(window.started) >= self.window {
                *window = Window {
                    started: now,
                    count: 0,
                };
            }
            window.count += 1;
        }
        Ok(())
    }
}

/// The client's address: the peer's, or behind a trusted reverse proxy the last entry of
/// `X-Forwarded-For` (the one that proxy added; earlier ones are the client's own word).
pub fn client_address(req: &HttpRequest, trust_proxy_headers: bool) -> Option<IpAddr> {
    if trust_proxy_headers {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .last();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.peer_addr().map(|a| a.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const B: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn each_address_and_desk_gets_its_quota_per_window() {
        let limiter = SubmissionLimiter::new(2, 3, Duration::from_secs(600));
        let t0 = Instant::now();
        assert!(limiter.try_acquire_at(A, 1, t0).is_ok());
        assert!(limiter.try_acquire_at(A, 1, t0).is_ok());
        let limited = limiter
            .try_acquire_at(A, 1, t0 + Duration::from_secs(100))
            .unwrap_err();
        assert_eq!(limited.retry_after, Duration::from_secs(500));
        // Another address may still use the desk, until the desk's quota is used up.
        assert!(limiter.try_acquire_at(B, 1, t0).is_ok());
        assert!(limiter.try_acquire_at(B, 1, t0).is_err());
        assert!(limiter.try_acquire_at(B, 2, t0).is_ok());
        // A new window starts afresh.
        assert!(
            limiter
                .try_acquire_at(A, 1, t0 + Duration::from_secs(600))
                .is_ok()
        );
    }

    #[test]
    fn a_refused_submission_is_not_counted_and_zero_means_no_limit() {
        let limiter = SubmissionLimiter::new(1, 0, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.try_acquire_at(A, 1, t0).is_ok());
        for _ in 0..5 {
            assert!(limiter.try_acquire_at(A, 1, t0).is_err());
        }
        for _ in 0..50 {
            assert!(limiter.try_acquire_at(None, 1, t0).is_ok());
        }
    }

    #[test]
    fn forwarded_addresses_are_used_only_when_trusted() {
        let req = actix_web::test::TestRequest::default()
            .peer_addr("192.168.1.10:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.2.3.4, 203.0.113.7"))
            .to_http_request();
        assert_eq!(client_address(&req, false), Some("192.168.1.10".parse().unwrap()));
        assert_eq!(client_address(&req, true), Some("203.0.113.7".parse().unwrap()));
    }
}
