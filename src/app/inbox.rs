//! The comment inbox of a unit: each comment of its subtree with the respondent's overall
//! rating, the procedure field, the desk and the day, where it stands (mới / đã tiếp nhận
//! / đã xử lý) and who moved it when; filtered by status, rating and words; and the
//! negative ones for export. Reading and moving comments is for those who may read the
//! unit (the router checks it before these run); desk staff never can.

use std::collections::HashMap;

use crate::app::filters::Filters;
use crate::db::comments::{self, Comment, CommentQuery, Marked};
use crate::db::{self, DbConnection, DbError};
use crate::forms::{Form, Question, QuestionKind, Text};
use crate::i18n::{Localized, Message};
use crate::inbox::CommentStatus;

/// Comments shown at once.
pub const PER_PAGE: i64 = 30;
/// With a rating filter, the newest comments looked through (the rating lives in the
/// response, not in an index).
pub const RATED_WINDOW: i64 = 2_000;

/// Which ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingFilter {
    /// Below the middle of the scale (e.g. 1–2 of 5).
    Negative,
    /// The middle and above, or no rating.
    NotNegative,
}

impl RatingFilter {
    pub fn parse(text: &str) -> Result<Option<RatingFilter>, Message> {
        match text {
            "" => Ok(None),
            "negative" => Ok(Some(RatingFilter::Negative)),
            "other" => Ok(Some(RatingFilter::NotNegative)),
            other => Err(Message::new(
                format!("mức đánh giá «{other}» không hợp lệ: dùng negative hoặc other"),
                format!("rating «{other}» is not valid: use negative or other"),
            )),
        }
    }
}

/// A respondent's overall rating.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub label: Text,
    pub level: i64,
    pub most: i64,
    pub negative: bool,
}

/// A comment as the inbox lists it.
#[derive(Debug, Clone)]
pub struct Item {
    pub comment: Comment,
    pub unit_name: String,
    pub field: Option<String>,
    pub desk: Option<String>,
    pub rating: Option<Rating>,
    pub marked: Option<Marked>,
}

pub struct Inbox {
    pub items: Vec<Item>,
    /// Matching comments (before a rating filter, which reads a window of them).
    pub total: i64,
    pub has_more: bool,
}

#[derive(Debug)]
pub enum InboxError {
    Db(DbError),
    /// The comment does not exist or is not the unit's.
    NotFound,
}

impl From<DbError> for InboxError {
    fn from(e: DbError) -> Self {
        InboxError::Db(e)
    }
}

impl From<diesel::result::Error> for InboxError {
    fn from(e: diesel::result::Error) -> Self {
        InboxError::Db(e.into())
    }
}

impl Localized for InboxError {
    fn message(&self) -> Message {
        match self {
            InboxError::Db(e) => e.message(),
            InboxError::NotFound => Message::new(
                "Không có ý kiến này trong đơn vị.",
                "There is no such comment in this unit.",
            ),
        }
    }
}

/// The question whose answer is the respondent's overall rating: the question of the
/// form's «overall» index, else its first scale question.
pub fn rating_question(form: &Form) -> Option<&Question> {
    let overall = form
        .indices
        .iter()
        .filter(|i| i.group.as_deref() == Some("overall"))
        .find_map(|i| match &i.rule {
            crate::forms::IndexRule::Share { questions, .. } => questions.first(),
            _ => None,
        })
        .and_then(|id| form.question(id));
    overall.or_else(|| {
        form.questions()
            .find(|q| matches!(q.kind, QuestionKind::Scale { .. }))
    })
}

fn rating_of(question: Option<&Question>, answers: &[(String, String)]) -> Option<Rating> {
    let question = question?;
    let value = answers.iter().find(|(q, _)| *q == question.id)?.1.as_str();
    let options = question.kind.options();
    let levels: Vec<i64> = options.iter().filter_map(|o| o.level).collect();
    let (low, most) = (*levels.iter().min()?, *levels.iter().max()?);
    let chosen = options.iter().find(|o| o.value == value)?;
    let level = chosen.level?;
    Some(Rating {
        label: chosen.label.clone(),
        level,
        most,
        // Below the middle of the scale: 1–2 of 1–5, 1–2 of 1–4.
        negative: (level as f64) < (low + most) as f64 / 2.0,
    })
}

/// Who may see what: the unit, its subtree's names, the form's versions.
pub struct Scope<'a> {
    pub unit: &'a str,
    pub form: &'a Form,
    pub filters: &'a Filters,
    pub status: Option<CommentStatus>,
    pub rating: Option<RatingFilter>,
}

/// The comments of the page asked for (`filters.comments_page`).
pub fn load(conn: &mut DbConnection, scope: &Scope<'_>) -> Result<Inbox, InboxError> {
    let names = names(conn, scope.unit)?;
    let units: Vec<String> = names.keys().cloned().collect();
    let versions: Vec<i64> = db::forms::versions_of(conn, &scope.form.id)?
        .iter()
        .map(|v| v.id)
        .collect();
    let filters = scope.filters;
    let query = CommentQuery {
        units: &units,
        versions: &versions,
        from: filters.period.from,
        to: filters.period.to,
        search: Some(&filters.search),
        field: filters.field.as_deref(),
        status: scope.status,
    };
    let total = comments::count(conn, &query)?;
    let offset = (filters.comments_page - 1) * PER_PAGE;
    let (items, has_more) = match scope.rating {
        None => {
            let page = comments::page(conn, &query, offset, PER_PAGE)?;
            let items = describe(conn, scope.form, &names, page)?;
            (items, offset + PER_PAGE < total)
        }
        Some(wanted) => {
            let window = comments::page(conn, &query, 0, RATED_WINDOW)?;
            let mut rated: Vec<Item> = describe(conn, scope.form, &names, window)?
                .into_iter()
                .filter(|item| is_negative(item) == (wanted == RatingFilter::Negative))
                .collect();
            let more = rated.len() as i64 > offset + PER_PAGE;
            rated.drain(..(offset as usize).min(rated.len()));
            rated.truncate(PER_PAGE as usize);
            (rated, more)
        }
    };
    Ok(Inbox {
        items,
        total,
        has_more,
    })
}

fn is_negative(item: &Item) -> bool {
    item.rating.as_ref().is_some_and(|r| r.negative)
}

/// Every negative comment matching the filters (all pages), newest first, for export.
pub fn negatives(conn: &mut DbConnection, scope: &Scope<'_>) -> Result<Vec<Item>, InboxError> {
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let filters = Filters {
            comments_page: page,
            ..scope.filters.clone()
        };
        let inbox = load(
            conn,
            &Scope {
                filters: &filters,
                rating: None,
                ..*scope
            },
        )?;
        all.extend(inbox.items.into_iter().filter(is_negative));
        if !inbox.has_more {
            return Ok(all);
        }
        page += 1;
    }
}

/// Names of the unit and every unit below it.
fn names(conn: &mut DbConnection, unit: &str) -> Result<HashMap<String, String>, InboxError> {
    let mut names: HashMap<String, String> = db::units::descendants(conn, unit)?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    let own = db::units::find(conn, unit)?.ok_or(InboxError::NotFound)?;
    names.insert(own.code, own.name);
    Ok(names)
}

fn describe(
    conn: &mut DbConnection,
    form: &Form,
    names: &HashMap<String, String>,
    page: Vec<Comment>,
) -> Result<Vec<Item>, InboxError> {
    let keys: Vec<(i64, String)> = page
        .iter()
        .map(|c| (c.response_id, c.question_id.clone()))
        .collect();
    let mut marked = comments::statuses(conn, &keys)?;
    let ids: Vec<i64> = keys.iter().map(|(id, _)| *id).collect();
    let responses = comments::responses_of(conn, &ids)?;
    let desks: HashMap<i64, String> = db::desks::list(conn, None)?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let question = rating_question(form);
    Ok(page
        .into_iter()
        .map(|comment| {
            let response = responses.get(&comment.response_id);
            Item {
                unit_name: names
                    .get(&comment.unit_code)
                    .cloned()
                    .unwrap_or_else(|| comment.unit_code.clone()),
                field: response.and_then(|r| r.field.clone()),
                desk: response
                    .and_then(|r| r.desk)
                    .and_then(|id| desks.get(&id).cloned()),
                rating: response.and_then(|r| rating_of(question, &r.answers)),
                marked: marked.remove(&(comment.response_id, comment.question_id.clone())),
                comment,
            }
        })
        .collect())
}

/// Moves a comment of the unit's subtree to `status`, recording who and when.
pub fn set_status(
    conn: &mut DbConnection,
    unit: &str,
    (response_id, question_id): (i64, &str),
    status: CommentStatus,
    who: (Option<i64>, &str),
) -> Result<(), InboxError> {
    let owner = comments::unit_of(conn, response_id, question_id)?.ok_or(InboxError::NotFound)?;
    let inside = db::units::lineage(conn, &owner)?.iter().any(|u| u.code == unit);
    if !inside {
        return Err(InboxError::NotFound);
    }
    comments::set_status(conn, response_id, question_id, status, who, db::now())?;
    Ok(())
}
