//! The one error type of every handler. A 4xx carries a message for the person who made
//! the request; a 5xx shows an opaque page and logs the whole cause chain.

use std::error::Error as StdError;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderName;
use actix_web::{HttpResponse, ResponseError};

use crate::app::dossiers::ReportRefused;
use crate::app::responses::SubmitRefused;
use crate::app::tickets::IssueRefused;
use crate::db::DbError;
use crate::dossiers::DossierError;
use crate::i18n::{Localized, Message};

/// An error a handler answers with. Rendered as a Vietnamese (or English) page for HTML
/// routes and as JSON under `/api/` by [`super::error_pages`].
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    message: Message,
    cause: Option<Box<dyn StdError + Send + Sync>>,
    /// Headers the answer needs, e.g. `Retry-After` on a 429.
    headers: Vec<(HeaderName, String)>,
    /// Each mistake of a request refused whole (JSON answers list them), by question
    /// where it has one.
    problems: Vec<(Option<String>, Message)>,
}

impl AppError {
    /// An error with this status and message for the person who made the request.
    pub fn new(status: StatusCode, message: Message) -> AppError {
        AppError {
            status,
            message,
            cause: None,
            headers: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Adds the mistakes that made the request fail, each to be told.
    pub fn with_problems(mut self, problems: Vec<(Option<String>, Message)>) -> AppError {
        self.problems = problems;
        self
    }

    /// The mistakes listed with the message.
    pub fn problems(&self) -> &[(Option<String>, Message)] {
        &self.problems
    }

    /// Adds a header to the answer.
    pub fn with_header(mut self, name: HeaderName, value: String) -> AppError {
        self.headers.push((name, value));
        self
    }

    pub fn not_found(message: Message) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, message)
    }

    /// The plain "no such page" 404.
    pub fn page_not_found() -> AppError {
        AppError::not_found(generic_message(StatusCode::NOT_FOUND))
    }

    pub fn bad_request(message: Message) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, message)
    }

    /// The database cannot serve now; the request may be retried.
    pub fn unavailable(cause: impl Into<Box<dyn StdError + Send + Sync>>) -> AppError {
        AppError {
            cause: Some(cause.into()),
            ..AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                generic_message(StatusCode::SERVICE_UNAVAILABLE),
            )
        }
    }

    /// A fault of ours: the person sees an opaque message, the log gets the cause.
    pub fn internal(cause: impl Into<Box<dyn StdError + Send + Sync>>) -> AppError {
        AppError {
            cause: Some(cause.into()),
            ..AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                generic_message(StatusCode::INTERNAL_SERVER_ERROR),
            )
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &Message {
        &self.message
    }
}

/// What a person is told for a status when the handler gave no message of its own.
pub fn generic_message(status: StatusCode) -> Message {
    let (vi, en) = match status.as_u16() {
        400 => ("Yêu cầu không hợp lệ.", "The request is not valid."),
        401 => ("Bạn cần đăng nhập để tiếp tục.", "Please sign in to continue."),
        403 => (
            "Bạn không có quyền truy cập trang này.",
            "You do not have access to this page.",
        ),
        404 => (
            "Không tìm thấy trang Ông/Bà yêu cầu. Ông/Bà vui lòng kiểm tra lại địa chỉ, hoặc nhập mã khảo sát in trên phiếu.",
            "The page you asked for does not exist. Please check the address.",
        ),
        405 => (
            "Trang này không hỗ trợ thao tác đó.",
            "This page does not support that action.",
        ),
        409 => (
            "Yêu cầu xung đột với dữ liệu hiện có.",
            "The request conflicts with existing data.",
        ),
        410 => ("Nội dung này không còn hiệu lực.", "This is no longer available."),
        413 => ("Dữ liệu gửi lên quá lớn.", "What was sent is too large."),
        415 => (
            "Định dạng dữ liệu không được hỗ trợ.",
            "That data format is not supported.",
        ),
        422 => (
            "Dữ liệu gửi lên chưa hợp lệ.",
            "Some of the data sent is not valid.",
        ),
        429 => (
            "Có quá nhiều yêu cầu trong thời gian ngắn. Ông/Bà vui lòng thử lại sau ít phút.",
            "Too many requests. Please try again in a few minutes.",
        ),
        503 => (
            "Hệ thống tạm thời chưa phục vụ được. Vui lòng thử lại sau ít phút.",
            "The service is temporarily unavailable. Please try again in a few minutes.",
        ),
        _ if status.is_client_error() => ("Yêu cầu không hợp lệ.", "The request is not valid."),
        _ => (
            "Đã xảy ra lỗi ở máy chủ. Chúng tôi đã ghi nhận và sẽ khắc phục.",
            "Something went wrong on our side. It has been logged.",
        ),
    };
    Message::new(vi, en)
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl StdError for AppError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.cause.as_deref().map(|c| c as &(dyn StdError + 'static))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// A plain-text fallback; `error_pages` replaces it with a page or JSON that suits
    /// the request.
    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            let mut chain = String::new();
            let mut cause: Option<&(dyn StdError + 'static)> = StdError::source(self);
            while let Some(c) = cause {
                chain.push_str(": ");
                chain.push_str(&c.to_string());
                cause = c.source();
            }
            tracing::error!(status = self.status.as_u16(), cause = %chain, "request failed");
        }
        let mut response = HttpResponse::build(self.status);
        response.content_type("text/plain; charset=utf-8");
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.as_str()));
        }
        response.body(self.message.vi.to_string())
    }
}

impl From<DbError> for AppError {
    fn from(error: DbError) -> AppError {
        match error {
            DbError::Query(diesel::result::Error::NotFound) => {
                AppError::not_found(generic_message(StatusCode::NOT_FOUND))
            }
            DbError::Unavailable(_) | DbError::Connect(_) | DbError::ReadOnly(_) | DbError::ShuttingDown => {
                AppError::unavailable(error)
            }
            DbError::Query(ref e) if is_connection_lost(e) || is_storage_refused(e) => {
                AppError::unavailable(error)
            }
            _ => AppError::internal(error),
        }
    }
}

impl From<IssueRefused> for AppError {
    fn from(e: IssueRefused) -> Self {
        match e {
            IssueRefused::NoDesk => {
                AppError::not_found(Message::new("Không có quầy này.", "There is no such desk."))
            }
            IssueRefused::Forbidden => AppError::new(
                StatusCode::FORBIDDEN,
                Message::new(
                    "Quầy không tồn tại hoặc mã truy cập này không được phát phiếu cho quầy đó.",
                    "The desk does not exist or this token may not issue tickets for it.",
                ),
            ),
            IssueRefused::Invalid(error) => AppError::new(StatusCode::UNPROCESSABLE_ENTITY, error.message()),
            IssueRefused::Db(e) => e.into(),
        }
    }
}

impl From<ReportRefused> for AppError {
    fn from(e: ReportRefused) -> Self {
        match e {
            ReportRefused::NotYours(unit) => AppError::new(
                StatusCode::FORBIDDEN,
                Message::new(
                    format!("Mã truy cập này không được báo số hồ sơ của đơn vị «{unit}»."),
                    format!("This token may not report the dossiers of unit «{unit}»."),
                ),
            ),
            ReportRefused::Rejected(DossierError::Rejected(problems)) => {
                let each = |vi: bool| {
                    problems
                        .iter()
                        .map(|p| {
                            let text = if vi { &p.message.vi } else { &p.message.en };
                            format!("{} {}: {text}", if vi { "mục" } else { "item" }, p.line)
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Message::new(
                        format!("Không lưu gì: {}.", each(true)),
                        format!("Nothing was stored: {}.", each(false)),
                    ),
                )
            }
            ReportRefused::Rejected(DossierError::Db(e)) | ReportRefused::Db(e) => e.into(),
        }
    }
}

impl From<SubmitRefused> for AppError {
    fn from(e: SubmitRefused) -> Self {
        match e {
            SubmitRefused::NoDesk => {
                AppError::not_found(Message::new("Không có quầy này.", "There is no such desk."))
            }
            SubmitRefused::NoUnit(unit) => AppError::not_found(Message::new(
                format!("Không có đơn vị mã «{unit}»."),
                format!("There is no unit with code «{unit}»."),
            )),
            SubmitRefused::Forbidden => AppError::new(
                StatusCode::FORBIDDEN,
                Message::new(
                    "Quầy hoặc đơn vị không tồn tại, hoặc mã truy cập này không được gửi phiếu cho nơi đó.",
                    "The desk or unit does not exist, or this token may not submit answers for it.",
                ),
            ),
            SubmitRefused::Invalid(problems) => {
                let count = problems.len();
                let listed = problems
                    .by_question
                    .into_iter()
                    .map(|(question, message)| (Some(question), message))
                    .chain(problems.general.into_iter().map(|message| (None, message)))
                    .collect();
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Message::new(
                        format!("Không lưu phiếu: {count} lỗi, xem danh sách «problems»."),
                        format!("Nothing was stored: {count} problem(s), listed in «problems»."),
                    ),
                )
                .with_problems(listed)
            }
            SubmitRefused::KeyReused => AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Message::new(
                    "Idempotency-Key này đã được dùng cho một yêu cầu khác. Mỗi phiếu cần một khóa riêng; gửi lại đúng yêu cầu cũ nếu chỉ là thử lại.",
                    "This Idempotency-Key was used for a different request. Use a new key for each response; resend the same request to retry.",
                ),
            ),
            SubmitRefused::Db(e) => e.into(),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> AppError {
        DbError::from(error).into()
    }
}

/// A report that cannot be built: what was asked for is wrong (a 400 that says why), or
/// the storage failed (as any database error).
impl From<crate::indices::ReportError> for AppError {
    fn from(error: crate::indices::ReportError) -> AppError {
        use crate::i18n::Localized;
        use crate::indices::ReportError;
        match error {
            ReportError::Db(e) => e.into(),
            ReportError::Tally(_) | ReportError::Compute(_) => {
                AppError::internal(std::io::Error::other(error.message().en.to_string()))
            }
            refused => AppError::bad_request(refused.message()),
        }
    }
}

impl From<crate::app::inbox::InboxError> for AppError {
    fn from(error: crate::app::inbox::InboxError) -> AppError {
        use crate::app::inbox::InboxError;
        use crate::i18n::Localized;
        match error {
            InboxError::Db(e) => e.into(),
            missing @ InboxError::NotFound => AppError::not_found(missing.message()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> AppError {
        AppError::internal(error)
    }
}

/// Whether a query failed because the server went away (a restart, a network cut): the
/// request may succeed later, so it is a 503 rather than a 500.
fn is_connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        error,
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) | Error::BrokenTransactionManager
    )
}

/// Whether the database refused to write because its storage is full or read-only
/// (SQLite: "database or disk is full", "attempt to write a readonly database";
/// PostgreSQL: "No space left on device", a read-only transaction on a standby). The
/// transaction wrote nothing and the request may succeed once an operator makes room, so
/// the person sees a 503; the log has the cause. (diesel gives the reason only as text.)
fn is_storage_refused(error: &diesel::result::Error) -> bool {
    const REFUSALS: [&str; 4] = [
        "database or disk is full",
        "attempt to write a readonly database",
        "No space left on device",
        "read-only transaction",
    ];
    match error {
        diesel::result::Error::DatabaseError(_, info) => {
            REFUSALS.iter().any(|refusal| info.message().contains(refusal))
        }
        _ => false,
    }
}

/// A JSON body that could not be read, told to the API client in a sentence.
pub fn json_payload_error(
    error: actix_web::error::JsonPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let app_error = match &error {
        E::ContentType => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Message::new(
                "Nội dung phải là JSON (Content-Type: application/json).",
                "The body must be JSON (Content-Type: application/json).",
            ),
        ),
        E::Overflow { .. } | E::OverflowKnownLength { .. } => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Message::new("Dữ liệu gửi lên quá lớn.", "What was sent is too large."),
        ),
        E::Deserialize(e) => AppError::bad_request(Message::new(
            format!("JSON không hợp lệ: {e}"),
            format!("The JSON is not valid: {e}"),
        )),
        _ => AppError::bad_request(Message::new(
            "Không đọc được nội dung gửi lên.",
            "The body could not be read.",
        )),
    };
    app_error.into()
}

/// Query parameters that could not be read, told in a sentence.
pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    AppError::bad_request(Message::new(
        format!("Tham số truy vấn không hợp lệ: {error}"),
        format!("The query parameters are not valid: {error}"),
    ))
    .into()
}

/// Said of a form body that cannot be read.
pub fn unreadable_form() -> Message {
    Message::new(
        "Dữ liệu biểu mẫu không đọc được.",
        "The form data could not be read.",
    )
}

/// A form whose body is not what its route reads: 400 (or 413), with a sentence.
pub fn form_error(error: actix_web::error::UrlencodedError, _: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::UrlencodedError as E;
    match error {
        E::Overflow { .. } => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Message::new("Dữ liệu gửi lên quá lớn.", "What was sent is too large."),
        ),
        _ => AppError::bad_request(unreadable_form()),
    }
    .into()
}
