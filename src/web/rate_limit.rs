//! Limits that blunt ballot-stuffing and code guessing without a CAPTCHA: answers per
//! network address, a slower lane for new senders when a desk has a burst, and lookups
//! of unknown survey codes per address. Counters live in memory only (each replica limits
//! on its own) and hold no address longer than a window; nothing is written anywhere.
//! An IPv6 client is counted by its /64, the block one subscriber gets.
//!
//! Why not `governor`: its keyed limiters answer only "may this key take a cell now"
//! (consuming it), by GCRA. The burst lane must read a desk's count and whether a sender
//! is new at that desk *without* counting, and decide on both at once under one lock;
//! and `submission_limit` promises "N answers per window" as fixed windows, which GCRA
//! would turn into one answer every window/N after the first N (a family at one phone,
//! or an office behind one address, would be slowed where today they are not). Three
//! small counters of one shape cost less than bending a GCRA limiter to that.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;

/// Above this many counters, expired ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// Fixed-window counters, one per key.
#[derive(Debug)]
struct Counters<K> {
    window: Duration,
    counts: HashMap<K, Window>,
}

impl<K: Hash + Eq + Copy> Counters<K> {
    fn new(window: Duration) -> Counters<K> {
        Counters {
            window,
            counts: HashMap::new(),
        }
    }

    /// The count of `key` in its current window, and how long that window still runs.
    fn current(&self, key: K, now: Instant) -> (u32, Duration) {
        match self.counts.get(&key) {
            Some(w) if now.duration_since(w.started) < self.window => {
                (w.count, self.window - now.duration_since(w.started))
            }
            _ => (0, self.window),
        }
    }

    /// How long to wait when `key` has reached `limit` (0: no limit).
    fn over(&self, key: K, limit: u32, now: Instant) -> Option<Duration> {
        let (count, left) = self.current(key, now);
        (limit > 0 && count >= limit).then_some(left)
    }

    fn add(&mut self, key: K, now: Instant) {
        if self.counts.len() > PRUNE_ABOVE {
            let window = self.window;
            self.counts.retain(|_, w| now.duration_since(w.started) < window);
        }
        let window = self.window;
        let entry = self.counts.entry(key).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(entry.started) >= window {
            *entry = Window {
                started: now,
                count: 0,
            };
        }
        entry.count += 1;
    }
}

/// Who is counted: an IPv4 address, or the /64 of an IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sender(IpAddr);

impl Sender {
    pub fn of(address: IpAddr) -> Sender {
        match address {
            IpAddr::V4(_) => Sender(address),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Sender(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & (u128::MAX << 64);
                    Sender(IpAddr::V6(prefix.into()))
                }
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Address(Sender),
    Desk(i64),
    /// A sender's answers at one desk: who is new there during a burst.
    AtDesk(i64, Sender),
}

/// A limit was reached; the client may try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
}

/// How an answer that is within the limits goes ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Now,
    /// The desk has a burst and this sender is new there: the answer is taken after this
    /// wait, which costs a genuine citizen a few seconds and a ballot-stuffer a lot.
    After(Duration),
}

/// Answers per address; more than `burst_at` answers at one desk within a window is a
/// burst, during which each new sender waits `burst_delay`. Nobody is turned away for a
/// desk's count: that would let anyone close a desk to genuine citizens. (The burst alert
/// tells the officials.)
#[derive(Debug)]
pub struct SubmissionLimiter {
    per_address: u32,
    burst_at: u32,
    burst_delay: Duration,
    counters: Mutex<Counters<Key>>,
}

impl SubmissionLimiter {
    /// A limit of 0 is no limit (no burst lane for `burst_at` 0).
    pub fn new(
        per_address: u32,
        burst_at: u32,
        burst_delay: Duration,
        window: Duration,
    ) -> SubmissionLimiter {
        SubmissionLimiter {
            per_address,
            burst_at,
            burst_delay,
            counters: Mutex::new(Counters::new(window)),
        }
    }

    /// Counts one answer from `address` to `desk` if the address is under its limit;
    /// otherwise counts nothing and says how long to wait.
    pub fn try_acquire(&self, address: Option<IpAddr>, desk: i64) -> Result<Admission, Limited> {
        self.try_acquire_at(address.map(Sender::of), desk, Instant::now())
    }

    fn try_acquire_at(&self, sender: Option<Sender>, desk: i64, now: Instant) -> Result<Admission, Limited> {
        let Ok(mut counters) = self.counters.lock() else {
            return Ok(Admission::Now); // A poisoned lock must not stop citizens from answering.
        };
        if let Some(sender) = sender
            && let Some(retry_after) = counters.over(Key::Address(sender), self.per_address, now)
        {
            return Err(Limited { retry_after });
        }
        let burst = counters.over(Key::Desk(desk), self.burst_at, now).is_some();
        let new_here = sender.is_none_or(|s| counters.current(Key::AtDesk(desk, s), now).0 == 0);
        counters.add(Key::Desk(desk), now);
        if let Some(sender) = sender {
            counters.add(Key::Address(sender), now);
            counters.add(Key::AtDesk(desk, sender), now);
        }
        Ok(if burst && new_here {
            Admission::After(self.burst_delay)
        } else {
            Admission::Now
        })
    }
}

/// Lookups of survey codes that do not exist, per address: past the limit every lookup
/// from that address is refused for the rest of the window (a valid code too, or the
/// refusal itself would tell which codes exist). Citizens who open a valid code are
/// never counted.
#[derive(Debug)]
pub struct LookupLimiter {
    per_address: u32,
    counters: Mutex<Counters<Sender>>,
}

impl LookupLimiter {
    /// A limit of 0 is no limit.
    pub fn new(per_address: u32, window: Duration) -> LookupLimiter {
        LookupLimiter {
            per_address,
            counters: Mutex::new(Counters::new(window)),
        }
    }

    /// How long `address` must wait before looking up another code, if it must.
    pub fn check(&self, address: Option<IpAddr>) -> Result<(), Limited> {
        let (Some(address), Ok(counters)) = (address, self.counters.lock()) else {
            return Ok(());
        };
        match counters.over(Sender::of(address), self.per_address, Instant::now()) {
            Some(retry_after) => Err(Limited { retry_after }),
            None => Ok(()),
        }
    }

    /// Counts a lookup of a code that does not exist.
    pub fn unknown(&self, address: Option<IpAddr>) {
        if let (Some(address), Ok(mut counters)) = (address, self.counters.lock()) {
            counters.add(Sender::of(address), Instant::now());
        }
    }
}

/// Answers another program may send per window, per token (or signed-in user): a limit
/// of its own, so a portal's backlog neither counts against the citizens at a desk nor
/// floods the database unnoticed.
#[derive(Debug)]
pub struct CallerLimiter {
    per_caller: u32,
    counters: Mutex<Counters<Caller>>,
}

/// A token or a user, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    Token(i64),
    User(i64),
}

impl CallerLimiter {
    /// A limit of 0 is no limit.
    pub fn new(per_caller: u32, window: Duration) -> CallerLimiter {
        CallerLimiter {
            per_caller,
            counters: Mutex::new(Counters::new(window)),
        }
    }

    /// Counts one request of `caller` if it is under its limit.
    pub fn try_acquire(&self, caller: Caller) -> Result<(), Limited> {
        self.try_acquire_at(caller, Instant::now())
    }

    fn try_acquire_at(&self, caller: Caller, now: Instant) -> Result<(), Limited> {
        let Ok(mut counters) = self.counters.lock() else {
            return Ok(());
        };
        if let Some(retry_after) = counters.over(caller, self.per_caller, now) {
            return Err(Limited { retry_after });
        }
        counters.add(caller, now);
        Ok(())
    }
}

/// The limits the citizen's pages and the submissions API apply, shared by the server's
/// workers.
#[derive(Debug)]
pub struct Limits {
    pub submissions: SubmissionLimiter,
    pub lookups: LookupLimiter,
    pub api_submissions: CallerLimiter,
}

impl Limits {
    pub fn from_settings(settings: &crate::config::Settings) -> Limits {
        let window = Duration::from_secs(settings.submission_limit_window_seconds);
        Limits {
            submissions: SubmissionLimiter::new(
                settings.submission_limit_per_ip,
                settings.submission_limit_per_desk,
                Duration::from_secs(settings.submission_burst_delay_seconds),
                window,
            ),
            lookups: LookupLimiter::new(settings.unknown_code_limit_per_ip, window),
            api_submissions: CallerLimiter::new(settings.api_submission_limit_per_token, window),
        }
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

    fn sender(text: &str) -> Option<Sender> {
        Some(Sender::of(text.parse().unwrap()))
    }

    #[test]
    fn each_address_gets_its_quota_per_window() {
        let limiter = SubmissionLimiter::new(2, 0, Duration::ZERO, Duration::from_secs(600));
        let t0 = Instant::now();
        assert_eq!(
            limiter.try_acquire_at(sender("10.0.0.1"), 1, t0),
            Ok(Admission::Now)
        );
        assert_eq!(
            limiter.try_acquire_at(sender("10.0.0.1"), 2, t0),
            Ok(Admission::Now)
        );
        let limited = limiter
            .try_acquire_at(sender("10.0.0.1"), 1, t0 + Duration::from_secs(100))
            .unwrap_err();
        assert_eq!(limited.retry_after, Duration::from_secs(500));
        assert!(limiter.try_acquire_at(sender("10.0.0.2"), 1, t0).is_ok());
        // A new window starts afresh.
        let later = t0 + Duration::from_secs(600);
        assert!(limiter.try_acquire_at(sender("10.0.0.1"), 1, later).is_ok());
    }

    #[test]
    fn a_desk_burst_slows_new_senders_and_turns_nobody_away() {
        let delay = Duration::from_secs(5);
        let limiter = SubmissionLimiter::new(30, 3, delay, Duration::from_secs(600));
        let t0 = Instant::now();
        for i in 1..=3 {
            let address = format!("10.0.0.{i}");
            assert_eq!(
                limiter.try_acquire_at(sender(&address), 1, t0),
                Ok(Admission::Now)
            );
        }
        // The desk has had its three: a fourth sender is new there and waits…
        assert_eq!(
            limiter.try_acquire_at(sender("10.0.0.4"), 1, t0),
            Ok(Admission::After(delay))
        );
        // …one who answered there before does not, nor does anyone at another desk.
        assert_eq!(
            limiter.try_acquire_at(sender("10.0.0.1"), 1, t0),
            Ok(Admission::Now)
        );
        assert_eq!(
            limiter.try_acquire_at(sender("10.0.0.9"), 2, t0),
            Ok(Admission::Now)
        );
        // Without an address to tell senders apart, everyone is new.
        assert_eq!(limiter.try_acquire_at(None, 1, t0), Ok(Admission::After(delay)));
    }

    #[test]
    fn a_refused_answer_is_not_counted_and_zero_means_no_limit() {
        let limiter = SubmissionLimiter::new(1, 0, Duration::ZERO, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.try_acquire_at(sender("10.0.0.1"), 1, t0).is_ok());
        for _ in 0..5 {
            assert!(limiter.try_acquire_at(sender("10.0.0.1"), 1, t0).is_err());
        }
        for _ in 0..50 {
            assert_eq!(limiter.try_acquire_at(None, 1, t0), Ok(Admission::Now));
        }
    }

    #[test]
    fn ipv6_senders_are_counted_by_their_64() {
        assert_eq!(
            sender("2001:db8:1:2::1"),
            sender("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_ne!(sender("2001:db8:1:2::1"), sender("2001:db8:1:3::1"));
        assert_eq!(sender("::ffff:10.0.0.1"), sender("10.0.0.1"));
        let limiter = SubmissionLimiter::new(1, 0, Duration::ZERO, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.try_acquire_at(sender("2001:db8:1:2::1"), 1, t0).is_ok());
        assert!(limiter.try_acquire_at(sender("2001:db8:1:2::99"), 1, t0).is_err());
    }

    #[test]
    fn unknown_code_lookups_are_limited_per_address() {
        let limiter = LookupLimiter::new(2, Duration::from_secs(60));
        let a: Option<IpAddr> = Some("10.0.0.1".parse().unwrap());
        let b: Option<IpAddr> = Some("10.0.0.2".parse().unwrap());
        assert!(limiter.check(a).is_ok());
        limiter.unknown(a);
        limiter.unknown(a);
        assert!(limiter.check(a).is_err());
        assert!(limiter.check(b).is_ok());
    }

    #[test]
    fn each_caller_of_the_api_gets_its_own_quota() {
        let limiter = CallerLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.try_acquire_at(Caller::Token(1), t0).is_ok());
        assert!(limiter.try_acquire_at(Caller::Token(1), t0).is_ok());
        let limited = limiter.try_acquire_at(Caller::Token(1), t0 + Duration::from_secs(20));
        assert_eq!(
            limited,
            Err(Limited {
                retry_after: Duration::from_secs(40)
            })
        );
        assert!(limiter.try_acquire_at(Caller::User(1), t0).is_ok());
        assert!(
            limiter
                .try_acquire_at(Caller::Token(1), t0 + Duration::from_secs(60))
                .is_ok()
        );
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
