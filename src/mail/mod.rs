//! E-mail officials act on: digests they choose (weekly or monthly) and alerts their units'
//! rules raise, queued in the outbox in the same transaction as what caused them and sent
//! by a worker ([`worker`]) with retries. Each mail is HTML with a plain-text alternative
//! that reads well on its own, in the reader's language.

pub mod alerts;
pub mod digest;
pub mod send;
pub mod worker;

use crate::db::DbConnection;
use crate::db::outbox::{self, NewMail};

/// A mail written, not yet queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// What the mail is about, once: queueing it again does nothing.
    pub dedup_key: String,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Composed {
    /// Queues the mail (`digest` or `alert`) unless it was queued before; whether it was
    /// queued now.
    pub fn queue(&self, conn: &mut DbConnection, kind: &str) -> diesel::QueryResult<bool> {
        let now = crate::db::now();
        outbox::queue(
            conn,
            &NewMail {
                dedup_key: &self.dedup_key,
                kind,
                recipient: &self.recipient,
                subject: &self.subject,
                text_body: &self.text,
                html_body: &self.html,
                created_at: now,
                next_attempt_at: now,
            },
        )
    }
}
