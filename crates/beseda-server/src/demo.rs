//! Demo mode: seeds a pretend company (`serve --demo`) and serves `/demo`. Nothing here runs
//! without the flag.

use crate::auth;
use axum::response::Html;
use beseda_core::model::{Department, Placement};
use beseda_core::settings::OrgSettings;
use beseda_core::state::OperatorRole;
use beseda_store::{NewOperator, Store, StoreError};
use std::collections::BTreeMap;

/// One seeded account and its one-time password.
pub struct DemoAccount {
    pub email: String,
    pub role: OperatorRole,
    pub password: String,
}

/// Seeds the organisation, two departments, an admin and two operators — once: an
/// installation that already has operators is left alone (`Ok(vec![])`). Anna works in both
/// departments, so she sees every chat the demo page starts; Boris only in support. Their
/// passwords are one-time: the first login sets a new one.
pub async fn seed(store: &dyn Store) -> Result<Vec<DemoAccount>, StoreError> {
    if !store.is_empty().await? {
        return Ok(Vec::new());
    }
    // Multilingual, so that the English placement speaks English.
    let settings = OrgSettings { name: "Demo Company".into(), multilang: true, ..OrgSettings::default() };
    store.save_settings(&settings).await?;
    for (key, ru, en, order) in [("sales", "Продажи", "Sales", 10), ("support", "Поддержка", "Support", 20)]
    {
        let locale_names = BTreeMap::from([("ru".to_owned(), ru.to_owned()), ("en".to_owned(), en.to_owned())]);
        store
            .upsert_department(&Department { id: 0, key: key.into(), name: ru.into(), locale_names, order, logo: None })
            .await?;
    }
    // The site in Russian (`/demo`) and in English (`/demo?location=english`).
    for (key, title, lang, hello) in [
        ("default", "Сайт компании «Демо»", "ru", "Здравствуйте! Чем можем помочь?"),
        ("english", "Demo Company website (English)", "en", "Hello! How can we help?"),
    ] {
        store
            .upsert_placement(&Placement {
                key: key.into(),
                title: title.into(),
                lang: Some(lang.into()),
                department_keys: vec!["sales".into(), "support".into()],
                default_department: Some("support".into()),
                hello_message: hello.into(),
                conversation_timeout_hours: 24,
            })
            .await?;
    }
    let people = [
        ("admin@demo.beseda.local", "Администратор", OperatorRole::Admin, vec!["sales", "support"]),
        ("anna@demo.beseda.local", "Анна", OperatorRole::Operator, vec!["sales", "support"]),
        ("boris@demo.beseda.local", "Борис", OperatorRole::Operator, vec!["support"]),
    ];
    let mut accounts = Vec::new();
    for (email, name, role, departments) in people {
        let password = auth::one_time_password();
        let hash = auth::hash_password(password.clone()).await.map_err(StoreError::Config)?;
        store
            .create_operator(&NewOperator {
                email: email.into(),
                name: name.into(),
                role,
                password_hash: hash,
                languages: vec!["ru".into(), "en".into()],
                department_keys: departments.into_iter().map(String::from).collect(),
                max_chats: None,
                must_change_password: true,
            })
            .await?;
        accounts.push(DemoAccount { email: email.into(), role, password });
    }
    Ok(accounts)
}

/// `GET /demo[?location=key]`: a pretend company's page with the widget of that placement.
pub async fn page(
    origin: crate::origin::RequestOrigin,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Html<String> {
    let location = q.get("location").filter(|l| beseda_core::ids::is_valid_key(l)).map_or("default", String::as_str);
    let embed = crate::widget::embed_code(&origin.0, location);
    Html(include_str!("demo.html").replace("{location}", location).replace("{embed}", &embed))
}
