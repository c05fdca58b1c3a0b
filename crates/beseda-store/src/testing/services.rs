//! The outside services some tests need (PostgreSQL, NATS), and the line a skipped test prints.
//!
//! Tests that need a service run only when its URL is in the environment. A skipped test still
//! passes, so libtest would hide anything it printed with `print!`/`eprint!` (that output is
//! captured); the line is written to the process's stderr directly, which libtest does not
//! capture, so whoever runs `cargo test --workspace` sees what did not run and how to run it.

use std::io::Write;

/// A service a test can need.
pub struct Service {
    /// How the skip line names it.
    pub name: &'static str,
    /// The environment variable holding its URL.
    pub var: &'static str,
    /// An example value for the hint.
    pub example: &'static str,
}

pub const POSTGRES: Service =
    Service { name: "PostgreSQL", var: "BESEDA_TEST_DATABASE_URL", example: "postgres://postgres@127.0.0.1:5432/test" };

pub const NATS: Service = Service { name: "NATS", var: "BESEDA_TEST_NATS_URL", example: "nats://127.0.0.1:4222" };

/// The URLs of `services` for `test`, or `None` after printing one `SKIPPED` line that names the
/// test, the missing services and the variables that would run it.
pub fn service_urls<const N: usize>(test: &str, services: [&Service; N]) -> Option<[String; N]> {
    let urls = services.map(|s| std::env::var(s.var).ok().filter(|u| !u.is_empty()));
    if urls.iter().all(Option::is_some) {
        return Some(urls.map(Option::unwrap_or_default));
    }
    let missing: Vec<&Service> = services.iter().zip(&urls).filter(|(_, u)| u.is_none()).map(|(s, _)| *s).collect();
    report_skipped(&skip_line(test, &missing));
    None
}

/// The PostgreSQL URL for `test`, or `None` (the skip is reported).
pub fn database_url(test: &str) -> Option<String> {
    service_urls(test, [&POSTGRES]).map(|[url]| url)
}

fn skip_line(test: &str, missing: &[&Service]) -> String {
    let names: Vec<&str> = missing.iter().map(|s| s.name).collect();
    let settings: Vec<String> = missing.iter().map(|s| format!("{}={}", s.var, s.example)).collect();
    format!("SKIPPED  {test} on {} — set {} to run it\n", names.join(" and "), settings.join(" "))
}

/// Writes straight to stderr: see the module comment for why not `eprintln!`.
fn report_skipped(line: &str) {
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skip_line_names_the_test_the_services_and_the_variables() {
        assert_eq!(
            skip_line("multinode::two_nodes", &[&POSTGRES, &NATS]),
            "SKIPPED  multinode::two_nodes on PostgreSQL and NATS — set \
             BESEDA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
             BESEDA_TEST_NATS_URL=nats://127.0.0.1:4222 to run it\n"
        );
    }
}
