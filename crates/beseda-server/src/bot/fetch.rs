//! `file_operator` by URL (bot-api.md §5.1): Beseda downloads the file the bot names — http(s)
//! only, at most 3 redirects, 10 s, no larger than the upload limit, and never from private or
//! loopback addresses unless the deployment allows it. A Beseda file link is reused without
//! downloading.

use super::api::BotError;
use crate::auth;
use crate::state::AppState;
use crate::visitor::files::image_size;
use axum::http::StatusCode;
use beseda_core::ids::FileGuid;
use beseda_store::NewFile;
use std::net::IpAddr;
use std::time::Duration;

const MAX_REDIRECTS: usize = 3;
const TIME_LIMIT: Duration = Duration::from_secs(10);

fn failed(why: impl Into<String>) -> BotError {
    BotError::new(StatusCode::UNPROCESSABLE_ENTITY, "file-download-failed", why)
}

/// Loopback, private, link-local, unspecified and other non-public addresses.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

async fn check_host(state: &AppState, url: &reqwest::Url) -> Result<(), BotError> {
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(BotError::wrong("data.url must be an http or https URL"));
    }
    if state.config.bot_files_allow_private_addresses {
        return Ok(());
    }
    let host = url.host_str().ok_or_else(|| BotError::wrong("data.url has no host"))?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| failed(format!("cannot resolve {host}: {e}")))?;
    for a in addrs {
        if is_private(a.ip()) {
            return Err(failed(format!("{host} is a private or loopback address")));
        }
    }
    Ok(())
}

/// A file already in Beseda, named by its bot link.
async fn own_link(state: &AppState, link_key: &str, url: &reqwest::Url) -> Result<Option<NewFile>, BotError> {
    let prefix = format!("{}/api/bot/v2/file/", state.origin.get());
    let Some(rest) = url.as_str().strip_prefix(&prefix) else { return Ok(None) };
    let guid = rest.split('?').next().and_then(FileGuid::parse).ok_or_else(|| failed("not a file link"))?;
    let hash = url.query_pairs().find(|(k, _)| k == "hash").map(|(_, v)| v.into_owned()).unwrap_or_default();
    if link_key.is_empty() || !auth::same(&auth::hmac_hex(link_key, guid.as_str()), &hash) {
        return Err(failed("the file link is not signed for this caller"));
    }
    let file = state.store.file(&guid).await.map_err(BotError::from)?.ok_or_else(|| failed("no such file"))?;
    Ok(Some(NewFile {
        guid: FileGuid::random(),
        filename: file.filename,
        content_type: file.content_type,
        client_content_type: file.client_content_type,
        size: file.size,
        width: file.width,
        height: file.height,
        content: file.content,
    }))
}

/// Fetches a file named by URL; `link_key` (a bot's token or a channel's secret) lets a Beseda
/// file link signed with it be reused without downloading.
pub async fn fetch(
    state: &AppState,
    link_key: &str,
    url: &str,
    name: Option<&str>,
    media_type: Option<&str>,
) -> Result<NewFile, BotError> {
    let mut url = reqwest::Url::parse(url).map_err(|_| BotError::wrong("data.url is not a URL"))?;
    if let Some(file) = own_link(state, link_key, &url).await? {
        return Ok(file);
    }
    let limit = state.store.settings().await.map_err(BotError::from)?.max_upload_bytes() as usize;
    let download = async {
        let mut redirects = 0;
        loop {
            check_host(state, &url).await?;
            let mut resp =
                state.http.get(url.clone()).send().await.map_err(|e| failed(format!("request failed: {e}")))?;
            if resp.status().is_redirection() {
                redirects += 1;
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| failed("redirect without a location"))?;
                if redirects > MAX_REDIRECTS {
                    return Err(failed("too many redirects"));
                }
                url = url.join(location).map_err(|_| failed("bad redirect location"))?;
                continue;
            }
            if !resp.status().is_success() {
                return Err(failed(format!("HTTP {}", resp.status().as_u16())));
            }
            let declared = resp
                .headers()
                .get("content-type")
                .and_then(|c| c.to_str().ok())
                .map(|c| c.split(';').next().unwrap_or(c).trim().to_owned());
            let mut bytes = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| failed(format!("reading failed: {e}")))? {
                if bytes.len() + chunk.len() > limit {
                    return Err(BotError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "max-file-size-exceeded",
                        "the file is larger than the upload limit",
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            return Ok((bytes, declared, url.clone()));
        }
    };
    let (bytes, declared, final_url) =
        tokio::time::timeout(TIME_LIMIT, download).await.map_err(|_| failed("timeout after 10 s"))??;
    if bytes.is_empty() {
        return Err(failed("the file is empty"));
    }
    let filename = name
        .map(str::to_owned)
        .or_else(|| {
            final_url.path_segments().and_then(|mut s| s.next_back()).filter(|s| !s.is_empty()).map(str::to_owned)
        })
        .unwrap_or_else(|| "file".into());
    let content_type = media_type.map(str::to_owned).or(declared).unwrap_or_else(|| "application/octet-stream".into());
    let (width, height) = image_size(&bytes).map_or((None, None), |(w, h)| (Some(w), Some(h)));
    Ok(NewFile {
        guid: FileGuid::random(),
        filename: filename.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(255).collect(),
        client_content_type: content_type.clone(),
        content_type,
        size: bytes.len() as i64,
        width,
        height,
        content: bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::is_private;

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.1.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "100.64.0.1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(!is_private(ip.parse().expect("ip")), "{ip}");
        }
    }
}
