//! Headers of every stored file Beseda serves (visitor and bot files, operator photos, logos):
//! the browser must never sniff a type, run a script or render a document from them. Only
//! PNG, JPEG, GIF and WebP images are shown inline; everything else — SVG and HTML included,
//! whatever type it was stored with — is a download, in a sandbox with no sources. On the
//! console's origin every user file is a download (`attachment`); its raster images reach the
//! workspace only through `image`, after the server read their type from the content.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// No scripts, no plugins, no loads, no same-origin access, should the file be rendered.
pub const SANDBOX: &str = "sandbox; default-src 'none'";

/// Raster images a browser may show inline.
const INLINE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Whether a file of this `Content-Type` is shown inline (a safe raster image).
pub fn is_inline(content_type: &str) -> bool {
    let base = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    INLINE_TYPES.contains(&base.as_str())
}

/// RFC 8187 encoding for `filename*`.
fn encode_filename(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A stored file: inline when it is a safe raster image, otherwise an attachment.
pub fn file(content_type: String, filename: &str, cache: &'static str, content: Vec<u8>) -> Response {
    let inline = is_inline(&content_type);
    served(content_type, filename, inline, cache, content)
}

/// A stored file served on the console's origin: always a download, whatever its type.
pub fn attachment(content_type: String, filename: &str, cache: &'static str, content: Vec<u8>) -> Response {
    served(content_type, filename, false, cache, content)
}

fn served(content_type: String, filename: &str, inline: bool, cache: &'static str, content: Vec<u8>) -> Response {
    let disposition = if inline { "inline" } else { "attachment" };
    let disposition = format!("{disposition}; filename*=UTF-8''{}", encode_filename(filename));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_SECURITY_POLICY, SANDBOX.to_owned()),
            (header::CACHE_CONTROL, cache.to_owned()),
        ],
        content,
    )
        .into_response()
}

/// An image the server itself checked (a logo, a photo): inline, never sniffed, sandboxed.
pub fn image(content_type: &'static str, cache: &'static str, content: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CONTENT_SECURITY_POLICY, SANDBOX),
            (header::CACHE_CONTROL, cache),
        ],
        content,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_raster_images_are_inline() {
        for t in ["image/png", "image/JPEG", "image/gif; x=1", "image/webp"] {
            assert!(is_inline(t), "{t}");
        }
        for t in ["image/svg+xml", "text/html", "application/xhtml+xml", "text/plain", "application/pdf", ""] {
            assert!(!is_inline(t), "{t}");
        }
    }
}
