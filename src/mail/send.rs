//! Sending what the outbox holds over SMTP: claim the mails due, send each, mark it sent
//! or record the failure and when to try again. An unreachable server only delays mail:
//! it stays queued (requests never wait for SMTP: they only queue).

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use email_encoding::headers::writer::EmailWriter;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::{Settings, SmtpTls};
use crate::db::DbConnection;
use crate::db::outbox::{self, Mail};

/// Mails claimed at once by one worker.
const BATCH: i64 = 20;
/// Longest wait between two tries of one mail.
const MAX_RETRY: Duration = Duration::hours(6);

/// The SMTP server of the settings.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl Mailer {
    /// `None` when no SMTP server is set.
    pub fn from_settings(settings: &Settings) -> Result<Option<Mailer>, String> {
        let host = settings.smtp_host.trim();
        if host.is_empty() {
            return Ok(None);
        }
        let tls = || TlsParameters::new(host.to_string()).map_err(|e| e.to_string());
        let mut builder = SmtpTransport::builder_dangerous(host)
            .port(settings.smtp_port)
            .timeout(Some(StdDuration::from_secs(30)))
            .tls(match settings.smtp_tls {
                SmtpTls::None => Tls::None,
                SmtpTls::Starttls => Tls::Required(tls()?),
                SmtpTls::Tls => Tls::Wrapper(tls()?),
            });
        if !settings.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(
                settings.smtp_username.clone(),
                settings.smtp_password.expose().to_string(),
            ));
        }
        let from = settings.mail_from.0.clone();
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends one mail: HTML with a plain-text alternative.
    pub fn send(&self, mail: &Mail) -> Result<(), String> {
        let to = mail.recipient.parse::<Mailbox>().map_err(|e| e.to_string())?;
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .multipart(MultiPart::alternative_plain_html(
                mail.text_body.clone(),
                mail.html_body.clone(),
            ))
            .map_err(|e| e.to_string())?;
        message.headers_mut().insert_raw(encoded_subject(&mail.subject)?);
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The subject as RFC 2047 encoded words, all of it: a unit named `=?utf-8?q?x?=` then
/// shows as typed instead of being decoded by the mail client, and no line break in a name
/// can start a header of its own.
fn encoded_subject(subject: &str) -> Result<HeaderValue, String> {
    let mut encoded = String::new();
    {
        let mut writer = EmailWriter::new(&mut encoded, "Subject: ".len(), 0, false);
        email_encoding::headers::rfc2047::encode(subject, &mut writer).map_err(|e| e.to_string())?;
    }
    Ok(HeaderValue::dangerous_new_pre_encoded(
        HeaderName::new_from_ascii_str("Subject"),
        subject.to_string(),
        encoded,
    ))
}

/// When a mail that failed `attempts` times is tried again: `base`, doubled for each
/// earlier failure, six hours at most.
pub fn retry_after(attempts: i32, base: Duration) -> Duration {
    let doublings = attempts.clamp(1, 20) - 1;
    (base * 2i32.pow(doublings as u32)).min(MAX_RETRY)
}

/// What one pass of [`deliver_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
}

/// Sends the mails due at `now`, a batch at a time, until none is left that this pass may
/// take. A mail another worker holds is left to it.
pub fn deliver_due(
    conn: &mut DbConnection,
    mailer: &Mailer,
    retry_base: Duration,
    now: impl Fn() -> NaiveDateTime,
) -> diesel::QueryResult<Delivered> {
    let mut done = Delivered::default();
    loop {
        let claimed = outbox::claim(conn, now(), BATCH)?;
        if claimed.is_empty() {
            return Ok(done);
        }
        for mail in claimed {
            match mailer.send(&mail) {
                Ok(()) => {
                    outbox::mark_sent(conn, mail.id, now())?;
                    done.sent += 1;
                }
                Err(error) => {
                    let retry_at = now() + retry_after(mail.attempts + 1, retry_base);
                    tracing::warn!(mail = mail.id, %error, "mail not sent; will retry");
                    outbox::mark_failed(conn, mail.id, &error, retry_at)?;
                    done.failed += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_six_hours() {
        let base = Duration::seconds(60);
        assert_eq!(retry_after(1, base), Duration::seconds(60));
        assert_eq!(retry_after(2, base), Duration::seconds(120));
        assert_eq!(retry_after(4, base), Duration::seconds(480));
        assert_eq!(retry_after(30, base), Duration::hours(6));
    }
}
