//! A local SMTP server that keeps what it receives: the envelope and the raw message, dot
//! stuffing undone. It can be told to refuse mail for now (451) or for good (550).

use mail_parser::MimeHeaders;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(self.data.as_bytes()).expect("a MIME message")
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The (first) text part, with line ends as `\n`.
    pub fn text(&self) -> String {
        self.parsed().body_text(0).map(|t| t.replace("\r\n", "\n")).unwrap_or_default()
    }

    /// Addresses of a header (`From`, `To`, `Reply-To`).
    pub fn addresses(&self, header: &str) -> Vec<String> {
        let parsed = self.parsed();
        let list = match header {
            "From" => parsed.from(),
            "To" => parsed.to(),
            "Reply-To" => parsed.reply_to(),
            other => panic!("no such header {other}"),
        };
        list.map(|a| a.iter().filter_map(|x| x.address().map(String::from)).collect()).unwrap_or_default()
    }

    /// The display name of `From`.
    pub fn sender_name(&self) -> String {
        self.parsed().from().and_then(|a| a.first()).and_then(|a| a.name()).unwrap_or_default().to_owned()
    }

    /// File name and text of each attachment.
    pub fn attachments(&self) -> Vec<(String, String)> {
        let parsed = self.parsed();
        parsed
            .attachments()
            .map(|a| {
                let text = String::from_utf8_lossy(a.contents()).replace("\r\n", "\n");
                (a.attachment_name().unwrap_or_default().to_owned(), text)
            })
            .collect()
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Received>>>,
    /// 0: accept; otherwise the reply code to `MAIL FROM`.
    refuse: Arc<AtomicU16>,
    /// How many `MAIL FROM` were refused.
    refused: Arc<std::sync::atomic::AtomicUsize>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let sink = Self { port, mails: Arc::default(), refuse: Arc::default(), refused: Arc::default() };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(socket).await;
                });
            }
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Answer `MAIL FROM` with this code (451 temporary, 550 permanent; 0 accepts again).
    pub fn refuse(&self, code: u16) {
        self.refuse.store(code, Ordering::SeqCst);
    }

    /// How many `MAIL FROM` were refused so far.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    /// Waits until more than `seen` refusals happened (at most `secs`).
    pub async fn wait_refused(&self, seen: usize, secs: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while self.refused() <= seen {
            assert!(tokio::time::Instant::now() < deadline, "expected a refused mail");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn mails(&self) -> Vec<Received> {
        self.mails.lock().expect("lock").clone()
    }

    /// Waits until at least `n` mails arrived (at most `secs`).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.mails();
            if got.len() >= n {
                return got;
            }
            assert!(tokio::time::Instant::now() < deadline, "expected {n} mails, got {}: {got:#?}", got.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn session(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.local ESMTP\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let reply: String = if upper.starts_with("EHLO") {
                "250-sink.local\r\n250-8BITMIME\r\n250 PIPELINING".into()
            } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                "250 ok".into()
            } else if upper.starts_with("RSET") {
                (from, to) = (String::new(), Vec::new());
                "250 ok".into()
            } else if upper.starts_with("MAIL FROM:") {
                match self.refuse.load(Ordering::SeqCst) {
                    0 => {
                        from = angle(&command);
                        "250 ok".into()
                    }
                    code => {
                        self.refused.fetch_add(1, Ordering::SeqCst);
                        format!("{code} not now")
                    }
                }
            } else if upper.starts_with("RCPT TO:") {
                to.push(angle(&command));
                "250 ok".into()
            } else if upper == "DATA" {
                write.write_all(b"354 go on\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let mail = Received { mail_from: std::mem::take(&mut from), rcpt_to: std::mem::take(&mut to), data };
                self.mails.lock().expect("lock").push(mail);
                "250 queued".into()
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                "502 unknown command".into()
            };
            write.write_all(format!("{reply}\r\n").as_bytes()).await?;
        }
    }
}

fn angle(command: &str) -> String {
    command.split_once('<').and_then(|(_, r)| r.split_once('>')).map(|(a, _)| a.to_owned()).unwrap_or_default()
}
