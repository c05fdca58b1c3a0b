//! amoCRM: a contact for every new chat, with the account's API key (`USER_LOGIN` +
//! `USER_HASH` on each request, API v2). The phone and e-mail go into the account's standard
//! `PHONE` and `EMAIL` fields, whose ids are read from `/api/v2/account?with=custom_fields`.

use super::{json_of, Contact, CALL_LIMIT};
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use beseda_core::settings::OrgSettings;
use serde_json::{json, Value};

fn auth(s: &OrgSettings) -> [(&'static str, String); 2] {
    [("USER_LOGIN", s.amocrm_login.trim().to_owned()), ("USER_HASH", s.amocrm_api_key.trim().to_owned())]
}

/// The id of the contact field with `code` (`PHONE`, `EMAIL`).
fn field_id(account: &Value, code: &str) -> Option<i64> {
    let fields = account.pointer("/_embedded/custom_fields/contacts")?.as_object()?;
    fields
        .values()
        .find(|f| f["code"] == code)
        .and_then(|f| f["id"].as_i64().or_else(|| f["id"].as_str()?.parse().ok()))
}

pub async fn add_contact(state: &AppState, s: &OrgSettings, c: &Contact) -> Attempt {
    let base = state.config.api_urls.amocrm.replace("{account}", s.amocrm_account.trim());
    let base = base.trim_end_matches('/');
    let req = state.http.get(format!("{base}/api/v2/account")).query(&[("with", "custom_fields")]).query(&auth(s));
    let account = match outbound::send(req, CALL_LIMIT).await {
        Attempt::Delivered(body) => json_of(&body),
        other => return other,
    };
    let mut custom = Vec::new();
    for (code, value) in [("PHONE", &c.phone), ("EMAIL", &c.email)] {
        if let (Some(id), Some(v)) = (field_id(&account, code), value) {
            custom.push(json!({"id": id, "values": [{"value": v, "enum": "WORK"}]}));
        }
    }
    let contact = json!({"name": c.display_name(&s.default_lang), "tags": "beseda", "custom_fields": custom});
    let req = state.http.post(format!("{base}/api/v2/contacts")).query(&auth(s)).json(&json!({"add": [contact]}));
    outbound::send(req, CALL_LIMIT).await
}
