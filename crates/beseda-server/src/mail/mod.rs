//! E-mail over SMTP (seed 003 «Адреса электронной почты»): offline messages, negative ratings,
//! long waits, the daily report and chat histories for visitors. Each is an outbox row written
//! with its cause; this loop composes it from templates and sends it through the SMTP server
//! of the deployment settings (`smtp_url`). Temporary failures (connection, 4xx) are retried
//! after the configured delays; permanent ones (5xx) and mails without recipients are recorded
//! on the row and not sent.

mod compose;
pub mod daily;
mod templates;

use crate::metrics::{Outcome, Worker};
use crate::state::{AppState, ServerConfig};
use beseda_store::StoreError;
use compose::{Composed, Mail};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The outbox kinds this loop sends.
pub const KINDS: [&str; 5] =
    ["mail.offline_message", "mail.negative_rating", "mail.long_wait", "mail.chat_history", "mail.daily_report"];
const LEASE: Duration = Duration::from_secs(120);
const BATCH: i64 = 16;
/// Time limit of one SMTP conversation.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The SMTP connection settings, or why there are none.
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: lettre::Address,
}

impl Mailer {
    /// From the deployment settings; an unusable `smtp_url` or `mail_from` is an error.
    pub fn new(config: &ServerConfig) -> Result<Self, String> {
        let from = config.mail_from.parse().map_err(|e| format!("mail_from {:?}: {e}", config.mail_from))?;
        let transport = match config.smtp_url.as_ref().map(|u| u.expose()).filter(|u| !u.is_empty()) {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("smtp_url: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
        };
        Ok(Self { transport, from })
    }
}

/// Why a mail was not sent.
enum Failure {
    Temporary(String),
    Permanent(String),
}

fn message(mailer: &Mailer, mail: Mail) -> Result<Message, String> {
    let mut b =
        Message::builder().from(Mailbox::new(Some(mail.sender.clone()), mailer.from.clone())).subject(mail.subject);
    for to in &mail.to {
        b = b.to(to.parse::<Mailbox>().map_err(|e| format!("{to:?}: {e}"))?);
    }
    if let Some(r) = &mail.reply_to {
        b = b.reply_to(r.parse::<Mailbox>().map_err(|e| format!("{r:?}: {e}"))?);
    }
    let built = match mail.attachment {
        None => b.header(ContentType::TEXT_PLAIN).body(mail.body),
        Some((name, text)) => b.multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(mail.body))
                .singlepart(Attachment::new(name).body(text, ContentType::TEXT_PLAIN)),
        ),
    };
    built.map_err(|e| e.to_string())
}

async fn send(mailer: &Mailer, mail: Mail) -> Result<(), Failure> {
    let Some(transport) = &mailer.transport else {
        return Err(Failure::Permanent("no SMTP server is configured (smtp_url)".into()));
    };
    let message = message(mailer, mail).map_err(Failure::Permanent)?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(Failure::Permanent(e.to_string())),
        Err(e) => Err(Failure::Temporary(e.to_string())),
    }
}

/// One pass over every kind: compose and send what is due.
pub async fn deliver_once(state: &AppState, mailer: &Mailer) -> Result<usize, StoreError> {
    let mut handled = 0;
    for kind in KINDS {
        for claim in state.store.claim_outbox(kind, BATCH, LEASE.as_micros() as i64).await? {
            handled += 1;
            let mail = match compose::compose(state, kind, &claim.payload).await? {
                Composed::Skip(why) => {
                    state.metrics.delivery(Worker::Mail, Outcome::Failed);
                    state.store.outbox_done(claim.id, Some(why)).await?;
                    continue;
                }
                Composed::Send(mail) => mail,
            };
            let delays = &state.config.mail_retry_delays;
            let sent = send(mailer, mail).await;
            let retry_left = (claim.attempts as usize) < delays.len();
            state.metrics.delivery(
                Worker::Mail,
                match &sent {
                    Ok(()) => Outcome::Delivered,
                    Err(Failure::Temporary(_)) if retry_left => Outcome::Retried,
                    Err(Failure::Temporary(_)) => Outcome::Dead,
                    Err(Failure::Permanent(_)) => Outcome::Failed,
                },
            );
            match sent {
                Ok(()) => state.store.outbox_done(claim.id, None).await?,
                Err(Failure::Temporary(why)) if retry_left => {
                    tracing::info!(kind, attempt = claim.attempts + 1, "e-mail will be retried");
                    let delay = delays[claim.attempts as usize].as_micros() as i64;
                    state.store.outbox_retry(claim.id, delay, &why).await?;
                }
                Err(Failure::Temporary(why) | Failure::Permanent(why)) => {
                    tracing::warn!(kind, "e-mail not sent");
                    state.store.outbox_done(claim.id, Some(&why)).await?;
                }
            }
        }
    }
    Ok(handled)
}

pub async fn run(state: AppState) {
    let mailer = match Mailer::new(&state.config) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "e-mail is off");
            return;
        }
    };
    if mailer.transport.is_none() {
        tracing::info!("no SMTP server configured: e-mails are recorded as not sent");
    }
    crate::state::delivery_loop(&state, "e-mail", &state.mail_wake, || deliver_once(&state, &mailer)).await;
}
