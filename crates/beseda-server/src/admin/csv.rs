//! CSV downloads of the admin API (statistics, history): one header line of column names, then
//! one line per JSON row. Text cells are quoted and never read as formulas by a spreadsheet.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// `format`: `json` (the default) or `csv`; anything else is a 400.
pub fn check_format(format: Option<&str>) -> Result<(), crate::error::ApiError> {
    match format {
        None | Some("json") | Some("csv") => Ok(()),
        Some(_) => Err(crate::error::ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "wrong-argument-value",
            "format: json or csv",
        )),
    }
}

fn cell(text: &str) -> String {
    let safe = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

/// The `cols` of each row (as its JSON object has them) as a CSV attachment named `filename`.
pub fn attachment<T: serde::Serialize>(filename: &str, cols: &[&str], rows: &[T]) -> Response {
    let mut out = cols.join(",") + "\n";
    for r in rows {
        let r = serde_json::to_value(r).unwrap_or_default();
        let line: Vec<String> = cols
            .iter()
            .map(|c| match &r[*c] {
                Value::String(s) => cell(s),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], out)
        .into_response()
}
