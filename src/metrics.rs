//! What `GET /metrics` tells an operator, in the Prometheus text format (OpenMetrics):
//! requests by route pattern and status, their latency, answers stored by channel, the
//! group commit's batches, the database pool, the mail outbox, failed sign-ins and
//! rate-limit refusals. Labels are route patterns (`/s/{code}`), channels and statuses
//! only: never a path, a code, a unit, a comment or an address. Each running app has its
//! own registry (tests run many apps in one process).

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::db::Database;
use crate::tally::Channel;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabels {
    channel: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

/// Latency buckets from 1 ms to about 16 s.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The counters of one running app; cheap to clone (each metric is shared).
#[derive(Clone)]
pub struct Metrics {
    registry: std::sync::Arc<Registry>,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    answers: Family<ChannelLabels, Counter>,
    batch_sizes: Histogram,
    commit_seconds: Histogram,
    pool: Family<StateLabels, Gauge>,
    outbox: Family<StateLabels, Gauge>,
    login_failures: Counter,
    rate_limited: Family<RouteLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("sipas");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route pattern and status",
            requests.clone(),
        );
        let durations = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route pattern",
            durations.clone(),
        );
        let answers = Family::<ChannelLabels, Counter>::default();
        registry.register(
            "answers_stored",
            "Responses stored by this process, by channel",
            answers.clone(),
        );
        let batch_sizes = Histogram::new(exponential_buckets(1.0, 2.0, 7));
        registry.register(
            "commit_batch_size",
            "Answers stored per group commit (one transaction)",
            batch_sizes.clone(),
        );
        let commit_seconds = latency();
        registry.register(
            "commit_duration_seconds",
            "Time to write and commit one group of answers",
            commit_seconds.clone(),
        );
        let pool = Family::<StateLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections: size (the most), in_use, idle, and requests waiting for one",
            pool.clone(),
        );
        let outbox = Family::<StateLabels, Gauge>::default();
        registry.register(
            "outbox_mails",
            "Mails not sent yet: waiting (never tried) and failing (tried and failed)",
            outbox.clone(),
        );
        let login_failures = Counter::default();
        registry.register(
            "login_failures",
            "Sign-ins refused for a wrong e-mail or password",
            login_failures.clone(),
        );
        let rate_limited = Family::<RouteLabels, Counter>::default();
        registry.register(
            "rate_limited_requests",
            "Requests refused by a rate limit (429), by route pattern",
            rate_limited.clone(),
        );
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("build_info", "The version of sipas running", build);
        Metrics {
            registry: std::sync::Arc::new(registry),
            requests,
            durations,
            answers,
            batch_sizes,
            commit_seconds,
            pool,
            outbox,
            login_failures,
            rate_limited,
        }
    }

    /// Counts a request answered: `route` is its pattern, never its path.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        let labels = RouteLabels {
            method: method.to_string(),
            route: route.to_string(),
        };
        self.durations.get_or_create(&labels).observe(took.as_secs_f64());
        // What the handlers tell apart by status alone.
        if status == 429 {
            self.rate_limited.get_or_create(&labels).inc();
        }
        if method == "POST" && route == "/login" && status == 401 {
            self.login_failures.inc();
        }
    }

    /// Counts a response stored.
    pub fn answer_stored(&self, channel: Channel) {
        self.answers
            .get_or_create(&ChannelLabels {
                channel: channel.as_str(),
            })
            .inc();
    }

    /// Records one group commit: how many answers and how long it took.
    pub fn group_committed(&self, answers: usize, took: Duration) {
        self.batch_sizes.observe(answers as f64);
        self.commit_seconds.observe(took.as_secs_f64());
    }

    /// The text of every metric, the pool and the outbox read now.
    pub fn render(
        &self,
        db: &Database,
        outbox: Option<crate::db::outbox::QueueStatus>,
    ) -> Result<String, std::fmt::Error> {
        let pool = db.pool_use();
        for (state, value) in [
            ("size", i64::from(pool.size)),
            ("in_use", i64::from(pool.in_use)),
            ("idle", i64::from(pool.idle)),
            ("waiting", pool.waiting),
        ] {
            self.pool.get_or_create(&StateLabels { state }).set(value);
        }
        if let Some(outbox) = outbox {
            self.outbox
                .get_or_create(&StateLabels { state: "waiting" })
                .set(outbox.waiting);
            self.outbox
                .get_or_create(&StateLabels { state: "failing" })
                .set(outbox.failing);
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_pattern_and_refusals_by_status() {
        let metrics = Metrics::new();
        metrics.request("GET", "/s/{code}", 200, Duration::from_millis(3));
        metrics.request("POST", "/login", 401, Duration::from_millis(300));
        metrics.request("POST", "/s/{code}", 429, Duration::from_millis(1));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &metrics.registry).unwrap();
        assert!(
            text.contains(r#"sipas_http_requests_total{method="GET",route="/s/{code}",status="200"} 1"#),
            "{text}"
        );
        assert!(text.contains("sipas_login_failures_total 1"), "{text}");
        assert!(
            text.contains(r#"sipas_rate_limited_requests_total{method="POST",route="/s/{code}"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"sipas_build_info{version=""#), "{text}");
    }
}
