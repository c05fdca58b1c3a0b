//! E-mail over SMTP against a local SMTP server: offline messages, negative ratings and long
//! waits (one of each per 30 minutes), the daily report in the organisation's time zone, chat
//! histories for visitors, retries and template overrides.

use crate::common;

use beseda_core::local_time;
use beseda_core::state::OperatorRole;
use beseda_core::time::{Clock, ManualClock};
use beseda_server::ServerConfig;
use common::smtp_sink::SmtpSink;
use common::*;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const SIGNATURE: &str = "--\nС уважением,\nКомпания ООО «Сила»\n\nhttps://www.sila.com/";

async fn server_with_mail(
    sink: &SmtpSink,
    clock: Arc<ManualClock>,
    templates: Option<std::path::PathBuf>,
) -> TestServer {
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        smtp_url: Some(sink.url().into()),
        mail_from: "noreply@beseda.test".into(),
        mail_templates_dir: templates,
        mail_retry_delays: vec![Duration::from_secs(10)],
        ..ServerConfig::default()
    };
    let server = TestServer::start_full(config, clock).await;
    server
        .settings(|s| {
            s.name = "ООО «Сила»".into();
            s.site_url = "https://www.sila.com/".into();
            s.email_left_messages = "support@sila.ru, boss@sila.ru".into();
            s.email_negative_feedback = "quality@sila.ru".into();
        })
        .await;
    server
}

/// Lets the mail loop act after the clock moved.
async fn settle(server: &TestServer) {
    server.state.mail_wake.notify_one();
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn offline_messages_go_to_the_left_messages_addresses() {
    let sink = SmtpSink::start().await;
    let server = server_with_mail(&sink, Arc::new(ManualClock::new()), None).await;
    // Nobody online: the chat is offline and its message is mailed.
    let v = server.visitor().await;
    let fields = json!({"name": "Иван", "email": "ivan@mail.ru", "phone": "+79991234567"}).to_string();
    v.ok("chat.start", &[("first-question", "Перезвоните мне, пожалуйста"), ("visitor-fields", &fields)]).await;
    let mails = sink.wait_for(1, 10).await;
    let m = &mails[0];
    assert_eq!(m.mail_from, "noreply@beseda.test");
    assert_eq!(m.rcpt_to, ["support@sila.ru", "boss@sila.ru"]);
    assert_eq!(m.addresses("To"), ["support@sila.ru", "boss@sila.ru"]);
    assert_eq!(m.addresses("Reply-To"), ["ivan@mail.ru"], "replies go to the visitor");
    assert_eq!(
        (m.addresses("From"), m.sender_name()),
        (vec!["noreply@beseda.test".to_owned()], "ООО «Сила»".to_owned())
    );
    assert_eq!(m.subject(), "ООО «Сила»: сообщение от посетителя Иван");
    let text = m.text();
    for part in [
        "Посетитель: Иван",
        "phone: +79991234567",
        "email: ivan@mail.ru",
        "Иван: Перезвоните мне, пожалуйста",
        SIGNATURE,
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }

    // With an operator online the chat is not offline: no mail.
    let op = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    let online = server.visitor().await;
    online.send("q", "Есть кто?").await;
    // Offline again, but no addresses: nothing is sent.
    op.set_status("offline").await;
    server.settings(|s| s.email_left_messages = String::new()).await;
    let late = server.visitor().await;
    late.send("q", "Ау").await;
    settle(&server).await;
    settle(&server).await;
    assert_eq!(sink.mails().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn negative_ratings_and_long_waits_are_reported_at_most_once_per_half_hour() {
    let sink = SmtpSink::start().await;
    let clock = Arc::new(ManualClock::new());
    let server = server_with_mail(&sink, clock.clone(), None).await;
    server.settings(|s| s.first_answer_timeout_secs = 60).await;
    let anna = server.operator("anna@x.io", "Анна Петрова", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let anna_id = anna.id.to_string();

    let answered = |name: &'static str| {
        let server = &server;
        let anna = &anna;
        async move {
            let v = server.visitor().await;
            let fields = json!({"name": name}).to_string();
            v.ok("chat.start", &[("first-question", "Вопрос"), ("visitor-fields", &fields)]).await;
            let chat = v.chat_id().await;
            assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
            assert_eq!(anna.reply(chat, "a", "Ответ").await.0, 200);
            v
        }
    };
    // A good rating: no mail. A poor one: a mail with the rating, note and dialog.
    let happy = answered("Мария").await;
    happy.ok("chat.operator_rate_select", &[("operator_id", &anna_id), ("rate", "2")]).await;
    let unhappy = answered("Пётр").await;
    unhappy
        .ok("chat.operator_rate_select", &[("operator_id", &anna_id), ("rate", "-1"), ("visitor_note", "Долго")])
        .await;
    let mails = sink.wait_for(1, 10).await;
    let m = &mails[0];
    assert_eq!(m.rcpt_to, ["quality@sila.ru"]);
    assert_eq!(m.subject(), "ООО «Сила»: посетитель негативно оценил работу оператора");
    let text = m.text();
    for part in [
        "Посетитель Пётр оценил работу оператора Анна Петрова: 2 из 5",
        "Комментарий посетителя: Долго",
        "Пётр: Вопрос",
        "Анна Петрова: Ответ",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    // Another poor rating 10 minutes later: within the half hour, no mail.
    clock.advance(Duration::from_secs(600));
    let again = answered("Ольга").await;
    again.ok("chat.operator_rate_select", &[("operator_id", &anna_id), ("rate", "-2")]).await;
    settle(&server).await;
    assert_eq!(sink.mails().len(), 1);
    // 31 minutes after the first: mailed again.
    clock.advance(Duration::from_secs(21 * 60));
    let later = answered("Глеб").await;
    later.ok("chat.operator_rate_select", &[("operator_id", &anna_id), ("rate", "0")]).await;
    let mails = sink.wait_for(2, 10).await;
    assert!(mails[1].text().contains("Глеб оценил работу оператора Анна Петрова: 3 из 5"));

    // Long waits: the first busy message mails the dialog as an attachment; the next within
    // 30 minutes does not.
    let waiting = server.visitor().await;
    waiting.send("w1", "Жду ответа").await;
    let chat = waiting.chat_id().await;
    clock.advance(Duration::from_secs(61));
    server.tick().await;
    let mails = sink.wait_for(3, 10).await;
    let m = &mails[2];
    assert_eq!(m.rcpt_to, ["quality@sila.ru"]);
    assert_eq!(m.subject(), "ООО «Сила»: посетитель долгое время не получал ответа от оператора");
    assert!(m.text().contains(&format!("Чат № {chat}")), "{}", m.text());
    let attachments = m.attachments();
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].0, format!("chat-{chat}.txt"));
    assert!(attachments[0].1.contains("Посетитель: Жду ответа"), "{}", attachments[0].1);
    let second = server.visitor().await;
    second.send("w2", "И я жду").await;
    clock.advance(Duration::from_secs(61));
    server.tick().await;
    settle(&server).await;
    assert_eq!(sink.mails().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn the_daily_report_goes_out_once_at_the_end_of_the_working_day_in_the_organisations_time_zone() {
    let sink = SmtpSink::start().await;
    let clock = Arc::new(ManualClock::new());
    let server = server_with_mail(&sink, clock.clone(), None).await;
    // The working day ends two minutes from now, Vladivostok time.
    let zone = "Asia/Vladivostok";
    let end = clock.now() + 120 * 1_000_000;
    let at = local_time::format(end, zone, "%H:%M");
    server
        .settings(|s| {
            s.time_zone = zone.into();
            s.daily_report_time = at.clone();
            // Only this test has report addresses, so no other test meets a daily report.
            s.email_daily_reports = "report@sila.ru".into();
        })
        .await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q1", "Сколько стоит доставка?").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(anna.reply(chat, "a1", "300 рублей").await.0, 200);
    let anna_id = anna.id.to_string();
    v.ok("chat.operator_rate_select", &[("operator_id", &anna_id), ("rate", "2")]).await;
    let other = server.visitor().await;
    other.send("q2", "Алло").await;
    server.tick().await;
    settle(&server).await;
    assert!(sink.mails().is_empty(), "not before the end of the day");

    clock.advance(Duration::from_secs(180));
    server.tick().await;
    // (The second visitor waited too long: a long-wait notice goes to quality@ meanwhile.)
    let reports = |mails: Vec<common::smtp_sink::Received>| {
        mails.into_iter().filter(|m| m.rcpt_to == ["report@sila.ru"]).collect::<Vec<_>>()
    };
    sink.wait_for(2, 10).await;
    let mails = reports(sink.mails());
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    // The report is named after the local date the working day ended on.
    let ended = local_time::last_daily(clock.now(), zone, local_time::parse_hh_mm(&at).expect("time"));
    let date = local_time::format(ended - 1, zone, "%d.%m.%Y");
    assert_eq!(m.subject(), format!("ООО «Сила»: статистика за {date}"));
    let text = m.text();
    let said = local_time::format(clock.now() - 180 * 1_000_000, zone, "%H:");
    for part in [
        "Чатов начато: 2",
        "Отвечено: 1",
        "Оценок: 1, средняя 5.0",
        &format!("Чат № {chat} — Посетитель"),
        "Посетитель: Сколько стоит доставка?",
        "Анна: 300 рублей",
        "Посетитель: Алло",
        zone,
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    assert!(text.contains(&format!(" {said}")), "times are local: {text}");
    // Once per day, however often the scheduler looks.
    for _ in 0..3 {
        clock.advance(Duration::from_secs(60));
        server.tick().await;
    }
    settle(&server).await;
    assert_eq!(reports(sink.mails()).len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn visitors_get_their_history_and_refused_mail_is_retried_or_dropped() {
    let sink = SmtpSink::start().await;
    let clock = Arc::new(ManualClock::new());
    let server = server_with_mail(&sink, clock.clone(), None).await;
    server.settings(|s| s.default_lang = "en".into()).await;
    let anna = server.operator("anna@x.io", "Anna", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q1", "Where is my order?").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(anna.reply(chat, "a1", "On its way.").await.0, 200);

    // The SMTP server refuses for now: retried after the delay.
    sink.refuse(451);
    let refused = sink.refused();
    v.ok("chat.send_chat_history", &[("email", "me@example.com")]).await;
    server.state.mail_wake.notify_one();
    sink.wait_refused(refused, 10).await;
    settle(&server).await;
    assert!(sink.mails().is_empty());
    sink.refuse(0);
    clock.advance(Duration::from_secs(11));
    let mails = sink.wait_for(1, 10).await;
    let m = &mails[0];
    assert_eq!(m.rcpt_to, ["me@example.com"]);
    assert_eq!(m.addresses("Reply-To"), ["support@sila.ru"], "the first «left messages» address");
    assert_eq!(m.subject(), "Your conversation with ООО «Сила»");
    let text = m.text();
    for part in
        ["Visitor: Where is my order?", "Anna: On its way.", "Best regards,\nООО «Сила»\n\nhttps://www.sila.com/"]
    {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    // Refused for good: not retried.
    sink.refuse(550);
    let refused = sink.refused();
    v.ok("chat.send_chat_history", &[("email", "me@example.com")]).await;
    server.state.mail_wake.notify_one();
    sink.wait_refused(refused, 10).await;
    settle(&server).await;
    sink.refuse(0);
    clock.advance(Duration::from_secs(3600));
    settle(&server).await;
    assert_eq!(sink.mails().len(), 1, "the refused mail is not sent again");
    server.stop().await;
}

#[tokio::test]
async fn templates_in_the_configured_directory_replace_the_built_in_ones() {
    let dir = std::env::temp_dir().join(format!("beseda-mail-templates-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("offline_message.ru.txt"), "Subject: Заявка: {visitor}\n\n{transcript}\n{signature}\n")
        .expect("write");
    std::fs::write(dir.join("signature.ru.txt"), "-- {company}, {site}\n").expect("write");
    let sink = SmtpSink::start().await;
    let server = server_with_mail(&sink, Arc::new(ManualClock::new()), Some(dir.clone())).await;
    let v = server.visitor().await;
    // A visitor's name that looks like a placeholder and carries a line break stays text.
    let fields = json!({"name": "{signature}\r\nBcc: x@evil.io"}).to_string();
    v.ok("chat.start", &[("first-question", "Нужна помощь"), ("visitor-fields", &fields)]).await;
    let mails = sink.wait_for(1, 10).await;
    assert_eq!(mails[0].rcpt_to, ["support@sila.ru", "boss@sila.ru"]);
    assert_eq!(mails[0].subject(), "Заявка: {signature}  Bcc: x@evil.io");
    assert!(!mails[0].data.contains("\r\nBcc:"), "no header injected");
    let text = mails[0].text();
    assert!(
        text.trim_end().ends_with("{signature}\nBcc: x@evil.io: Нужна помощь\n-- ООО «Сила», https://www.sila.com/"),
        "{text}"
    );
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
