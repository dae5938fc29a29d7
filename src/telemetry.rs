//! Logs and request tracing.

use std::io::IsTerminal;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::LogFormat;

/// Installs the global log subscriber, writing to standard error. `RUST_LOG` overrides
/// `level`. Calling it again is harmless (tests spawn many apps in one process).
pub fn init(format: LogFormat, level: &str) -> Result<(), String> {
    let (source, directives) = match std::env::var("RUST_LOG") {
        Ok(from_env) if !from_env.trim().is_empty() => ("RUST_LOG", from_env),
        _ => ("log_level", level.to_string()),
    };
    crate::config::check_log_filter(&directives).map_err(|e| format!("{source}: {e}"))?;
    let filter = EnvFilter::try_new(&directives).map_err(|e| format!("{source} «{directives}»: {e}"))?;
    // A line when each request span closes, with its status and duration.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE);
    let _already_installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    Ok(())
}

/// The span of each request. It names the route pattern (`/s/{code}`), never the path: a
/// path can hold a single-use ticket code, and codes must not reach the logs. Nor do the
/// client's address or user agent: responses are anonymous.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".to_string());
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
    }
}
