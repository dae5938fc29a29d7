//! Storing a response: the response, its answers and the per-day counts reports read, in
//! one transaction, so a report never sees half a response.

use chrono::{DateTime, Utc};

use super::validate::Answers;
use crate::db::responses::{ANSWERED, CountKey, NewResponse};
use crate::db::{self, DbConnection, DbError};

/// How a response reached sipas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A desk's reusable code (its QR poster or typed).
    DeskQr,
    /// A single-use ticket.
    Ticket,
    /// A paper questionnaire typed in later.
    Paper,
    Kiosk,
    Api,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::DeskQr => "desk_qr",
            Channel::Ticket => "ticket",
            Channel::Paper => "paper",
            Channel::Kiosk => "kiosk",
            Channel::Api => "api",
        }
    }
}

/// Everything stored about one response besides its answers.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    pub form_version_id: i64,
    pub unit_code: &'a str,
    pub desk_id: Option<i64>,
    pub channel: Channel,
    pub procedure_code: Option<&'a str>,
    pub submitted_at: DateTime<Utc>,
    /// The deployment's time zone, which decides the day the response counts for.
    pub time_zone: chrono_tz::Tz,
    /// The token of the page submitted; the same token twice stores once.
    pub token: Option<&'a str>,
}

/// Stores a response in one transaction. Returns `false`, storing nothing, when its token
/// was already used: the same page was submitted twice.
pub fn store(
    conn: &mut DbConnection,
    submission: &Submission<'_>,
    answers: &Answers,
) -> Result<bool, DbError> {
    let day = submission
        .submitted_at
        .with_timezone(&submission.time_zone)
        .date_naive();
    let response = NewResponse {
        form_version_id: submission.form_version_id,
        unit_code: submission.unit_code,
        desk_id: submission.desk_id,
        channel: submission.channel.as_str(),
        procedure_code: submission.procedure_code,
        submitted_at: submission.submitted_at.naive_utc(),
        day,
        submission_token: submission.token,
    };
    let values: Vec<(&str, &str)> = answers
        .values
        .iter()
        .map(|(q, v)| (q.as_str(), v.as_str()))
        .collect();
    let texts: Vec<(&str, &str)> = answers
        .texts
        .iter()
        .map(|(q, t)| (q.as_str(), t.as_str()))
        .collect();
    let counted: Vec<(&str, &str)> = answers
        .answered()
        .into_iter()
        .map(|q| (q, ANSWERED))
        .chain(values.iter().copied())
        .collect();
    db::write_transaction(conn, |conn| {
        let Some(response_id) = db::responses::insert(conn, &response)? else {
            return Ok(false);
        };
        db::responses::insert_answers(conn, response_id, &values, &texts)?;
        let key = CountKey {
            unit_code: submission.unit_code,
            form_version_id: submission.form_version_id,
            day,
        };
        db::responses::add_counts(conn, key, &counted, submission.channel.as_str())?;
        Ok(true)
    })
}
