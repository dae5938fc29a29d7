//! Responses, their answers, and the per-day counts reports read.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::count_periods::periods_of;
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

/// Stores the answers of a response: `(question, value)` pairs and free texts.
pub fn insert_answers(
    conn: &mut DbConnection,
    response_id: i64,
    values: &[(&str, &str)],
    texts: &[(&str, &str)],
) -> QueryResult<()> {
    let rows: Vec<_> = values
        .iter()
        .map(|(question, value)| {
            (
                answers::response_id.eq(response_id),
                answers::question_id.eq(*question),
                answers::value.eq(*value),
            )
        })
        .collect();
    if !rows.is_empty() {
        // Multi-row inserts need the concrete backend (MultiConnection lacks them).
        crate::with_backend!(&mut *conn, |c| diesel::insert_into(answers::table)
            .values(&rows)
            .execute(c))?;
    }
    let rows: Vec<_> = texts
        .iter()
        .map(|(question, body)| {
            (
                text_answers::response_id.eq(response_id),
                text_answers::question_id.eq(*question),
                text_answers::body.eq(*body),
            )
        })
        .collect();
    if !rows.is_empty() {
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

/// Adds one to each `(question, value)` count and to the responses of `channel`, for the
/// day, month and year of `key.day`.
pub fn add_counts(
    conn: &mut DbConnection,
    key: CountKey<'_>,
    values: &[(&str, &str)],
    channel: &str,
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let periods = periods_of(key.day);
    let answer_rows: Vec<_> = periods
        .iter()
        .flat_map(|(period, start)| {
            values.iter().map(move |(question, value)| {
                (
                    answer_counts::unit_code.eq(key.unit_code),
                    answer_counts::form_version_id.eq(key.form_version_id),
                    answer_counts::period.eq(period.as_str()),
                    answer_counts::start.eq(*start),
                    answer_counts::question_id.eq(*question),
                    answer_counts::value.eq(*value),
                    answer_counts::count.eq(1_i64),
                )
            })
        })
        .collect();
    let response_rows: Vec<_> = periods
        .iter()
        .map(|(period, start)| {
            (
                response_counts::unit_code.eq(key.unit_code),
                response_counts::form_version_id.eq(key.form_version_id),
                response_counts::period.eq(period.as_str()),
                response_counts::start.eq(*start),
                response_counts::channel.eq(channel),
                response_counts::count.eq(1_i64),
            )
        })
        .collect();
    crate::with_backend!(&mut *conn, |c| {
        if !values.is_empty() {
            diesel::insert_into(answer_counts::table)
                .values(&answer_rows)
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
        diesel::insert_into(response_counts::table)
            .values(&response_rows)
            .on_conflict((
                response_counts::unit_code,
                response_counts::form_version_id,
                response_counts::period,
                response_counts::start,
                response_counts::channel,
            ))
            .do_update()
            .set(response_counts::count.eq(response_counts::count + excluded(response_counts::count)))
            .execute(c)
    })?;
    Ok(())
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

/// Up to `limit` responses to these form versions over days `from..=to` with an id above
/// `after`, in id order: a page of an export that never holds more than a page.
pub fn page(
    conn: &mut DbConnection,
    versions: &[i64],
    units: Option<&[String]>,
    (from, to): (NaiveDate, NaiveDate),
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Response>> {
    let mut query = responses::table
        .filter(responses::form_version_id.eq_any(versions))
        .filter(responses::day.between(from, to))
        .filter(responses::id.gt(after))
        .into_boxed();
    if let Some(units) = units {
        query = query.filter(responses::unit_code.eq_any(units));
    }
    query
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
