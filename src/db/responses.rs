//! Responses, their answers, and the counts reports read.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::count_periods::{CountPeriod, periods_of};
use super::schema::{answer_counts, answers, response_counts, responses, text_answers};

/// The value of `answer_counts.value` that counts respondents who answered a question.
pub const ANSWERED: &str = "*";

#[derive(Debug, Insertable)]
#[diesel(table_name = responses, treat_none_as_default_value = false)]
pub struct NewResponse<'a> {
    pub form_version_id: i64,
    pub unit_code: &'a str,
    pub desk_id: Option<i64>,
    pub channel: &'a str,
    pub procedure_code: Option<&'a str>,
    pub submitted_at: NaiveDateTime,
    pub day: NaiveDate,
    pub submission_token: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = responses)]
pub struct Response {
    pub id: i64,
    pub form_version_id: i64,
    pub unit_code: String,
    pub desk_id: Option<i64>,
    pub channel: String,
    pub procedure_code: Option<String>,
    pub submitted_at: NaiveDateTime,
    pub day: NaiveDate,
}

/// Inserts a response and returns its id; `None` when its submission token was already
/// used (the same page submitted twice).
pub fn insert(conn: &mut DbConnection, response: &NewResponse<'_>) -> QueryResult<Option<i64>> {
    crate::with_backend!(&mut *conn, |c| {
        diesel::insert_into(responses::table)
            .values(response)
            .on_conflict(responses::submission_token)
            .do_nothing()
            .returning(responses::id)
            .get_result(c)
            .optional()
    })
}

/// Rows per multi-row statement: well below SQLite's and PostgreSQL's bound-parameter
/// limits for the widest table written this way (7 columns).
const ROWS_PER_STATEMENT: usize = 2_000;

/// Stores answers of responses: `(response, question, value)` and free texts
/// `(response, question, body)`.
pub fn insert_answers(
    conn: &mut DbConnection,
    values: &[(i64, &str, &str)],
    texts: &[(i64, &str, &str)],
) -> QueryResult<()> {
    for chunk in values.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(response, question, value)| {
                (
                    answers::response_id.eq(*response),
                    answers::question_id.eq(*question),
                    answers::value.eq(*value),
                )
            })
            .collect();
        // Multi-row inserts need the concrete backend (MultiConnection lacks them).
        crate::with_backend!(&mut *conn, |c| diesel::insert_into(answers::table)
            .values(&rows)
            .execute(c))?;
    }
    for chunk in texts.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(response, question, body)| {
                (
                    text_answers::response_id.eq(*response),
                    text_answers::question_id.eq(*question),
                    text_answers::body.eq(*body),
                )
            })
            .collect();
        crate::with_backend!(&mut *conn, |c| diesel::insert_into(text_answers::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// The place and time a response is counted under.
#[derive(Debug, Clone, Copy)]
pub struct CountKey<'a> {
    pub unit_code: &'a str,
    pub form_version_id: i64,
    pub day: NaiveDate,
}

/// (unit, form version, period, start, question, value) of an answer count.
type AnswerCountKey = (String, i64, CountPeriod, NaiveDate, String, String);
/// (unit, form version, period, start, channel) of a response count.
type ResponseCountKey = (String, i64, CountPeriod, NaiveDate, String);

/// Counts to add, summed before they are written: one response's, or a whole import's
/// (which then writes each count once). Sorted, so that concurrent transactions touch
/// the same rows in the same order and never deadlock.
#[derive(Debug, Default)]
pub struct CountTotals {
    answers: BTreeMap<AnswerCountKey, i64>,
    responses: BTreeMap<ResponseCountKey, i64>,
}

impl CountTotals {
    /// Counts one response: each `(question, value)` and the response itself under
    /// `channel`, for the day, month and year of `key.day`.
    pub fn add(&mut self, key: CountKey<'_>, values: &[(&str, &str)], channel: &str) {
        for (period, start) in periods_of(key.day) {
            let unit = key.unit_code.to_string();
            for (question, value) in values {
                let counted = (
                    unit.clone(),
                    key.form_version_id,
                    period,
                    start,
                    question.to_string(),
                    value.to_string(),
                );
                *self.answers.entry(counted).or_default() += 1;
            }
            let counted = (unit, key.form_version_id, period, start, channel.to_string());
            *self.responses.entry(counted).or_default() += 1;
        }
    }
}

/// Adds the totals to the stored counts.
pub fn add_counts(conn: &mut DbConnection, totals: &CountTotals) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let answer_rows: Vec<_> = totals
        .answers
        .iter()
        .map(|((unit, version, period, start, question, value), count)| {
            (
                answer_counts::unit_code.eq(unit.as_str()),
                answer_counts::form_version_id.eq(*version),
                answer_counts::period.eq(period.as_str()),
                answer_counts::start.eq(*start),
                answer_counts::question_id.eq(question.as_str()),
                answer_counts::value.eq(value.as_str()),
                answer_counts::count.eq(*count),
            )
        })
        .collect();
    let response_rows: Vec<_> = totals
        .responses
        .iter()
        .map(|((unit, version, period, start, channel), count)| {
            (
                response_counts::unit_code.eq(unit.as_str()),
                response_counts::form_version_id.eq(*version),
                response_counts::period.eq(period.as_str()),
                response_counts::start.eq(*start),
                response_counts::channel.eq(channel.as_str()),
                response_counts::count.eq(*count),
            )
        })
        .collect();
    crate::with_backend!(&mut *conn, |c| {
        for chunk in answer_rows.chunks(ROWS_PER_STATEMENT) {
            diesel::insert_into(answer_counts::table)
                .values(chunk)
                .on_conflict((
                    answer_counts::unit_code,
                    answer_counts::form_version_id,
                    answer_counts::period,
                    answer_counts::start,
                    answer_counts::question_id,
                    answer_counts::value,
                ))
                .do_update()
                .set(answer_counts::count.eq(answer_counts::count + excluded(answer_counts::count)))
                .execute(c)?;
        }
        for chunk in response_rows.chunks(ROWS_PER_STATEMENT) {
            diesel::insert_into(response_counts::table)
                .values(chunk)
                .on_conflict((
                    response_counts::unit_code,
                    response_counts::form_version_id,
                    response_counts::period,
                    response_counts::start,
                    response_counts::channel,
                ))
                .do_update()
                .set(response_counts::count.eq(response_counts::count + excluded(response_counts::count)))
                .execute(c)?;
        }
        QueryResult::Ok(())
    })
}

/// The stored answers of a response, by question.
pub fn answers_of(conn: &mut DbConnection, response_id: i64) -> QueryResult<Vec<(String, String)>> {
    answers::table
        .filter(answers::response_id.eq(response_id))
        .select((answers::question_id, answers::value))
        .order((answers::question_id, answers::value))
        .load(conn)
}

/// The free-text answers of a response.
pub fn texts_of(conn: &mut DbConnection, response_id: i64) -> QueryResult<Vec<(String, String)>> {
    text_answers::table
        .filter(text_answers::response_id.eq(response_id))
        .select((text_answers::question_id, text_answers::body))
        .order(text_answers::question_id)
        .load(conn)
}

/// Every response, oldest first (for checks and exports of small sets).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Response>> {
    responses::table
        .select(Response::as_select())
        .order(responses::id)
        .load(conn)
}

/// Whether any response answered this form version.
pub fn any_for_version(conn: &mut DbConnection, version: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        responses::table.filter(responses::form_version_id.eq(version)),
    ))
    .get_result(conn)
}

/// One count of a question's value, for a day, month or year.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = answer_counts)]
pub struct AnswerCount {
    pub unit_code: String,
    pub form_version_id: i64,
    pub period: String,
    pub start: NaiveDate,
    pub question_id: String,
    pub value: String,
    pub count: i64,
}

/// The responses of one unit, form version, day, month or year, and channel.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = response_counts)]
pub struct ResponseCount {
    pub unit_code: String,
    pub form_version_id: i64,
    pub period: String,
    pub start: NaiveDate,
    pub channel: String,
    pub count: i64,
}

/// Every answer count (for checks against a recount).
pub fn all_answer_counts(conn: &mut DbConnection) -> QueryResult<Vec<AnswerCount>> {
    answer_counts::table.select(AnswerCount::as_select()).load(conn)
}

/// Every response count (for checks against a recount).
pub fn all_response_counts(conn: &mut DbConnection) -> QueryResult<Vec<ResponseCount>> {
    response_counts::table
        .select(ResponseCount::as_select())
        .load(conn)
}

/// Up to `limit` responses with an id above `after`, in id order: a page of an export,
/// which never holds more than a page. Only the primary key is used, so each page costs
/// the same however far the export has gone (filtering by unit or day here would let the
/// database sort every match for every page); the caller keeps the rows it wants.
pub fn page(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<Response>> {
    responses::table
        .filter(responses::id.gt(after))
        .order(responses::id)
        .limit(limit)
        .select(Response::as_select())
        .load(conn)
}

/// The structured answers of these responses: `(response, question, value)`.
pub fn answers_of_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String, String)>> {
    answers::table
        .filter(answers::response_id.eq_any(ids))
        .select((answers::response_id, answers::question_id, answers::value))
        .load(conn)
}

/// The free-text answers of these responses: `(response, question, text)`.
pub fn texts_of_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String, String)>> {
    text_answers::table
        .filter(text_answers::response_id.eq_any(ids))
        .select((
            text_answers::response_id,
            text_answers::question_id,
            text_answers::body,
        ))
        .load(conn)
}
