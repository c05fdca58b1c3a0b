//! Two builds compared in one run (`--compare-build`): the visitor-message load of `load.rs`
//! against `beseda serve` of build A and of build B, each round over a fresh database (a new
//! data directory, or a new database on the PostgreSQL server of `--database-url`), in the
//! order A, B, A, B, … so that whatever drifts on the machine meanwhile (other load, caches,
//! the disk) falls on both builds alike. The table gives each figure's median over the rounds.
//!
//! Everything a build is asked goes through its command line and its HTTP APIs (`migrate`,
//! `operator add`, `serve`), which any two versions share, so an older build compares as it is.

use crate::cpu::{ms_per, Spent};
use crate::fixture::{self, Serve};
use crate::load::{self, Figures, Paced};
use crate::{ms, Args};
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Build {
    label: &'static str,
    bin: PathBuf,
    runs: Vec<Figures>,
}

pub async fn run(args: &Args, dir: &Path) -> Result<()> {
    let a = match &args.build {
        Some(bin) => bin.clone(),
        None => fixture::release_binary()?,
    };
    let b = args.compare_build.clone().context("--compare-build")?;
    let mut builds = [Build { label: "A", bin: a, runs: Vec::new() }, Build { label: "B", bin: b, runs: Vec::new() }];
    for build in &builds {
        if !build.bin.is_file() {
            bail!("{} is not a file", build.bin.display());
        }
    }
    let backend = if args.database_url.is_some() { "postgres" } else { "sqlite" };
    println!("Beseda build comparison — backend {backend}, sqlite synchronous={}", args.sqlite_synchronous);
    for build in &builds {
        println!("  {}: {} ({})", build.label, build.bin.display(), version(&build.bin));
    }
    println!("  {} rounds of A then B; {}", args.rounds, crate::report::load_described(args));
    for round in 0..args.rounds.max(1) {
        for build in &mut builds {
            let data = dir.join(format!("{}-{round}", build.label));
            let figures = one_run(args, &build.bin, &data, 0)
                .await
                .with_context(|| format!("round {} of build {} ({})", round + 1, build.label, build.bin.display()))?;
            println!(
                "  round {} {}: {:.0} messages/s, {:.0} creations/s, paced delivery p50 {}{}",
                round + 1,
                build.label,
                figures.throughput,
                figures.creations.rate,
                figures.paced.first().map_or("n/a".into(), |p| ms(p.delivery.0)),
                errors_note(&figures)
            );
            build.runs.push(figures);
        }
    }
    let [a, b] = &builds;
    print_table(args, a, b);
    Ok(())
}

/// `bin --version`, for the heading.
fn version(bin: &Path) -> String {
    std::process::Command::new(bin)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "version unknown".into())
}

/// A fresh database migrated and given the operators by `bin`'s own commands (and, with
/// `waiting` > 0, that many waiting chats holding `--stored-messages` messages: `history.rs`),
/// then its `serve` under the load.
pub(crate) async fn one_run(args: &Args, bin: &Path, data: &Path, waiting: usize) -> Result<Figures> {
    run_on(args, bin, data, waiting, args.database_url.as_deref()).await
}

/// [`one_run`] on SQLite (`postgres` None) or on a fresh database of the PostgreSQL server
/// at `postgres`.
pub(crate) async fn run_on(
    args: &Args,
    bin: &Path,
    data: &Path,
    waiting: usize,
    postgres: Option<&str>,
) -> Result<Figures> {
    std::fs::create_dir_all(data)?;
    let mut env: Vec<(&str, String)> = Vec::new();
    let mut database = None;
    if let Some(server) = postgres {
        let url = beseda_store::testing::fresh_postgres_database(server).await?;
        database = Some((server.to_owned(), database_name(&url)));
        env.push(("BESEDA_DATABASE_URL", url));
    }
    if args.sqlite_synchronous != "full" {
        env.push(("BESEDA_SQLITE_SYNCHRONOUS", args.sqlite_synchronous.clone()));
    }
    command(bin, &["migrate"], data, &env, None)?;
    let emails: Vec<String> = (0..args.operators).map(|i| format!("bench{i}@bench.local")).collect();
    for email in &emails {
        let args = ["operator", "add", "--email", email, "--name", email];
        command(bin, &args, data, &env, Some(fixture::PASSWORD))?;
    }
    if waiting > 0 {
        let url = env.iter().find(|(k, _)| *k == "BESEDA_DATABASE_URL").map(|(_, v)| v.as_str());
        crate::history::seed(url, &data.join("beseda.db"), waiting, args.stored_messages).await?;
    }
    // The server's log goes to a file beside the data directory; its errors are counted below.
    let log = data.with_extension("log");
    let server = Serve::start_binary(bin, data, &env, Some(&log)).await?;
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for email in &emails {
        tokens.push(fixture::token(&http, &server.base, email, true).await?);
    }
    let addr = server.base.trim_start_matches("http://").parse().context("server address")?;
    let probe = crate::cpu::Probe { pid: server.pid(), postgres: database };
    let figures = load::measure(args, addr, &tokens, Some(&probe)).await;
    drop(server);
    // Let the stopped server's files and sockets go before the next build starts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = std::fs::remove_dir_all(data);
    let errors = server_errors(&log);
    figures.map(|f| Figures { server_errors: errors, ..f })
}

/// How many errors the server logged (e.g. a pool that timed out at a rate it could not
/// sustain), and the first one.
fn server_errors(log: &Path) -> (usize, Option<String>) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let _ = std::fs::remove_file(log);
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
    (errors.len(), errors.first().map(|l| l.trim().to_owned()))
}

/// The progress line's note of the errors the server logged, if any.
pub(crate) fn errors_note(f: &Figures) -> String {
    match &f.server_errors {
        (0, _) => String::new(),
        (n, first) => {
            format!("\n    the server logged {n} errors, the first: {}", first.as_deref().unwrap_or_default())
        }
    }
}

/// The database a PostgreSQL URL names (its path, without the query).
fn database_name(url: &str) -> String {
    let path = url.split('?').next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

/// Runs `bin args --data-dir data` to completion, `stdin` written to it.
fn command(bin: &Path, args: &[&str], data: &Path, env: &[(&str, String)], stdin: Option<&str>) -> Result<()> {
    let mut cmd = std::process::Command::new(bin);
    cmd.args(args)
        .arg("--data-dir")
        .arg(data)
        .env("BESEDA_LOG_LEVEL", "warn")
        .env_remove("BESEDA_DATABASE_URL")
        .env_remove("BESEDA_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().with_context(|| format!("starting {}", bin.display()))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        writeln!(pipe, "{text}")?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("{} {} failed: {}", bin.display(), args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// The median of `values` (which are not empty).
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

pub(crate) fn millis(d: Option<Duration>) -> f64 {
    d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

/// How a figure is picked from a run.
pub(crate) type Pick = Box<dyn Fn(&Figures) -> f64>;

/// Decimals a figure is printed with, by its unit.
pub(crate) fn digits(unit: &str) -> usize {
    match unit {
        "" => 0,
        " CPU-ms" => 3,
        _ => 2,
    }
}

/// Server CPU-ms per thing (with the PostgreSQL backends of its database, when read).
fn cpu_ms(spent: Option<Spent>, count: usize) -> f64 {
    spent.map_or(f64::NAN, |s| ms_per(s.server + s.database.unwrap_or_default(), count))
}

/// The figures of a table of runs side by side: name, how it is picked, unit.
pub(crate) fn rows(args: &Args) -> Vec<(String, Pick, &'static str)> {
    let mut rows: Vec<(String, Pick, &'static str)> = vec![
        (
            format!("chat creations/s end to end ({} visitors at once: init + first message)", args.visitors),
            Box::new(|f| f.creations.rate),
            "",
        ),
        ("creation (init + first message), p50".into(), Box::new(|f| millis(f.creations.pair.0)), " ms"),
        ("creation (init + first message), p99".into(), Box::new(|f| millis(f.creations.pair.1)), " ms"),
        (
            format!("durable messages/s end to end ({} visitors back to back)", args.visitors),
            Box::new(|f| f.throughput),
            "",
        ),
        ("delivery latency under that load, p50".into(), Box::new(|f| millis(f.throughput_latency.0)), " ms"),
        ("delivery latency under that load, p99".into(), Box::new(|f| millis(f.throughput_latency.1)), " ms"),
        ("server CPU per message (+ PostgreSQL backends)".into(), Box::new(|f| cpu_ms(f.cpu, f.acked)), " CPU-ms"),
        (
            "server CPU per chat creation (+ PostgreSQL backends)".into(),
            Box::new(|f| cpu_ms(f.creations_cpu, f.creations.completed)),
            " CPU-ms",
        ),
    ];
    for &rate in &args.rates {
        let at = move |f: &Figures, pick: fn(&Paced) -> f64| f.at(rate).map_or(f64::NAN, pick);
        rows.push((
            format!("messages/s achieved at {rate} msg/s offered"),
            Box::new(move |f| at(f, |p| p.achieved)),
            "",
        ));
        rows.push((
            format!("delivery latency at {rate} msg/s offered, p50"),
            Box::new(move |f| at(f, |p| millis(p.delivery.0))),
            " ms",
        ));
        rows.push((
            format!("delivery latency at {rate} msg/s offered, p99"),
            Box::new(move |f| at(f, |p| millis(p.delivery.1))),
            " ms",
        ));
        rows.push((
            format!("acknowledgement (committed) at {rate} msg/s, p50"),
            Box::new(move |f| at(f, |p| millis(p.acks.0))),
            " ms",
        ));
        rows.push((
            format!("acknowledgement (committed) at {rate} msg/s, p99"),
            Box::new(move |f| at(f, |p| millis(p.acks.1))),
            " ms",
        ));
    }
    rows
}

fn print_table(args: &Args, a: &Build, b: &Build) {
    println!();
    println!("| figure (median of {} rounds) | A | B | B / A |", a.runs.len());
    println!("|---|---|---|---|");
    for (name, pick, unit) in rows(args) {
        let va = median(a.runs.iter().map(&pick).collect());
        let vb = median(b.runs.iter().map(&pick).collect());
        let digits = digits(unit);
        println!("| {name} | {va:.digits$}{unit} | {vb:.digits$}{unit} | {:.2} |", vb / va);
    }
    let delivered = |build: &Build| build.runs.iter().map(|f| f.delivered.to_string()).collect::<Vec<_>>().join(", ");
    println!("| messages delivered to the operator stream, by round | {} | {} | |", delivered(a), delivered(b));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
