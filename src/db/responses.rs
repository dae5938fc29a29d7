//! Responses, their answers, and the counts reports read.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rustc_hash::FxHashMap;

use super::DbConnection;
use super::count_periods::{CountPeriod, periods_of};
use super::schema::{answer_counts, response_counts, responses, text_answers};

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
    /// The structured answers, as [`encode_answers`] writes them.
    pub answers: &'a str,
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

fn decode_answers(stored: &str) -> QueryResult<Vec<(String, String)>> {
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

/// Rows per multi-row statement: well below SQLite's and PostgreSQL's bound-parameter
/// limits for the widest table written this way (7 columns).
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

/// The place and time a response is counted under.
#[derive(Debug, Clone, Copy)]
pub struct CountKey<'a> {
    pub unit_code: &'a str,
    pub form_version_id: i64,
    pub day: NaiveDate,
}

/// Texts counts are kept under (unit codes, question ids, values, channels), each held
/// once and named by a number, so that counting an answer seen before allocates nothing:
/// an import counts tens of millions of answers.
#[derive(Debug, Default)]
struct Names {
    numbers: FxHashMap<String, u32>,
    texts: Vec<String>,
}

impl Names {
    fn number(&mut self, text: &str) -> u32 {
        if let Some(number) = self.numbers.get(text) {
            return *number;
        }
        let number = u32::try_from(self.texts.len()).expect("fewer than 4 billion distinct names");
        self.texts.push(text.to_string());
        self.numbers.insert(text.to_string(), number);
        number
    }

    /// Each name's place in the sorted names, by number: rows sorted by these places are
    /// sorted by their texts.
    fn places(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.texts.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.texts[*a as usize].cmp(&self.texts[*b as usize]));
        let mut places = vec![0; order.len()];
        for (place, number) in order.into_iter().enumerate() {
            places[number as usize] = place as u32;
        }
        places
    }
}

/// Counts to add, summed per unit, form version and day before they are written: one
/// response's, or a whole import's (which then writes each count once).
#[derive(Debug, Default)]
pub struct CountTotals {
    names: Names,
    /// Each (question, value) pair seen, by name numbers, numbered in turn.
    pair_numbers: FxHashMap<(u32, u32), u32>,
    pairs: Vec<(u32, u32)>,
    /// (unit, form version, day) → how many of each pair, by pair number: a unit's day
    /// is one small array, not a map entry per answer value.
    answers: FxHashMap<(u32, i64, NaiveDate), Vec<i64>>,
    /// (unit, form version, day, channel) → how many.
    responses: FxHashMap<(u32, i64, NaiveDate, u32), i64>,
}

/// One count row to add: (unit, form version, period, start, then the question and value
/// or the channel) with names replaced by their sorted places, and the count.
type Row<const N: usize> = ((u32, i64, CountPeriod, NaiveDate, [u32; N]), i64);

impl CountTotals {
    /// Counts one response: each `(question, value)` and the response itself under
    /// `channel`, for the day of `key.day` (and so its month, quarter and year).
    pub fn add(&mut self, key: CountKey<'_>, values: &[(&str, &str)], channel: &str) {
        let CountTotals {
            names,
            pair_numbers,
            pairs,
            answers,
            ..
        } = self;
        let unit = names.number(key.unit_code);
        let day = answers.entry((unit, key.form_version_id, key.day)).or_default();
        for (question, value) in values {
            let pair = (names.number(question), names.number(value));
            let next = pairs.len() as u32;
            let number = *pair_numbers.entry(pair).or_insert(next) as usize;
            if number == pairs.len() {
                pairs.push(pair);
            }
            if day.len() <= number {
                day.resize(number + 1, 0);
            }
            day[number] += 1;
        }
        let channel = self.names.number(channel);
        *self
            .responses
            .entry((unit, key.form_version_id, key.day, channel))
            .or_default() += 1;
    }

    /// The rows to add for every period of each day, sorted as the table's primary key
    /// (the texts' order), so that concurrent transactions touch the same rows in the
    /// same order and never deadlock.
    fn rows<const N: usize>(
        counts: impl Iterator<Item = ((u32, i64, NaiveDate, [u32; N]), i64)>,
        places: &[u32],
    ) -> Vec<Row<N>> {
        let mut longer: FxHashMap<(u32, i64, CountPeriod, NaiveDate, [u32; N]), i64> = FxHashMap::default();
        let mut rows = Vec::new();
        for ((unit, version, day, names), count) in counts {
            let (unit, names) = (places[unit as usize], names.map(|n| places[n as usize]));
            for (period, start) in periods_of(day) {
                if period == CountPeriod::Day {
                    rows.push(((unit, version, period, start, names), count));
                } else {
                    *longer.entry((unit, version, period, start, names)).or_default() += count;
                }
            }
        }
        rows.extend(longer);
        rows.sort_unstable();
        rows
    }
}

/// Adds the totals to the stored counts.
pub fn add_counts(conn: &mut DbConnection, totals: &CountTotals) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let places = totals.names.places();
    let mut by_place = vec![""; places.len()];
    for (number, place) in places.iter().enumerate() {
        by_place[*place as usize] = totals.names.texts[number].as_str();
    }
    let answers = CountTotals::rows(
        totals.answers.iter().flat_map(|(&(u, v, d), counts)| {
            counts
                .iter()
                .zip(&totals.pairs)
                .filter(|(count, _)| **count != 0)
                .map(move |(count, &(q, a))| ((u, v, d, [q, a]), *count))
        }),
        &places,
    );
    let responses = CountTotals::rows(
        totals
            .responses
            .iter()
            .map(|(&(u, v, d, ch), &c)| ((u, v, d, [ch]), c)),
        &places,
    );
    crate::with_backend!(&mut *conn, |c| {
        for chunk in answers.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|((unit, version, period, start, [question, value]), count)| {
                    (
                        answer_counts::unit_code.eq(by_place[*unit as usize]),
                        answer_counts::form_version_id.eq(*version),
                        answer_counts::period.eq(period.as_str()),
                        answer_counts::start.eq(*start),
                        answer_counts::question_id.eq(by_place[*question as usize]),
                        answer_counts::value.eq(by_place[*value as usize]),
                        answer_counts::count.eq(*count),
                    )
                })
                .collect();
            diesel::insert_into(answer_counts::table)
                .values(rows)
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
        for chunk in responses.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|((unit, version, period, start, [channel]), count)| {
                    (
                        response_counts::unit_code.eq(by_place[*unit as usize]),
                        response_counts::form_version_id.eq(*version),
                        response_counts::period.eq(period.as_str()),
                        response_counts::start.eq(*start),
                        response_counts::channel.eq(by_place[*channel as usize]),
                        response_counts::count.eq(*count),
                    )
                })
                .collect();
            diesel::insert_into(response_counts::table)
                .values(rows)
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
