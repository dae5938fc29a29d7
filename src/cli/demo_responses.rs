//! Synthetic answers for the demo: about 10,000 responses over the last twelve months, so
//! every report and chart has something to show. Each commune has its own level of
//! service and its own trend (some improve, some slip), a few get very few responses
//! (low samples), and some people leave a comment. Seeded, so every demo looks the same.

use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::desks::Desk;
use crate::db::{self, DbConnection};
use crate::forms::{QuestionKind, RegisteredForm};
use crate::responses::store::{Batch, StoreError, Submission};
use crate::responses::validate;
use crate::tally::Channel;

/// What people write, good and bad, in their own words.
/// Procedure fields (lĩnh vực) of the demo's responses, so that the dashboard has fields
/// to narrow its figures to.
const FIELDS: &[&str] = &["Hộ tịch", "Chứng thực", "Đất đai", "Bảo trợ xã hội", "Xây dựng"];

const COMMENTS: &[&str] = &[
    "Cán bộ tiếp nhận nhiệt tình, hướng dẫn rõ ràng.",
    "Thời gian chờ hơi lâu, nên có thêm quầy vào buổi sáng.",
    "Thủ tục nhanh gọn, trả kết quả đúng hẹn. Cảm ơn!",
    "Nên niêm yết phí, lệ phí rõ hơn ở bảng thông tin.",
    "Phải đi lại hai lần vì thiếu giấy tờ mà lần đầu không được hướng dẫn.",
    "Phòng chờ nóng, cần thêm quạt và ghế ngồi.",
    "Dịch vụ công trực tuyến còn khó dùng trên điện thoại.",
    "Thái độ phục vụ tốt, lịch sự.",
    "Cần hướng dẫn người cao tuổi tận tình hơn.",
    "Kết quả trả trễ hẹn ba ngày, không được báo trước.",
];

/// How good one commune's service is and where it is heading.
struct Commune<'a> {
    desk: &'a Desk,
    /// The chance of a satisfied answer a year ago…
    start: f64,
    /// …and how much it changes over the year.
    trend: f64,
    /// Responses per month.
    monthly: usize,
}

/// Stores the demo responses unless the database already has some; returns how many.
pub fn seed(
    conn: &mut DbConnection,
    form: &RegisteredForm,
    desks: &[Desk],
    time_zone: chrono_tz::Tz,
) -> Result<usize, StoreError> {
    if db::responses::any_for_version(conn, form.version_id)? {
        return Ok(0);
    }
    let mut rng = StdRng::seed_from_u64(2025);
    let communes: Vec<Commune> = desks
        .iter()
        .enumerate()
        .map(|(i, desk)| Commune {
            desk,
            start: rng.random_range(0.55..0.92),
            trend: rng.random_range(-0.15..0.15),
            // Every seventh commune gets a handful of answers: low samples to flag.
            monthly: if i % 7 == 3 {
                rng.random_range(1..3)
            } else {
                rng.random_range(14..30)
            },
        })
        .collect();
    let today = Utc::now().with_timezone(&time_zone).date_naive();
    let first_month = NaiveDate::from_ymd_opt(today.year() - 1, today.month(), 1).unwrap_or(today);
    let mut stored = 0;
    db::write_transaction(conn, |conn| -> Result<(), StoreError> {
        let mut batch = Batch::default();
        for month in 0..12u32 {
            let start = first_month + chrono::Months::new(month + 1);
            let days = ((start + chrono::Months::new(1)) - start).num_days().max(1) as u64;
            for commune in &communes {
                let quality = (commune.start + commune.trend * f64::from(month) / 11.0).clamp(0.2, 0.98);
                for _ in 0..commune.monthly {
                    let day = start + Days::new(rng.random_range(0..days));
                    if day > today {
                        continue;
                    }
                    let local = day
                        .and_hms_opt(rng.random_range(7..17), rng.random_range(0..60), 0)
                        .unwrap_or_default();
                    let at = time_zone
                        .from_local_datetime(&local)
                        .earliest()
                        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
                    let fields = answers(&mut rng, form, quality);
                    let (_, checked) = validate(&form.form, &fields);
                    let Ok(answers) = checked else { continue };
                    // Half through the desk poster (volunteered), half verified: a paper
                    // round and the kiosk, which make the official figure.
                    let channel = match rng.random_range(0..10) {
                        0..4 => Channel::Paper,
                        4 => Channel::Kiosk,
                        _ => Channel::DeskQr,
                    };
                    let submission = Submission {
                        form_version_id: form.version_id,
                        unit_code: &commune.desk.unit_code,
                        desk_id: (channel != Channel::Paper).then_some(commune.desk.id),
                        channel,
                        procedure_code: None,
                        procedure_field: Some(FIELDS[rng.random_range(0..FIELDS.len())]),
                        submitted_at: at,
                        time_zone,
                        token: None,
                        ticket: None,
                    };
                    batch.queue(conn, &submission, &answers)?;
                    stored += 1;
                }
            }
        }
        batch.finish(conn)
    })?;
    Ok(stored)
}

/// Answers the tickets as the people who were given them would, now, each in its own
/// transaction like a real answer: the ticket response rate has something to show.
pub fn answer_tickets(
    conn: &mut DbConnection,
    form: &RegisteredForm,
    tickets: &[crate::db::tickets::Ticket],
    time_zone: chrono_tz::Tz,
) -> Result<usize, StoreError> {
    let mut rng = StdRng::seed_from_u64(2026);
    let mut answered = 0;
    for ticket in tickets {
        let Some(desk) = db::desks::find(conn, ticket.desk_id)? else {
            continue;
        };
        let fields = answers(&mut rng, form, 0.8);
        let (_, checked) = validate(&form.form, &fields);
        let Ok(answers) = checked else { continue };
        let submission = Submission {
            form_version_id: form.version_id,
            unit_code: &desk.unit_code,
            desk_id: Some(desk.id),
            channel: Channel::Ticket,
            procedure_code: ticket.procedure_code.as_deref(),
            procedure_field: ticket.procedure_field.as_deref(),
            submitted_at: Utc::now(),
            time_zone,
            token: None,
            ticket: Some(crate::responses::TicketUse {
                id: ticket.id,
                desk_id: ticket.desk_id,
                issued_day: ticket.issued_day,
            }),
        };
        crate::responses::store(conn, &submission, &answers)?;
        answered += 1;
    }
    Ok(answered)
}

/// How much better or worse than the commune's level a question goes, up to ten points
/// either way, the same everywhere (so that the criteria of the demo differ as real ones
/// do: people are happier with some things than with others).
fn question_offset(id: &str) -> f64 {
    let hash = id.bytes().fold(2_166_136_261_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    });
    f64::from(hash % 21) / 100.0 - 0.10
}

/// One person's answers: scales lean to satisfied with chance `quality` (give or take the
/// question's own offset), the first option of a behaviour question (the good one)
/// likewise, optional questions are sometimes skipped, and one in seven leaves a comment.
fn answers(rng: &mut StdRng, form: &RegisteredForm, quality: f64) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for question in form.form.questions() {
        if !question.required && rng.random_bool(0.1) {
            continue;
        }
        let quality = (quality + question_offset(&question.id)).clamp(0.05, 0.99);
        let options = question.kind.options();
        let value = match &question.kind {
            QuestionKind::Scale { .. } => {
                let mut levels: Vec<(i64, &str)> = options
                    .iter()
                    .filter_map(|o| o.level.map(|l| (l, o.value.as_str())))
                    .collect();
                levels.sort();
                let top = levels.len().saturating_sub(1);
                let index = if rng.random_bool(quality) {
                    top - rng.random_range(0..2.min(top + 1))
                } else {
                    rng.random_range(0..top.max(1))
                };
                levels.get(index).map(|(_, v)| v.to_string())
            }
            QuestionKind::Single { .. } => {
                let index = if rng.random_bool(quality) {
                    0
                } else {
                    rng.random_range(0..options.len())
                };
                options.get(index).map(|o| o.value.clone())
            }
            QuestionKind::Multi { .. } => {
                for _ in 0..rng.random_range(0..3) {
                    let option = &options[rng.random_range(0..options.len())];
                    if !fields
                        .iter()
                        .any(|(q, v)| q == &question.id && v == &option.value)
                    {
                        fields.push((question.id.clone(), option.value.clone()));
                    }
                }
                None
            }
            QuestionKind::Number { min, max } => Some(rng.random_range(*min..=*max).to_string()),
            QuestionKind::Text { .. } => rng
                .random_bool(1.0 / 7.0)
                .then(|| COMMENTS[rng.random_range(0..COMMENTS.len())].to_string()),
        };
        if let Some(value) = value {
            fields.push((question.id.clone(), value));
        }
    }
    fields
}
