//! System texts shown to visitors, in the organisation's language: Russian for Russian, English
//! for every other language (`crate::languages::interface`).

use crate::languages::interface;

/// Default display name of a visitor who gave none.
pub fn visitor_default_name(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "Visitor"
    } else {
        "Посетитель"
    }
}

/// Info message when an operator joins the chat.
pub fn operator_joined(lang: &str, operator_name: &str) -> String {
    if interface(lang) == "en" {
        format!("{operator_name} has joined the chat")
    } else {
        format!("Вам отвечает оператор {operator_name}")
    }
}

/// Info message when the visitor closes the chat.
pub fn visitor_closed(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "The visitor has closed the chat"
    } else {
        "Посетитель закрыл диалог"
    }
}

/// Info message when the operator closes the chat.
pub fn operator_closed(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "The operator has closed the chat"
    } else {
        "Оператор закрыл диалог"
    }
}

/// Info message when a chat closes by itself after a timeout.
pub fn chat_closed_by_timeout(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "The chat was closed automatically"
    } else {
        "Диалог закрыт автоматически"
    }
}

/// Info message when a chat goes back to the queue.
pub fn returned_to_queue(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "Your chat has been passed to the next available operator"
    } else {
        "Диалог передан следующему свободному оператору"
    }
}

/// Info message when a chat is redirected to another operator.
pub fn redirected_to(lang: &str, operator_name: &str) -> String {
    if interface(lang) == "en" {
        format!("The chat has been passed to {operator_name}")
    } else {
        format!("Диалог передан оператору {operator_name}")
    }
}

/// Greeting placeholder when the visitor waits in the general queue (auto-assignment, nobody
/// has room).
pub fn waiting_in_queue(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "All operators are busy right now. You are in the queue; an operator will answer soon."
    } else {
        "Все операторы сейчас заняты. Вы в очереди, оператор скоро ответит."
    }
}

/// Info message when a bot cannot be reached and a human takes over.
pub fn bot_unavailable(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "The bot is unavailable, connecting you to an operator."
    } else {
        "Бот временно недоступен, подключаем оператора."
    }
}

/// Note for operators on why a bot let go of a chat.
pub fn bot_failed(lang: &str, bot: &str, reason: &str) -> String {
    if interface(lang) == "en" {
        format!("Bot «{bot}» did not answer: {reason}")
    } else {
        format!("Бот «{bot}» не ответил: {reason}")
    }
}

/// Info message when a chat ends because the visitor was blocked.
pub fn visitor_blocked(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "The chat has ended"
    } else {
        "Диалог завершён"
    }
}

/// An operator's invitation to chat when they wrote no text of their own.
pub fn invitation(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "Hello! Can I help you?"
    } else {
        "Здравствуйте! Чем могу помочь?"
    }
}

/// Note for operators: the location the visitor's app reported (`geo_response`).
pub fn visitor_location(lang: &str, latitude: f64, longitude: f64) -> String {
    if lang == "en" {
        format!("The visitor's location: {latitude:.6}, {longitude:.6}")
    } else {
        format!("Местоположение посетителя: {latitude:.6}, {longitude:.6}")
    }
}
