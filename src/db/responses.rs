//! Responses, their answers, and the per-day counts reports read.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{answers, daily_counts, daily_responses, responses, text_answers};

/// The value of `daily_counts.value` that counts respondents who answered a question.
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

/// Adds one to each `(question, value)` count and to the day's responses of `channel`.
pub fn add_counts(
    conn: &mut DbConnection,
    key: CountKey<'_>,
    values: &[(&str, &str)],
    channel: &str,
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let rows: Vec<_> = values
        .iter()
        .map(|(question, value)| {
            (
                daily_counts::unit_code.eq(key.unit_code),
                daily_counts::form_version_id.eq(key.form_version_id),
                daily_counts::day.eq(key.day),
                daily_counts::question_id.eq(*question),
                daily_counts::value.eq(*value),
                daily_counts::count.eq(1_i64),
            )
        })
        .collect();
    crate::with_backend!(&mut *conn, |c| {
        if !rows.is_empty() {
            diesel::insert_into(daily_counts::table)
                .values(&rows)
                .on_conflict((
                    daily_counts::unit_code,
                    daily_counts::form_version_id,
                    daily_counts::day,
                    daily_counts::question_id,
                    daily_counts::value,
                ))
                .do_update()
                .set(daily_counts::count.eq(daily_counts::count + excluded(daily_counts::count)))
                .execute(c)?;
        }
        diesel::insert_into(daily_responses::table)
            .values((
                daily_responses::unit_code.eq(key.unit_code),
                daily_responses::form_version_id.eq(key.form_version_id),
                daily_responses::day.eq(key.day),
                daily_responses::channel.eq(channel),
                daily_responses::count.eq(1_i64),
            ))
            .on_conflict((
                daily_responses::unit_code,
                daily_responses::form_version_id,
                daily_responses::day,
                daily_responses::channel,
            ))
            .do_update()
            .set(daily_responses::count.eq(daily_responses::count + excluded(daily_responses::count)))
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

/// One per-day count.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = daily_counts)]
pub struct DailyCount {
    pub unit_code: String,
    pub form_version_id: i64,
    pub day: NaiveDate,
    pub question_id: String,
    pub value: String,
    pub count: i64,
}

/// The responses of one unit, form version, day and channel.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = daily_responses)]
pub struct DailyResponses {
    pub unit_code: String,
    pub form_version_id: i64,
    pub day: NaiveDate,
    pub channel: String,
    pub count: i64,
}

/// Every per-day count.
pub fn all_counts(conn: &mut DbConnection) -> QueryResult<Vec<DailyCount>> {
    daily_counts::table.select(DailyCount::as_select()).load(conn)
}

/// Every per-day response count.
pub fn all_daily_responses(conn: &mut DbConnection) -> QueryResult<Vec<DailyResponses>> {
    daily_responses::table
        .select(DailyResponses::as_select())
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
