//! Rules the router applies to every request, so that no handler can forget them: a
//! deadline on request bodies, and no caching of what a signed-in person sees.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, CONNECTION, HeaderValue};
use actix_web::middleware::Next;
use actix_web::rt::time::{Sleep, sleep};
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, ResponseError, web};
use futures_util::Stream;

use super::AppError;
use crate::auth::session;
use crate::config::Settings;
use crate::i18n::Message;

/// A request body that ends in an error once its deadline has passed.
struct Deadline {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}

/// Gives every request body `request_body_timeout_seconds` to arrive. A client that
/// announces a body and never sends it (or sends it a byte at a time) gets 408 and its
/// connection closed, instead of holding a connection for ever.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let seconds = req
        .app_data::<web::Data<Settings>>()
        .map_or(30, |s| s.request_body_timeout_seconds);
    let timeout = Duration::from_secs(seconds);
    let expired = Rc::new(Cell::new(false));
    let body = Deadline {
        inner: req.take_payload(),
        deadline: Box::pin(sleep(timeout)),
        expired: expired.clone(),
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(body),
    });
    let response = next.call(req).await?;
    if !expired.get() {
        return Ok(response.map_into_boxed_body());
    }
    let (req, _) = response.into_parts();
    let mut timed_out = AppError::new(
        StatusCode::REQUEST_TIMEOUT,
        Message::new(
            "Dữ liệu gửi lên đến quá chậm. Vui lòng thử lại.",
            "What was sent arrived too slowly. Please try again.",
        ),
    )
    .error_response();
    timed_out
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    Ok(ServiceResponse::new(req, timed_out))
}

/// Pages of signed-in people and the API: never kept by a browser or a shared cache.
fn is_private(req: &ServiceRequest) -> bool {
    const PRIVATE: [&str; 7] = [
        "/account", "/admin", "/staff", "/api/", "/units/", "/login", "/logout",
    ];
    let path = req.path();
    PRIVATE.iter().any(|p| path.starts_with(p))
        || req.headers().contains_key(AUTHORIZATION)
        || req.cookie(session::COOKIE).is_some()
}

/// `Cache-Control: no-store, private` on every response to a signed-in request or a
/// private page (comments, accounts, figures not yet public).
pub async fn private_responses(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let private = is_private(&req);
    let mut response = next.call(req).await?;
    if private {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store, private"));
    }
    Ok(response)
}
