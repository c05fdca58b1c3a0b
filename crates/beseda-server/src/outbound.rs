//! Outgoing HTTP shared by the integrations: URLs called as entered with their userinfo turned
//! into Basic auth, one attempt with a time limit, and the common retry rule — connection
//! errors, time-outs, 408, 429 and 5xx are worth retrying; any other non-2xx is final.

use std::time::Duration;

/// A POST to `url` as entered, with userinfo in the URL turned into Basic auth.
pub fn post_to(client: &reqwest::Client, url: &str) -> Result<reqwest::RequestBuilder, String> {
    let mut url = reqwest::Url::parse(url).map_err(|e| format!("bad URL: {e}"))?;
    let user = percent_decode(url.username());
    let password = url.password().map(percent_decode);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let req = client.post(url);
    Ok(if !user.is_empty() || password.is_some() { req.basic_auth(user, password) } else { req })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How one attempt went.
#[derive(Debug)]
pub enum Attempt {
    /// A 2xx answer with its body.
    Delivered(axum::body::Bytes),
    /// Worth trying again; `retry_after` is the receiver's `Retry-After` (seconds form).
    Retry { status: Option<u16>, why: String, retry_after: Option<Duration> },
    /// Not worth trying again.
    Final { status: Option<u16>, why: String },
}

/// An answer of any status, with its body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: axum::body::Bytes,
}

impl Answer {
    /// What [`send`] makes of it: 2xx delivered, 408, 429 and 5xx worth retrying, the rest final.
    pub fn attempt(self) -> Attempt {
        let s = self.status;
        if (200..300).contains(&s) {
            return Attempt::Delivered(self.body);
        }
        let why = format!("HTTP {s}");
        if s >= 500 || s == 408 || s == 429 {
            Attempt::Retry { status: Some(s), why, retry_after: self.retry_after }
        } else {
            Attempt::Final { status: Some(s), why }
        }
    }
}

/// Why a request got no answer, with its causes (name not resolved, connection refused, …) and
/// the host it went to; without the rest of the URL: it may hold a token (Telegram, Zoho's token
/// endpoint) or a secret path.
fn failure(e: reqwest::Error) -> String {
    let host = e.url().and_then(|u| u.host_str()).map(|h| format!(" to {h}")).unwrap_or_default();
    let e = e.without_url();
    let mut why = format!("request{host} failed: {e}");
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        why.push_str(": ");
        why.push_str(&c.to_string());
        cause = c.source();
    }
    why
}

/// Sends `req`, waiting at most `limit` for the whole answer: the answer whatever its status,
/// or the attempt to retry when there was none (connection error, time-out).
pub async fn call(req: reqwest::RequestBuilder, limit: Duration) -> Result<Answer, Attempt> {
    let sent = tokio::time::timeout(limit, async {
        let resp = req.timeout(limit).send().await?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Ok::<_, reqwest::Error>((status, retry_after, resp.bytes().await?))
    })
    .await;
    let timeout = || format!("timeout after {} s", limit.as_secs_f64());
    match sent {
        Err(_) => Err(Attempt::Retry { status: None, why: timeout(), retry_after: None }),
        Ok(Err(e)) if e.is_timeout() => Err(Attempt::Retry { status: None, why: timeout(), retry_after: None }),
        Ok(Err(e)) => Err(Attempt::Retry { status: None, why: failure(e), retry_after: None }),
        Ok(Ok((s, retry_after, body))) => Ok(Answer { status: s.as_u16(), retry_after, body }),
    }
}

/// Sends `req`, waiting at most `limit` for the whole answer.
pub async fn send(req: reqwest::RequestBuilder, limit: Duration) -> Attempt {
    match call(req, limit).await {
        Ok(answer) => answer.attempt(),
        Err(attempt) => attempt,
    }
}

#[cfg(test)]
mod tests {
    /// A refused connection says so and names the host, never the path or query.
    #[tokio::test]
    async fn a_failed_request_says_why_and_where_but_not_the_url() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port());
        let url = format!("http://127.0.0.1:{}/bot123:SECRET/getMe?token=SECRET", port.unwrap_or(9));
        let req = reqwest::Client::new().get(url);
        let Err(super::Attempt::Retry { why, .. }) = super::call(req, std::time::Duration::from_secs(5)).await else {
            panic!("a refused connection is retried")
        };
        assert!(why.starts_with("request to 127.0.0.1 failed"), "{why}");
        assert!(why.to_lowercase().contains("refused"), "{why}");
        assert!(!why.contains("SECRET"), "{why}");
    }

    #[test]
    fn userinfo_is_percent_decoded() {
        assert_eq!(super::percent_decode("p%40ss%3Aw"), "p@ss:w");
        assert_eq!(super::percent_decode("100%"), "100%");
    }
}
