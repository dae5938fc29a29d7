//! Answers sent by another program (a provincial portal that asks after an online
//! dossier, a kiosk app) on its token's rights: checked exactly like the web form's, stored
//! once however often the program retries with the same `Idempotency-Key`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::tickets::DeskName;
use crate::auth::{Identity, Permission, Who, authorize};
use crate::codes::tickets::check_field;
use crate::db::responses::Response;
use crate::db::{self, DbConnection, DbError};
use crate::desks::find_by_code_or_id;
use crate::forms::{FormRegistry, RegisteredForm};
use crate::i18n::{Localized, Message};
use crate::responses::import::parse_time;
use crate::responses::procedure::normalize_field;
use crate::responses::store::Batch;
use crate::responses::{Channel, Problems, StoreError, Stored, Submission, validate};

/// How far ahead of the server's clock a `submitted_at` may be (the sender's clock may run
/// a little fast).
const CLOCK_SKEW_SECONDS: i64 = 300;

/// The longest `Idempotency-Key` taken (a UUID is 36 characters).
const MAX_KEY_LENGTH: usize = 255;

/// What the program sends.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// Quầy được đánh giá (số hoặc mã); hoặc nêu `unit`. — The desk the answers are about:
    /// its number or its code. Either this or `unit`.
    pub desk: Option<DeskName>,
    /// Đơn vị được đánh giá khi không nêu quầy. — The unit the answers are about, when no
    /// desk is named.
    #[schema(example = "00004")]
    pub unit: Option<String>,
    /// Phiếu khảo sát; mặc định là phiếu của quầy. — The form answered; with a desk, the
    /// desk's form when left out.
    #[schema(example = "quick-2025")]
    pub form: Option<String>,
    /// Phiên bản phiếu (`version_id` của `GET /api/v1/forms/{id}`); mặc định bản hiện hành.
    /// — The version answered; the current one when left out.
    pub form_version: Option<i64>,
    /// Câu trả lời theo mã câu hỏi: chuỗi hoặc số, danh sách cho câu nhiều lựa chọn. —
    /// Answers by question id: a string or number, a list of them for a multi question.
    #[schema(value_type = Object, example = json!({"rating": 4, "reasons": ["wait"], "comment": "Nhanh gọn"}))]
    pub answers: serde_json::Map<String, Value>,
    /// Kênh: `api` (mặc định), `kiosk` hoặc `paper`. — `api` (the default), `kiosk` or
    /// `paper`.
    pub channel: Option<String>,
    /// Mã thủ tục hành chính. — The national procedure code.
    #[schema(example = "1.005129")]
    pub procedure_code: Option<String>,
    /// Lĩnh vực của thủ tục. — The procedure's field (lĩnh vực).
    pub procedure_field: Option<String>,
    /// Thời điểm trả lời (RFC 3339); mặc định là lúc nhận. — When the person answered
    /// (RFC 3339 or local `YYYY-MM-DD HH:MM`); now when left out.
    #[schema(example = "2025-07-31T14:30:00+07:00")]
    pub submitted_at: Option<String>,
}

/// A stored response as the program is told about it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Submitted {
    pub id: i64,
    pub unit: String,
    pub desk: Option<i64>,
    pub form: String,
    pub form_version: i64,
    pub channel: String,
    /// RFC 3339, UTC, to the minute (as stored).
    pub submitted_at: String,
    /// The day the response counts for, in the deployment's time zone.
    pub day: String,
}

/// Why nothing was stored.
#[derive(Debug)]
pub enum SubmitRefused {
    /// No such desk, told only to admins (who may know every desk).
    NoDesk,
    /// No such unit, told only to admins.
    NoUnit(String),
    /// Not a unit this caller may submit for (or no such desk or unit).
    Forbidden,
    /// The request holds mistakes: each one, by question where it has one.
    Invalid(Problems),
    /// The `Idempotency-Key` was used before for a different request.
    KeyReused,
    Db(DbError),
}

impl From<DbError> for SubmitRefused {
    fn from(e: DbError) -> Self {
        SubmitRefused::Db(e)
    }
}

impl From<diesel::result::Error> for SubmitRefused {
    fn from(e: diesel::result::Error) -> Self {
        SubmitRefused::Db(e.into())
    }
}

impl From<StoreError> for SubmitRefused {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Db(e) => SubmitRefused::Db(e),
            // No ticket is ever answered through this way; were one, its reason is told.
            closed @ StoreError::TicketClosed => SubmitRefused::Invalid(Problems {
                general: vec![closed.message()],
                ..Problems::default()
            }),
        }
    }
}

/// An `Idempotency-Key`, scoped to who sent it (two programs may pick the same key).
#[derive(Debug, Clone)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks the header's value: 1 to 255 visible ASCII characters.
    pub fn parse(value: &str) -> Result<IdempotencyKey, Message> {
        let fine =
            !value.is_empty() && value.len() <= MAX_KEY_LENGTH && value.bytes().all(|b| b.is_ascii_graphic());
        if fine {
            Ok(IdempotencyKey(value.to_string()))
        } else {
            Err(Message::new(
                "Idempotency-Key phải gồm 1 đến 255 ký tự ASCII nhìn thấy được (ví dụ một UUID).",
                "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, say).",
            ))
        }
    }

    fn hash_for(&self, identity: &Identity) -> String {
        let who = match &identity.who {
            Who::User { id, .. } => format!("user:{id}"),
            Who::Token { id, .. } => format!("token:{id}"),
        };
        hex(&Sha256::digest(format!("{who}\n{}", self.0)))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the use case needs besides the request.
pub struct Context<'a> {
    pub forms: &'a FormRegistry,
    pub time_zone: chrono_tz::Tz,
    pub now: DateTime<Utc>,
}

/// Checks and stores one response for `identity`; `true` when it is new, `false` when an
/// earlier request with the same key stored it.
pub fn submit(
    conn: &mut DbConnection,
    identity: &Identity,
    request: &AnswerRequest,
    key: Option<&IdempotencyKey>,
    context: &Context<'_>,
) -> Result<(Submitted, bool), SubmitRefused> {
    let (unit, desk) = place(conn, identity, request)?;
    let registered = form_of(conn, context.forms, request, desk.as_ref())?;
    let checked = check(&registered, request, context)?;
    let submission = Submission {
        form_version_id: registered.version_id,
        unit_code: &unit,
        desk_id: desk.as_ref().map(|d| d.id),
        channel: checked.channel,
        procedure_code: checked.procedure_code.as_deref(),
        procedure_field: checked.procedure_field.as_deref(),
        submitted_at: checked.submitted_at,
        time_zone: context.time_zone,
        token: None,
        ticket: None,
    };
    let claim = key.map(|k| (k.hash_for(identity), request_hash(request)));
    let (id, new) = db::write_transaction(conn, |conn| -> Result<(i64, bool), SubmitRefused> {
        if let Some((key_hash, request_hash)) = &claim
            && let Some(held) = db::idempotency::claim(conn, key_hash, request_hash, db::now())?
        {
            return match held.response_id {
                Some(id) if &held.request_hash == request_hash => Ok((id, false)),
                _ => Err(SubmitRefused::KeyReused),
            };
        }
        let mut batch = Batch::default();
        let Stored::New(id) = batch.add(conn, &submission, &checked.answers)? else {
            // Only a page token can make a response "the same page again"; none is given.
            return Err(SubmitRefused::Db(DbError::Query(
                diesel::result::Error::QueryBuilderError(
                    "an answer without a page token was taken for a repeat".into(),
                ),
            )));
        };
        batch.finish(conn)?;
        if let Some((key_hash, _)) = &claim {
            db::idempotency::fulfil(conn, key_hash, id)?;
        }
        Ok((id, true))
    })?;
    let stored = db::responses::find(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    let form = match registered.version_id == stored.form_version_id {
        true => registered.form.id.clone(),
        false => context
            .forms
            .version(conn, stored.form_version_id)?
            .map_or_else(String::new, |v| v.form.id.clone()),
    };
    Ok((describe(stored, form), new))
}

/// The unit answered about, and the desk when one is named; the caller must be allowed
/// to submit for that unit. Whether a desk or unit exists is told only to those who may
/// know.
fn place(
    conn: &mut DbConnection,
    identity: &Identity,
    request: &AnswerRequest,
) -> Result<(String, Option<db::desks::Desk>), SubmitRefused> {
    let unit_named = request.unit.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let (unit, desk) = match (&request.desk, unit_named) {
        (Some(named), unit) => {
            let desk = match named {
                DeskName::Id(id) => db::desks::find(conn, *id)?,
                DeskName::Code(code) => find_by_code_or_id(conn, code)?,
            };
            let Some(desk) = desk else {
                return Err(if identity.is_admin() {
                    SubmitRefused::NoDesk
                } else {
                    SubmitRefused::Forbidden
                });
            };
            if unit.is_some_and(|u| u != desk.unit_code) {
                return Err(invalid(Message::new(
                    format!(
                        "Quầy «{}» không thuộc đơn vị «{}».",
                        desk.code,
                        unit.unwrap_or_default()
                    ),
                    format!(
                        "Desk «{}» does not belong to unit «{}».",
                        desk.code,
                        unit.unwrap_or_default()
                    ),
                )));
            }
            (desk.unit_code.clone(), Some(desk))
        }
        (None, Some(unit)) => (unit.to_string(), None),
        (None, None) => {
            return Err(invalid(Message::new(
                "Cần cho biết quầy (desk) hoặc đơn vị (unit) được đánh giá.",
                "Name the desk (desk) or the unit (unit) the answers are about.",
            )));
        }
    };
    if !authorize(conn, identity, &Permission::SubmitAnswersFor(unit.clone()))? {
        return Err(SubmitRefused::Forbidden);
    }
    if desk.is_none() && db::units::find(conn, &unit)?.is_none() {
        return Err(SubmitRefused::NoUnit(unit));
    }
    if let Some(desk) = &desk
        && !desk.enabled
    {
        return Err(invalid(Message::new(
            format!("Quầy «{}» đã ngừng nhận phiếu.", desk.code),
            format!("Desk «{}» no longer takes answers.", desk.code),
        )));
    }
    Ok((unit, desk))
}

fn invalid(message: Message) -> SubmitRefused {
    SubmitRefused::Invalid(Problems {
        general: vec![message],
        ..Problems::default()
    })
}

/// The form version answered: the one named, or the current version of the named form
/// (with a desk, of the desk's form).
fn form_of(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    request: &AnswerRequest,
    desk: Option<&db::desks::Desk>,
) -> Result<Arc<RegisteredForm>, SubmitRefused> {
    let named = request.form.as_deref().map(str::trim).filter(|f| !f.is_empty());
    let Some(form_id) = named.or(desk.map(|d| d.form_id.as_str())) else {
        return Err(invalid(Message::new(
            "Cần cho biết phiếu khảo sát (form) khi chỉ nêu đơn vị.",
            "Name the form (form) when only a unit is given.",
        )));
    };
    let Some(current) = forms.current(form_id) else {
        let shown: String = form_id.chars().take(40).collect();
        return Err(invalid(Message::new(
            format!("Không có phiếu khảo sát «{shown}»."),
            format!("There is no form «{shown}»."),
        )));
    };
    match request.form_version {
        None => Ok(current),
        Some(version) if version == current.version_id => Ok(current),
        Some(version) => forms
            .version(conn, version)?
            .filter(|v| v.form.id == current.form.id)
            .ok_or_else(|| {
                invalid(Message::new(
                    format!("Phiếu «{form_id}» không có phiên bản {version}."),
                    format!("Form «{form_id}» has no version {version}."),
                ))
            }),
    }
}

/// A request's fields, checked.
struct Checked {
    channel: Channel,
    procedure_code: Option<String>,
    procedure_field: Option<String>,
    submitted_at: DateTime<Utc>,
    answers: crate::responses::Answers,
}

/// Checks everything at once, so that every mistake is told in one answer: the answers
/// by the web form's own rules, then the channel, the procedure and the time.
fn check(
    registered: &RegisteredForm,
    request: &AnswerRequest,
    context: &Context<'_>,
) -> Result<Checked, SubmitRefused> {
    let mut fields = Vec::new();
    let mut problems = Problems::default();
    for (question, value) in &request.answers {
        match answer_values(value) {
            Some(values) => fields.extend(values.into_iter().map(|v| (question.clone(), v))),
            None => {
                problems.by_question.insert(
                    question.clone(),
                    Message::new(
                        "Câu trả lời phải là chuỗi, số, hoặc danh sách chuỗi/số.",
                        "An answer must be a string, a number, or a list of strings or numbers.",
                    ),
                );
            }
        }
    }
    let (_, validated) = validate(&registered.form, &fields);
    let answers = match validated {
        Ok(answers) => Some(answers),
        Err(found) => {
            for (question, message) in found.by_question {
                problems.by_question.entry(question).or_insert(message);
            }
            problems.general.extend(found.general);
            None
        }
    };
    let channel = match request.channel.as_deref().map(str::trim) {
        None | Some("") | Some("api") => Some(Channel::Api),
        Some("kiosk") => Some(Channel::Kiosk),
        Some("paper") => Some(Channel::Paper),
        Some(other) => {
            let shown: String = other.chars().take(20).collect();
            problems.general.push(Message::new(
                format!("Kênh «{shown}» không dùng được ở đây: chọn api, kiosk hoặc paper (phiếu theo mã QR hay phiếu một lần được gửi từ trang khảo sát)."),
                format!("Channel «{shown}» cannot be used here: choose api, kiosk or paper (desk QR and ticket answers come through the survey page)."),
            ));
            None
        }
    };
    let procedure_code = check_field("procedure_code", request.procedure_code.as_deref())
        .map_err(|e| problems.general.push(e.message()))
        .ok()
        .flatten();
    let procedure_field = normalize_field(request.procedure_field.as_deref())
        .map_err(|m| problems.general.push(m))
        .ok()
        .flatten();
    let submitted_at = match request.submitted_at.as_deref().map(str::trim) {
        None | Some("") => Some(context.now),
        Some(written) => match parse_time(written, context.time_zone) {
            Some(at) if (at - context.now).num_seconds() > CLOCK_SKEW_SECONDS => {
                problems.general.push(Message::new(
                    format!("Thời điểm trả lời «{written}» ở tương lai."),
                    format!("The time answered «{written}» is in the future."),
                ));
                None
            }
            Some(at) => Some(at.min(context.now)),
            None => {
                problems.general.push(Message::new(
                    format!("Thời điểm trả lời «{written}» không hợp lệ (dùng RFC 3339, ví dụ 2025-07-31T14:30:00+07:00)."),
                    format!("The time answered «{written}» is not valid (use RFC 3339, e.g. 2025-07-31T14:30:00+07:00)."),
                ));
                None
            }
        },
    };
    match (answers, channel, submitted_at) {
        (Some(answers), Some(channel), Some(submitted_at)) if problems.is_empty() => Ok(Checked {
            channel,
            procedure_code,
            procedure_field,
            submitted_at,
            answers,
        }),
        _ => Err(SubmitRefused::Invalid(problems)),
    }
}

/// An answer's values as the web form would post them; `None` for a shape no form field
/// could have (an object, a list inside a list, `true`).
fn answer_values(value: &Value) -> Option<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|v| vec![v]),
    }
}

/// The request as a hash: a retry must send the same request (keys sorted, so the order
/// the program wrote them in does not matter).
fn request_hash(request: &AnswerRequest) -> String {
    let canonical = serde_json::to_string(request).unwrap_or_default();
    hex(&Sha256::digest(canonical))
}

fn describe(stored: Response, form: String) -> Submitted {
    Submitted {
        id: stored.id,
        unit: stored.unit_code,
        desk: stored.desk_id,
        form,
        form_version: stored.form_version_id,
        channel: stored.channel,
        submitted_at: format!("{}Z", stored.submitted_at.format("%Y-%m-%dT%H:%M:%S")),
        day: stored.day.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_take_the_shapes_a_form_posts() {
        assert_eq!(answer_values(&json!("4")), Some(vec!["4".into()]));
        assert_eq!(answer_values(&json!(4)), Some(vec!["4".into()]));
        assert_eq!(
            answer_values(&json!(["a", 2])),
            Some(vec!["a".into(), "2".into()])
        );
        assert_eq!(answer_values(&json!(null)), Some(vec![]));
        assert_eq!(answer_values(&json!(true)), None);
        assert_eq!(answer_values(&json!({"a": 1})), None);
        assert_eq!(answer_values(&json!([["a"]])), None);
    }

    #[test]
    fn keys_are_visible_ascii_and_scoped_to_their_sender() {
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("có dấu").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_err());
        let key = IdempotencyKey::parse("4f1c-22").unwrap();
        let token = |id| Identity {
            who: Who::Token { id, name: "t".into() },
            grants: vec![],
        };
        assert_eq!(key.hash_for(&token(1)), key.hash_for(&token(1)));
        assert_ne!(key.hash_for(&token(1)), key.hash_for(&token(2)));
    }
}
