//! System texts shown to visitors, in the organisation's language.

/// Default display name of a visitor who gave none.
pub fn visitor_default_name(lang: &str) -> &'static str {
    if lang == "en" {
        "Visitor"
    } else {
        "Посетитель"
    }
}

/// Info message when an operator joins the chat.
pub fn operator_joined(lang: &str, operator_name: &str) -> String {
    if lang == "en" {
        format!("{operator_name} has joined the chat")
    } else {
        format!("Вам отвечает оператор {operator_name}")
    }
}

/// Info message when the visitor closes the chat.
pub fn visitor_closed(lang: &str) -> &'static str {
    if lang == "en" {
        "The visitor has closed the chat"
    } else {
        "Посетитель закрыл диалог"
    }
}

/// Info message when the operator closes the chat.
pub fn operator_closed(lang: &str) -> &'static str {
    if lang == "en" {
        "The operator has closed the chat"
    } else {
        "Оператор закрыл диалог"
    }
}
