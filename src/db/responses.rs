//! Responses and their answers (the counts reports read are in [`super::tallies`]).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{responses, text_answers};

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
    /// The structured answers, as [`encode_answers`] writes them.
    pub answers: &'a str,
    pub procedure_field: Option<&'a str>,
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
    answers: String,
    pub procedure_field: Option<String>,
}

impl Response {
    /// The structured answers: `(question, value)`, one per chosen option.
    pub fn values(&self) -> QueryResult<Vec<(String, String)>> {
        decode_answers(&self.answers)
    }
}

/// Structured answers as stored in `responses.answers`: a JSON array of
/// `[question, value]` pairs.
pub fn encode_answers(values: &[(String, String)]) -> String {
    serde_json::to_string(values).expect("pairs of strings always serialize")
}

pub(crate) fn decode_answers(stored: &str) -> QueryResult<Vec<(String, String)>> {
    serde_json::from_str(stored).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
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

/// Inserts responses that carry no page token in one multi-row statement (an import's);
/// returns their ids in the order given.
pub fn insert_many(conn: &mut DbConnection, rows: &[NewResponse<'_>]) -> QueryResult<Vec<i64>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = crate::with_backend!(&mut *conn, |c| diesel::insert_into(responses::table)
        .values(rows)
        .returning(responses::id)
        .get_results(c))?;
    // Both databases number the rows of one statement in the order of its VALUES, but
    // neither promises to return them in that order.
    ids.sort_unstable();
    if ids.len() != rows.len() {
        return Err(diesel::result::Error::QueryBuilderError(
            format!("{} responses inserted, {} ids returned", rows.len(), ids.len()).into(),
        ));
    }
    Ok(ids)
}

/// Responses per multi-row statement: 10 columns each, well below SQLite's (32,766) and
/// PostgreSQL's (65,535) bound-parameter limits.
pub const RESPONSES_PER_STATEMENT: usize = 1_000;

/// Free texts per multi-row statement: well below SQLite's and PostgreSQL's
/// bound-parameter limits (6 columns each).
const ROWS_PER_STATEMENT: usize = 2_000;

/// A free-text answer (comment) to store, with where and when its response counts, by
/// which comments are looked up.
#[derive(Debug, Insertable)]
#[diesel(table_name = text_answers)]
pub struct NewTextAnswer<'a> {
    pub response_id: i64,
    pub question_id: &'a str,
    pub body: &'a str,
    pub unit_code: &'a str,
    pub form_version_id: i64,
    pub day: NaiveDate,
    pub procedure_field: Option<&'a str>,
}

/// Stores free-text answers of responses.
pub fn insert_texts(conn: &mut DbConnection, texts: &[NewTextAnswer<'_>]) -> QueryResult<()> {
    for chunk in texts.chunks(ROWS_PER_STATEMENT) {
        // Multi-row inserts need the concrete backend (MultiConnection lacks them).
        crate::with_backend!(&mut *conn, |c| diesel::insert_into(text_answers::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// The structured answers of a response, sorted (none for a response that does not exist).
pub fn answers_of(conn: &mut DbConnection, response_id: i64) -> QueryResult<Vec<(String, String)>> {
    let stored: Option<String> = responses::table
        .find(response_id)
        .select(responses::answers)
        .first(conn)
        .optional()?;
    let mut values = stored.map_or(Ok(Vec::new()), |s| decode_answers(&s))?;
    values.sort();
    Ok(values)
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

/// One response.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Response>> {
    responses::table
        .find(id)
        .select(Response::as_select())
        .first(conn)
        .optional()
}

/// Whether any response answered this form version.
pub fn any_for_version(conn: &mut DbConnection, version: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        responses::table.filter(responses::form_version_id.eq(version)),
    ))
    .get_result(conn)
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

/// What a breakdown by respondent reads of a response.
#[derive(Debug, Clone)]
pub struct Described {
    pub answers: Vec<(String, String)>,
    pub channel: String,
    pub desk_id: Option<i64>,
    pub procedure_field: Option<String>,
}

/// The responses to these form versions from `units` over `from..=to` (of `field` when
/// given): their answers, channel, desk and field. This reads the responses themselves,
/// not the counts: only a breakdown by respondent needs answers together.
pub fn described(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    (from, to): (NaiveDate, NaiveDate),
    field: Option<&str>,
) -> QueryResult<Vec<Described>> {
    let mut found = Vec::new();
    for chunk in units.chunks(2_000) {
        let mut query = responses::table
            .filter(responses::unit_code.eq_any(chunk))
            .filter(responses::form_version_id.eq_any(versions))
            .filter(responses::day.between(from, to))
            .select((
                responses::answers,
                responses::channel,
                responses::desk_id,
                responses::procedure_field,
            ))
            .into_boxed();
        if let Some(field) = field {
            query = query.filter(responses::procedure_field.eq(field));
        }
        let rows: Vec<(String, String, Option<i64>, Option<String>)> = query.load(conn)?;
        for (answers, channel, desk_id, procedure_field) in rows {
            found.push(Described {
                answers: decode_answers(&answers)?,
                channel,
                desk_id,
                procedure_field,
            });
        }
    }
    Ok(found)
}

/// How many answers each of `desks` received since `since` (desks with none are left out).
pub fn per_desk_since(
    conn: &mut DbConnection,
    desks: &[i64],
    since: NaiveDateTime,
) -> QueryResult<Vec<(Option<i64>, i64)>> {
    responses::table
        .filter(responses::desk_id.eq_any(desks))
        .filter(responses::submitted_at.ge(since))
        .group_by(responses::desk_id)
        .select((responses::desk_id, diesel::dsl::count_star()))
        .load(conn)
}
