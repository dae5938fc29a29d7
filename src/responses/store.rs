//! Storing a response: the response, its answers and the counts reports read, in one
//! transaction, so a report never sees half a response.

use crate::i18n::{Localized, Message};
use chrono::{DateTime, Utc};
use diesel::Connection;

use super::validate::Answers;
use crate::db::responses::{NewResponse, NewTextAnswer, encode_answers};
use crate::db::{self, DbConnection, DbError};
use crate::tally::{Channel, CountTotals, TallyKey};

/// The ticket a response answers: it must still be open when the response is stored.
#[derive(Debug, Clone, Copy)]
pub struct TicketUse {
    pub id: i64,
    pub desk_id: i64,
    pub issued_day: chrono::NaiveDate,
}

/// What storing a submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new response, with its id.
    New(i64),
    /// The same page was sent again; its response was already stored.
    SamePage,
}

/// Why a submission was not stored.
#[derive(Debug)]
pub enum StoreError {
    /// The ticket was answered, revoked or expired meanwhile; nothing was stored.
    TicketClosed,
    Db(DbError),
}

impl Localized for StoreError {
    fn message(&self) -> Message {
        match self {
            StoreError::TicketClosed => Message::new(
                "phiếu khảo sát đã được dùng, đã hết hạn hoặc đã bị thu hồi",
                "the ticket was already used, has expired or was revoked",
            ),
            StoreError::Db(e) => e.message(),
        }
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        StoreError::Db(e)
    }
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::Db(e.into())
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
    /// The procedure's field (lĩnh vực), which reports can be narrowed to.
    pub procedure_field: Option<&'a str>,
    pub submitted_at: DateTime<Utc>,
    /// The deployment's time zone, which decides the day the response counts for.
    pub time_zone: chrono_tz::Tz,
    /// The token of the page submitted; the same token twice stores once.
    pub token: Option<&'a str>,
    /// The single-use ticket answered, if any.
    pub ticket: Option<TicketUse>,
}

/// Stores a response, its answers, its counts and its ticket's use in one transaction.
/// The same page sent twice stores once; a ticket that no longer takes an answer stores
/// nothing (the database decides, so of simultaneous answers exactly one gets in).
pub fn store(
    conn: &mut DbConnection,
    submission: &Submission<'_>,
    answers: &Answers,
) -> Result<Stored, StoreError> {
    store_many(conn, &[(submission.clone(), answers)])?.remove(0)
}

/// Stores several submissions in one transaction, their counts summed and written once
/// (see [`super::committer`]). Each is tried in a savepoint, so one that cannot be stored
/// (its ticket no longer takes an answer, or the database refuses it) is undone alone and
/// told why; if the transaction itself fails, none is stored.
pub fn store_many(
    conn: &mut DbConnection,
    items: &[(Submission<'_>, &Answers)],
) -> Result<Vec<Result<Stored, StoreError>>, StoreError> {
    db::write_transaction(conn, |conn| {
        let mut batch = Batch::default();
        let mut outcomes = Vec::with_capacity(items.len());
        for (submission, answers) in items {
            // `Batch::add` counts an answer only once its rows are in, so an answer
            // undone here leaves nothing in the batch.
            outcomes.push(conn.transaction(|conn| batch.add(conn, submission, answers)));
        }
        batch.finish(conn)?;
        Ok(outcomes)
    })
}

/// Free-text answers of responses already inserted, not yet written.
const TEXTS_PER_FLUSH: usize = 20_000;

/// A free-text answer kept until it is written, with what its comment is found by.
struct Text {
    response_id: i64,
    question: String,
    body: String,
    unit_code: String,
    form_version_id: i64,
    day: chrono::NaiveDate,
    procedure_field: Option<String>,
}

/// A response queued for a multi-row insert, and its free texts.
struct Queued {
    form_version_id: i64,
    unit_code: String,
    desk_id: Option<i64>,
    channel: Channel,
    procedure_code: Option<String>,
    procedure_field: Option<String>,
    submitted_at: chrono::NaiveDateTime,
    day: chrono::NaiveDate,
    answers: String,
    texts: Vec<(String, String)>,
}

/// Many responses stored inside one transaction the caller holds (an import stores a
/// whole file in one). [`Batch::add`] inserts a response at once (its page token or
/// ticket decides whether it may be stored); [`Batch::queue`] keeps responses that need
/// no such check and inserts a thousand in one statement (one round trip each, not one per
/// response: what makes an import fast on PostgreSQL). Free texts go a few thousand at a
/// time, and the counts of them all are summed and written once by [`Batch::finish`].
#[derive(Default)]
pub struct Batch {
    queued: Vec<Queued>,
    texts: Vec<Text>,
    counts: CountTotals,
}

/// The time a response is stored with: reports need the day, alerts the hour; seconds
/// would only help match an answer with a proxy's or the one-stop software's logs.
fn to_the_minute(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    at.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(at)
}

impl Batch {
    pub fn add(
        &mut self,
        conn: &mut DbConnection,
        submission: &Submission<'_>,
        answers: &Answers,
    ) -> Result<Stored, StoreError> {
        let day = submission
            .submitted_at
            .with_timezone(&submission.time_zone)
            .date_naive();
        let encoded = encode_answers(&answers.values);
        let response = NewResponse {
            form_version_id: submission.form_version_id,
            unit_code: submission.unit_code,
            desk_id: submission.desk_id,
            channel: submission.channel.as_str(),
            procedure_code: submission.procedure_code,
            submitted_at: to_the_minute(submission.submitted_at.naive_utc()),
            day,
            submission_token: submission.token,
            answers: &encoded,
            procedure_field: submission.procedure_field,
        };
        let Some(response_id) = db::responses::insert(conn, &response)? else {
            return Ok(Stored::SamePage);
        };
        if let Some(ticket) = submission.ticket {
            if !db::tickets::mark_answered(conn, ticket.id, submission.submitted_at.naive_utc())? {
                return Err(StoreError::TicketClosed);
            }
            db::tickets::add_counts(conn, ticket.desk_id, ticket.issued_day, 0, 1)?;
        }
        let values: Vec<(&str, &str)> = answers
            .values
            .iter()
            .map(|(q, v)| (q.as_str(), v.as_str()))
            .collect();
        let texted: Vec<&str> = answers.texts.iter().map(|(q, _)| q.as_str()).collect();
        let key = TallyKey {
            unit_code: submission.unit_code,
            form_version_id: submission.form_version_id,
            day,
            field: submission.procedure_field,
            channel: submission.channel,
        };
        self.counts.add_answers(key, &values, &texted);
        self.texts
            .extend(answers.texts.iter().map(|(question, body)| Text {
                response_id,
                question: question.clone(),
                body: body.clone(),
                unit_code: submission.unit_code.to_string(),
                form_version_id: submission.form_version_id,
                day,
                procedure_field: submission.procedure_field.map(str::to_string),
            }));
        if self.texts.len() >= TEXTS_PER_FLUSH {
            self.flush_texts(conn)?;
        }
        Ok(Stored::New(response_id))
    }

    /// Queues a response without a page token or ticket (a paper questionnaire), to be
    /// inserted with others; it is in the database once the batch is finished.
    pub fn queue(
        &mut self,
        conn: &mut DbConnection,
        submission: &Submission<'_>,
        answers: &Answers,
    ) -> Result<(), StoreError> {
        debug_assert!(submission.token.is_none() && submission.ticket.is_none());
        let day = submission
            .submitted_at
            .with_timezone(&submission.time_zone)
            .date_naive();
        let values: Vec<(&str, &str)> = answers
            .values
            .iter()
            .map(|(q, v)| (q.as_str(), v.as_str()))
            .collect();
        let texted: Vec<&str> = answers.texts.iter().map(|(q, _)| q.as_str()).collect();
        let key = TallyKey {
            unit_code: submission.unit_code,
            form_version_id: submission.form_version_id,
            day,
            field: submission.procedure_field,
            channel: submission.channel,
        };
        self.counts.add_answers(key, &values, &texted);
        self.queued.push(Queued {
            form_version_id: submission.form_version_id,
            unit_code: submission.unit_code.to_string(),
            desk_id: submission.desk_id,
            channel: submission.channel,
            procedure_code: submission.procedure_code.map(str::to_string),
            procedure_field: submission.procedure_field.map(str::to_string),
            submitted_at: to_the_minute(submission.submitted_at.naive_utc()),
            day,
            answers: encode_answers(&answers.values),
            texts: answers.texts.clone(),
        });
        if self.queued.len() >= db::responses::RESPONSES_PER_STATEMENT {
            self.flush_queued(conn)?;
        }
        Ok(())
    }

    /// Inserts the queued responses in one statement; their free texts wait with the others.
    fn flush_queued(&mut self, conn: &mut DbConnection) -> Result<(), StoreError> {
        let queued = std::mem::take(&mut self.queued);
        let rows: Vec<NewResponse<'_>> = queued
            .iter()
            .map(|q| NewResponse {
                form_version_id: q.form_version_id,
                unit_code: &q.unit_code,
                desk_id: q.desk_id,
                channel: q.channel.as_str(),
                procedure_code: q.procedure_code.as_deref(),
                submitted_at: q.submitted_at,
                day: q.day,
                submission_token: None,
                answers: &q.answers,
                procedure_field: q.procedure_field.as_deref(),
            })
            .collect();
        let ids = db::responses::insert_many(conn, &rows)?;
        drop(rows);
        for (response_id, q) in ids.into_iter().zip(queued) {
            self.texts
                .extend(q.texts.into_iter().map(|(question, body)| Text {
                    response_id,
                    question,
                    body,
                    unit_code: q.unit_code.clone(),
                    form_version_id: q.form_version_id,
                    day: q.day,
                    procedure_field: q.procedure_field.clone(),
                }));
        }
        if self.texts.len() >= TEXTS_PER_FLUSH {
            self.flush_texts(conn)?;
        }
        Ok(())
    }

    fn flush_texts(&mut self, conn: &mut DbConnection) -> Result<(), StoreError> {
        let texts: Vec<NewTextAnswer<'_>> = self
            .texts
            .iter()
            .map(|text| NewTextAnswer {
                response_id: text.response_id,
                question_id: &text.question,
                body: &text.body,
                unit_code: &text.unit_code,
                form_version_id: text.form_version_id,
                day: text.day,
                procedure_field: text.procedure_field.as_deref(),
            })
            .collect();
        db::responses::insert_texts(conn, &texts)?;
        self.texts.clear();
        Ok(())
    }

    /// Writes what is left: the last queued responses, free texts and every count.
    pub fn finish(mut self, conn: &mut DbConnection) -> Result<(), StoreError> {
        self.flush_queued(conn)?;
        self.flush_texts(conn)?;
        db::tallies::add(conn, self.counts)?;
        Ok(())
    }
}
