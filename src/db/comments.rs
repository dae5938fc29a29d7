//! The free-text answers (comments) officials read: newest first, paged, searchable, for a
//! subtree, form and span of days. Nothing that could identify a dossier is stored with
//! them, so nothing of the kind can be shown.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::DbConnection;
use super::schema::{comment_statuses, responses, text_answers};
use crate::inbox::CommentStatus;

diesel::define_sql_function! {
    /// Lower case (all of Unicode on PostgreSQL; only A–Z on SQLite, whose search is
    /// therefore case-blind only for unaccented letters).
    fn lower(text: Text) -> Text;
}

/// A comment as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Comment {
    pub response_id: i64,
    /// The local day of its response.
    pub day: NaiveDate,
    pub unit_code: String,
    pub question_id: String,
    pub body: String,
}

/// Which comments.
pub struct CommentQuery<'a> {
    pub units: &'a [String],
    pub versions: &'a [i64],
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Words the comment must contain (case-blind, see [`lower`]).
    pub search: Option<&'a str>,
    /// Only comments on procedures of this field.
    pub field: Option<&'a str>,
    /// Only comments in this state of the inbox.
    pub status: Option<CommentStatus>,
}

/// `LIKE` pattern that finds `text` anywhere, its own `%`, `_` and `\` taken literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

macro_rules! matching {
    ($query:expr) => {{
        let query = $query;
        // Found by the comments' own unit, day and form version (indexed), never by
        // reading their responses.
        let mut boxed = text_answers::table
            .filter(text_answers::unit_code.eq_any(query.units))
            .filter(text_answers::form_version_id.eq_any(query.versions))
            .filter(text_answers::day.between(query.from, query.to))
            .into_boxed();
        if let Some(field) = query.field {
            boxed = boxed.filter(text_answers::procedure_field.eq(field));
        }
        if let Some(status) = query.status {
            // A comment without a row is new.
            let marked = comment_statuses::table
                .filter(comment_statuses::response_id.eq(text_answers::response_id))
                .filter(comment_statuses::question_id.eq(text_answers::question_id));
            boxed = match status {
                CommentStatus::New => boxed.filter(diesel::dsl::not(diesel::dsl::exists(
                    marked.filter(comment_statuses::status.ne(CommentStatus::New.as_str())),
                ))),
                other => boxed.filter(diesel::dsl::exists(
                    marked.filter(comment_statuses::status.eq(other.as_str())),
                )),
            };
        }
        if let Some(words) = query.search.map(str::trim).filter(|w| !w.is_empty()) {
            boxed = boxed.filter(
                lower(text_answers::body)
                    .like(contains_pattern(words))
                    .escape('\\'),
            );
        }
        boxed
    }};
}

/// How many comments match.
pub fn count(conn: &mut DbConnection, query: &CommentQuery<'_>) -> QueryResult<i64> {
    matching!(query).count().get_result(conn)
}

/// One page of the matching comments, newest first (by day, then as they arrived).
pub fn page(
    conn: &mut DbConnection,
    query: &CommentQuery<'_>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Comment>> {
    // First the page's keys, ordered by what the index holds (without a search the
    // database never reads a comment's text to order a province's year of them), then
    // the texts of those few.
    let keys: Vec<(i64, String)> = matching!(query)
        .order((
            text_answers::day.desc(),
            text_answers::response_id.desc(),
            text_answers::question_id,
        ))
        .offset(offset)
        .limit(limit)
        .select((text_answers::response_id, text_answers::question_id))
        .load(conn)?;
    let ids: Vec<i64> = keys.iter().map(|(id, _)| *id).collect();
    let found: Vec<Comment> = text_answers::table
        .filter(text_answers::response_id.eq_any(&ids))
        .select((
            text_answers::response_id,
            text_answers::day,
            text_answers::unit_code,
            text_answers::question_id,
            text_answers::body,
        ))
        .load(conn)?;
    Ok(keys
        .iter()
        .filter_map(|(id, question)| {
            found
                .iter()
                .find(|c| c.response_id == *id && c.question_id == *question)
                .cloned()
        })
        .collect())
}

/// Where a comment stands, who put it there and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    pub status: CommentStatus,
    pub by: String,
    pub at: chrono::NaiveDateTime,
}

/// The inbox states of these comments (those still new have none).
pub fn statuses(
    conn: &mut DbConnection,
    keys: &[(i64, String)],
) -> QueryResult<std::collections::HashMap<(i64, String), Marked>> {
    let ids: Vec<i64> = keys.iter().map(|(id, _)| *id).collect();
    let rows: Vec<(i64, String, String, String, chrono::NaiveDateTime)> = comment_statuses::table
        .filter(comment_statuses::response_id.eq_any(&ids))
        .select((
            comment_statuses::response_id,
            comment_statuses::question_id,
            comment_statuses::status,
            comment_statuses::changed_by_name,
            comment_statuses::changed_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, question, status, by, at)| {
            let status = CommentStatus::parse(&status)?;
            Some(((id, question), Marked { status, by, at }))
        })
        .collect())
}

/// The unit a comment belongs to, if it exists.
pub fn unit_of(conn: &mut DbConnection, response_id: i64, question_id: &str) -> QueryResult<Option<String>> {
    text_answers::table
        .filter(text_answers::response_id.eq(response_id))
        .filter(text_answers::question_id.eq(question_id))
        .select(text_answers::unit_code)
        .first(conn)
        .optional()
}

/// Records a comment's new state, who set it and when.
pub fn set_status(
    conn: &mut DbConnection,
    response_id: i64,
    question_id: &str,
    status: CommentStatus,
    (user, name): (Option<i64>, &str),
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    let row = (
        comment_statuses::response_id.eq(response_id),
        comment_statuses::question_id.eq(question_id),
        comment_statuses::status.eq(status.as_str()),
        comment_statuses::changed_by.eq(user),
        comment_statuses::changed_by_name.eq(name),
        comment_statuses::changed_at.eq(at),
    );
    crate::with_backend!(&mut *conn, |c| {
        diesel::insert_into(comment_statuses::table)
            .values(row)
            .on_conflict((comment_statuses::response_id, comment_statuses::question_id))
            .do_update()
            .set((
                comment_statuses::status.eq(status.as_str()),
                comment_statuses::changed_by.eq(user),
                comment_statuses::changed_by_name.eq(name),
                comment_statuses::changed_at.eq(at),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// What the inbox shows of a comment's response: its answers (for the overall rating),
/// desk and procedure field.
#[derive(Debug, Clone)]
pub struct ResponseFacts {
    pub answers: Vec<(String, String)>,
    pub desk: Option<i64>,
    pub field: Option<String>,
}

/// The facts of these responses, by id.
pub fn responses_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, ResponseFacts>> {
    let rows: Vec<(i64, String, Option<i64>, Option<String>)> = responses::table
        .filter(responses::id.eq_any(ids))
        .select((
            responses::id,
            responses::answers,
            responses::desk_id,
            responses::procedure_field,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, answers, desk, field)| {
            let answers = super::responses::decode_answers(&answers)?;
            Ok((id, ResponseFacts { answers, desk, field }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_words_are_taken_literally() {
        assert_eq!(contains_pattern("Chờ Lâu"), "%chờ lâu%");
        assert_eq!(contains_pattern("100%_ok\\"), "%100\\%\\_ok\\\\%");
    }
}
