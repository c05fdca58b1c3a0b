//! The browser files built into the binary: the console's and the widget's ES modules, their
//! shared helpers and style sheets (`console/`, `common/`, `widget/`; the table is made by
//! `build.rs`). They are served under `/assets/{hash}/{path}`, where `hash` is the hash of
//! the files of one app (the console or the widget, each with `common/`): a page names the
//! current hash, relative imports stay under it, and browsers may keep every file for a year.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/assets_table.rs"));

/// What the files may do if opened on their own: nothing but this server's scripts and styles.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; frame-ancestors 'none'";

/// One app's share of the files: its own folder and `common/`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum App {
    Console,
    Widget,
}

impl App {
    fn owns(self, path: &str) -> bool {
        let own = match self {
            App::Console => "console/",
            App::Widget => "widget/",
        };
        path.starts_with(own) || path.starts_with("common/")
    }

    /// The hash of this app's files (12 hex digits): the folder its pages load them from.
    pub fn hash(self) -> &'static str {
        static CONSOLE: OnceLock<String> = OnceLock::new();
        static WIDGET: OnceLock<String> = OnceLock::new();
        let cell = match self {
            App::Console => &CONSOLE,
            App::Widget => &WIDGET,
        };
        cell.get_or_init(|| {
            let mut h = Sha256::new();
            for (path, body) in FILES.iter().filter(|(p, _)| self.owns(p)) {
                h.update((path.len() as u64).to_le_bytes());
                h.update(path.as_bytes());
                h.update((body.len() as u64).to_le_bytes());
                h.update(body);
            }
            hex::encode(&h.finalize()[..6])
        })
    }

    /// The address of one of this app's files, e.g. `console/workspace/main.js`.
    pub fn url(self, path: &str) -> String {
        format!("/assets/{}/{path}", self.hash())
    }
}

/// The contents of a built-in file, if there is one at `path`.
pub fn file(path: &str) -> Option<&'static [u8]> {
    FILES.binary_search_by(|(p, _)| (*p).cmp(path)).ok().map(|i| FILES[i].1)
}

fn content_type(path: &str) -> Option<&'static str> {
    match path.rsplit_once('.')?.1 {
        "js" => Some("text/javascript; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        _ => None,
    }
}

/// `GET /assets/{hash}/{*path}`: a file of the app whose current hash this is; anything else 404.
pub async fn serve(Path((hash, path)): Path<(String, String)>) -> Response {
    let app = [App::Console, App::Widget].into_iter().find(|a| a.hash() == hash && a.owns(&path));
    let (Some(_), Some(body), Some(kind)) = (app, file(&path), content_type(&path)) else {
        return (StatusCode::NOT_FOUND, [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")]).into_response();
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "same-origin"),
            // Public files: the widget's loader imports the Markdown renderer from sites' pages.
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_every_file_is_found() {
        assert!(FILES.windows(2).all(|w| w[0].0 < w[1].0), "sorted by path");
        for (path, body) in FILES {
            assert_eq!(file(path), Some(*body), "{path}");
        }
        assert!(file("console/workspace/main.js").is_some() && file("widget/loader.js").is_none());
        assert_ne!(App::Console.hash(), App::Widget.hash());
    }
}
