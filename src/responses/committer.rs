//! Group commit: the answers that arrive while the previous ones are being written are
//! stored together, in one transaction — one durable commit, and one addition to each
//! tally row they share — instead of one transaction each. Nobody is told their answer
//! is stored before that transaction has committed. One thread writes; each request
//! waits for its own outcome.

use std::sync::mpsc;

use tokio::sync::oneshot;

use super::Channel;
use super::store::{StoreError, Stored, Submission, TicketUse, store_many};
use super::validate::Answers;
use crate::db::{Database, DbError};
use crate::metrics::Metrics;

/// Answers stored in one transaction at most: far below the batch's own flush of free
/// texts, so a failed answer never leaves part of itself in the batch.
const MAX_BATCH: usize = 64;

/// A submission as a request hands it over (owned: it crosses to the writing thread).
#[derive(Debug, Clone)]
pub struct OwnedSubmission {
    pub form_version_id: i64,
    pub unit_code: String,
    pub desk_id: Option<i64>,
    pub channel: Channel,
    pub procedure_code: Option<String>,
    pub procedure_field: Option<String>,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub time_zone: chrono_tz::Tz,
    pub token: Option<String>,
    pub ticket: Option<TicketUse>,
}

impl OwnedSubmission {
    fn borrowed(&self) -> Submission<'_> {
        Submission {
            form_version_id: self.form_version_id,
            unit_code: &self.unit_code,
            desk_id: self.desk_id,
            channel: self.channel,
            procedure_code: self.procedure_code.as_deref(),
            procedure_field: self.procedure_field.as_deref(),
            submitted_at: self.submitted_at,
            time_zone: self.time_zone,
            token: self.token.as_deref(),
            ticket: self.ticket,
        }
    }
}

struct Job {
    submission: OwnedSubmission,
    answers: Answers,
    outcome: oneshot::Sender<Result<Stored, StoreError>>,
}

/// The handle requests store answers through.
#[derive(Clone)]
pub struct Committer {
    jobs: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the writing thread; it ends when the last handle is dropped. Each batch is
    /// counted in `metrics`.
    pub fn start(db: Database, metrics: Metrics) -> Committer {
        let (jobs, waiting) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sipas-commit".into())
            .spawn(move || write(&db, &waiting, &metrics))
            .expect("a thread for storing answers");
        Committer { jobs }
    }

    /// Stores one answer with whatever else is waiting; resolves once it is durable (or
    /// refused).
    pub async fn store(&self, submission: OwnedSubmission, answers: Answers) -> Result<Stored, StoreError> {
        let (outcome, told) = oneshot::channel();
        let job = Job {
            submission,
            answers,
            outcome,
        };
        if self.jobs.send(job).is_err() {
            return Err(StoreError::Db(DbError::ShuttingDown));
        }
        told.await.unwrap_or(Err(StoreError::Db(DbError::ShuttingDown)))
    }
}

fn write(db: &Database, waiting: &mpsc::Receiver<Job>, metrics: &Metrics) {
    while let Ok(first) = waiting.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let outcomes = match db.conn() {
            Ok(mut conn) => {
                let items: Vec<(Submission<'_>, &Answers)> = jobs
                    .iter()
                    .map(|j| (j.submission.borrowed(), &j.answers))
                    .collect();
                store_many(&mut conn, &items)
            }
            Err(unavailable) => Err(StoreError::Db(unavailable)),
        };
        match outcomes {
            Ok(outcomes) => {
                metrics.group_committed(jobs.len(), started.elapsed());
                for (job, outcome) in jobs.into_iter().zip(outcomes) {
                    if let Ok(Stored::New(_)) = outcome {
                        metrics.answer_stored(job.submission.channel);
                    }
                    let _ = job.outcome.send(outcome);
                }
            }
            // Nothing of the batch was stored: each is told, the first with the reason.
            Err(failed) => {
                let reason = match &failed {
                    StoreError::Db(e) => e.to_string(),
                    StoreError::TicketClosed => String::new(),
                };
                tracing::error!(%reason, answers = jobs.len(), "answers not stored");
                let mut failed = Some(failed);
                for job in jobs {
                    let error = failed
                        .take()
                        .unwrap_or_else(|| StoreError::Db(DbError::Connect(reason.clone())));
                    let _ = job.outcome.send(Err(error));
                }
            }
        }
    }
}
