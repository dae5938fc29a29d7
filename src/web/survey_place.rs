//! What a survey code leads to: a desk (its reusable code) or a single-use ticket of a
//! desk, and whether it takes an answer now.

use std::net::IpAddr;

use actix_web::http::StatusCode;
use actix_web::http::header::RETRY_AFTER;

use super::AppError;
use super::rate_limit::LookupLimiter;
use crate::codes::tickets::{TicketState, is_ticket_code, state};
use crate::codes::{self};
use crate::db::desks::Desk;
use crate::db::tickets::Ticket;
use crate::db::units::Unit;
use crate::db::{self, Database, DbError};
use crate::i18n::Message;
use crate::responses::{Channel, TicketUse};

/// A desk that takes answers, with its unit, reached through its code or a ticket.
pub struct Place {
    pub desk: Desk,
    pub unit: Unit,
    pub ticket: Option<Ticket>,
}

impl Place {
    pub fn describe(&self) -> String {
        format!("{} — {}", self.unit.name, self.desk.name)
    }

    /// The form this code opens: a ticket the desk's ticket form, the desk's own code its
    /// poster form.
    pub fn form_id(&self) -> &str {
        if self.ticket.is_some() {
            &self.desk.ticket_form_id
        } else {
            &self.desk.form_id
        }
    }

    pub fn channel(&self) -> Channel {
        if self.ticket.is_some() {
            Channel::Ticket
        } else {
            Channel::DeskQr
        }
    }

    /// The procedure (code, field) a ticket was issued for, recorded with the response.
    pub fn procedure(&self) -> (Option<String>, Option<String>) {
        self.ticket.as_ref().map_or((None, None), |t| {
            (t.procedure_code.clone(), t.procedure_field.clone())
        })
    }

    pub fn ticket_use(&self) -> Option<TicketUse> {
        self.ticket.as_ref().map(|t| TicketUse {
            id: t.id,
            desk_id: t.desk_id,
            issued_day: t.issued_day,
        })
    }
}

fn unknown(code: &str) -> AppError {
    let shown: String = code.chars().take(20).collect();
    AppError::not_found(Message::new(
        format!(
            "Không tìm thấy mã khảo sát “{shown}”. Ông/Bà vui lòng kiểm tra lại mã in trên phiếu hoặc dưới mã QR, sửa trong ô dưới đây rồi bấm “Bắt đầu khảo sát”."
        ),
        format!(
            "There is no survey code “{shown}”. Please check the code printed on your ticket or under the QR code, correct it below and press “Start the survey”."
        ),
    ))
}

/// The page for a ticket that takes no answer: 409 once answered, 410 when expired or
/// revoked.
pub fn ticket_closed(state: TicketState) -> AppError {
    let (status, vi, en) = match state {
        TicketState::Answered | TicketState::Open => (
            StatusCode::CONFLICT,
            "Phiếu này đã được dùng để trả lời khảo sát, câu trả lời đã được ghi nhận. Mỗi phiếu chỉ trả lời được một lần. Cảm ơn Ông/Bà! Ông/Bà có thể đóng trang này.",
            "This ticket has already been used and its answers are recorded. Each ticket answers once. Thank you! You may close this page.",
        ),
        TicketState::Expired => (
            StatusCode::GONE,
            "Phiếu khảo sát này đã hết hạn. Ông/Bà vẫn có thể góp ý bằng cách quét mã QR dán tại quầy, hoặc nhập mã in dưới mã QR đó vào ô dưới đây.",
            "This survey ticket has expired. You can still give your opinion by scanning the QR code at the desk, or by typing the code printed under it below.",
        ),
        TicketState::Revoked => (
            StatusCode::GONE,
            "Phiếu khảo sát này đã bị thu hồi. Ông/Bà vẫn có thể góp ý bằng cách quét mã QR dán tại quầy, hoặc nhập mã in dưới mã QR đó vào ô dưới đây.",
            "This survey ticket was withdrawn. You can still give your opinion by scanning the QR code at the desk, or by typing the code printed under it below.",
        ),
    };
    AppError::new(status, Message::new(vi, en))
}

/// The unit behind a code, whatever the state of its ticket or desk: what the
/// thank-you page needs (the ticket has just been used).
pub async fn unit_of_code(db: &Database, typed: &str) -> Result<Option<Unit>, AppError> {
    let Some(code) = codes::normalize(typed) else {
        return Ok(None);
    };
    Ok(db
        .run(move |conn| -> Result<Option<Unit>, DbError> {
            let desk = if is_ticket_code(&code) {
                match db::tickets::find_by_code(conn, &code)? {
                    Some(ticket) => db::desks::find(conn, ticket.desk_id)?,
                    None => None,
                }
            } else {
                db::desks::find_by_code(conn, &code)?
            };
            match desk {
                Some(desk) => Ok(db::units::find(conn, &desk.unit_code)?),
                None => Ok(None),
            }
        })
        .await?)
}

/// Who is looking a code up, for the limit on unknown codes.
pub struct Seeker<'a> {
    pub limiter: &'a LookupLimiter,
    pub address: Option<IpAddr>,
}

impl Seeker<'_> {
    /// 429 once this address has looked up too many codes that do not exist.
    fn check(&self) -> Result<(), AppError> {
        let Err(limited) = self.limiter.check(self.address) else {
            return Ok(());
        };
        let seconds = limited.retry_after.as_secs().max(1);
        let minutes = seconds.div_ceil(60);
        Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Message::new(
                format!("Đã có quá nhiều lần nhập mã khảo sát không đúng từ mạng này. Ông/Bà vui lòng kiểm tra mã in trên phiếu và thử lại sau {minutes} phút."),
                format!("Too many survey codes that do not exist were tried from this network. Please check the code printed on the ticket and try again in {minutes} minutes."),
            ),
        )
        .with_header(RETRY_AFTER, seconds.to_string()))
    }

    fn unknown(&self, typed: &str) -> AppError {
        self.limiter.unknown(self.address);
        unknown(typed)
    }
}

/// The desk behind a code as typed or scanned, and the canonical code: 404 when there is
/// none (counted against the seeker's address), 409 or 410 when it takes no answer, 429
/// when the address has tried too many codes that do not exist.
pub async fn find_place(
    db: &Database,
    typed: &str,
    seeker: &Seeker<'_>,
) -> Result<(String, Place), AppError> {
    seeker.check()?;
    let code = codes::normalize(typed).ok_or_else(|| seeker.unknown(typed))?;
    let lookup = code.clone();
    let found = db
        .run(move |conn| -> Result<Option<Place>, DbError> {
            let (desk, ticket) = if is_ticket_code(&lookup) {
                let Some(ticket) = db::tickets::find_by_code(conn, &lookup)? else {
                    return Ok(None);
                };
                let desk = db::desks::find(conn, ticket.desk_id)?.ok_or(diesel::result::Error::NotFound)?;
                (desk, Some(ticket))
            } else {
                match db::desks::find_by_code(conn, &lookup)? {
                    Some(desk) => (desk, None),
                    None => return Ok(None),
                }
            };
            let unit = db::units::find(conn, &desk.unit_code)?.ok_or(diesel::result::Error::NotFound)?;
            Ok(Some(Place { desk, unit, ticket }))
        })
        .await?;
    let place = found.ok_or_else(|| seeker.unknown(typed))?;
    if let Some(ticket) = &place.ticket {
        let now = chrono::Utc::now().naive_utc();
        match state(ticket, now) {
            TicketState::Open => {}
            closed => return Err(ticket_closed(closed)),
        }
    }
    if !place.desk.enabled {
        return Err(AppError::new(
            StatusCode::GONE,
            Message::new(
                "Quầy này đã ngừng nhận khảo sát. Cảm ơn Ông/Bà đã quan tâm; Ông/Bà có thể góp ý tại quầy khác của đơn vị.",
                "This desk no longer takes survey answers. Thank you for your interest; you can give your opinion at another desk of this office.",
            ),
        ));
    }
    Ok((code, place))
}
