//! All figures in one run (the default): the visitor-message load of `load.rs` and the chat
//! creations of `creations.rs` against `beseda serve` (the one next to this benchmark, or
//! `--build`) as its own process, over a fresh SQLite database and — with `--database-url` —
//! then over a fresh database on that PostgreSQL server, each beside its baselines measured in
//! the same run (`baseline.rs`). One table, a column per backend.

use crate::baseline::{self, Baselines};
use crate::compare::run_on;
use crate::cpu::{ms_per, Spent};
use crate::load::Figures;
use crate::{fixture, ms, Args};
use anyhow::{Context, Result};
use std::path::Path;

/// Rows of each raw-insert baseline.
const BASELINE_ROWS: usize = 5000;

struct Column {
    name: &'static str,
    postgres: bool,
    figures: Figures,
    baselines: Baselines,
}

pub async fn run(args: &Args, dir: &Path) -> Result<()> {
    let bin = match &args.build {
        Some(bin) => bin.clone(),
        None => fixture::release_binary()?,
    };
    let mut backends: Vec<(&'static str, Option<&str>)> = vec![("SQLite", None)];
    if let Some(url) = &args.database_url {
        backends.push(("PostgreSQL", Some(url.as_str())));
    }
    println!(
        "Beseda benchmark — all figures in one run; `beseda serve` of {} as its own process; sqlite synchronous={}",
        bin.display(),
        args.sqlite_synchronous
    );
    println!("  {}", load_described(args));
    let mut columns = Vec::new();
    for (name, url) in backends {
        let figures = run_on(args, &bin, &dir.join(name), 0, url).await.with_context(|| format!("{name} run"))?;
        println!(
            "  {name}: {:.0} messages/s, {:.0} creations/s{}",
            figures.throughput,
            figures.creations.rate,
            crate::compare::errors_note(&figures)
        );
        if args.creations > 0 && figures.creations.completed == 0 {
            anyhow::bail!("{name}: none of {} chat creations completed", args.creations);
        }
        let baselines = match url {
            None => baseline::sqlite(&dir.join("baseline.db"), &args.sqlite_synchronous, BASELINE_ROWS).await?,
            Some(u) => baseline::postgres(u, BASELINE_ROWS).await?,
        };
        columns.push(Column { name, postgres: url.is_some(), figures, baselines });
    }
    print_table(args, &columns);
    Ok(())
}

/// One row: its name and a cell per backend.
type Row = (String, Vec<String>);

fn print_table(args: &Args, columns: &[Column]) {
    let row = |name: String, cell: &dyn Fn(&Column) -> String| -> Row { (name, columns.iter().map(cell).collect()) };
    let mut rows: Vec<Row> = vec![
        row(
            format!(
                "chat creations/s end to end ({} visitors at once: init + first message, both acknowledged)",
                args.visitors
            ),
            &|c| {
                let k = &c.figures.creations;
                let failed = if k.failed > 0 { format!(" ({} failed)", k.failed) } else { String::new() };
                format!("{:.0}{failed}", k.rate)
            },
        ),
        row("creation (init + first message), p50 / p99".into(), &|c| pair(c.figures.creations.pair)),
        row("baseline: raw visitor, chat and message rows, one commit per creation".into(), &|c| {
            format!("{:.0} creations/s", c.baselines.creation.rate)
        }),
        row("ratio creations end to end / raw".into(), &|c| {
            format!("{:.2}", c.figures.creations.rate / c.baselines.creation.rate)
        }),
        row(format!("durable messages/s end to end ({} visitors back to back)", args.visitors), &|c| {
            format!("{:.0}", c.figures.throughput)
        }),
        row("group commit in that phase".into(), &|c| match c.figures.shared_commits {
            Some((t, n)) => format!("{:.1} changes per commit ({t} transactions)", n as f64 / t as f64),
            None => "one commit per change".into(),
        }),
        row("delivery latency under that load, p50 / p99".into(), &|c| pair(c.figures.throughput_latency)),
        row("baseline: raw inserts of the same row, one commit each".into(), &|c| {
            format!("{:.0} rows/s", c.baselines.message.rate)
        }),
        row("ratio end to end / raw insert".into(), &|c| {
            format!("{:.2}", c.figures.throughput / c.baselines.message.rate)
        }),
        row("server CPU-ms per message (`beseda serve` process, throughput phase)".into(), &|c| {
            cpu(c, c.figures.cpu, c.figures.acked, false)
        }),
        row("server + database CPU-ms per message (PostgreSQL: its backends of this database)".into(), &|c| {
            cpu(c, c.figures.cpu, c.figures.acked, true)
        }),
        row("baseline: CPU-ms per raw insert (inserting process + database)".into(), &|c| {
            format!("{:.3}", c.baselines.message.cpu_ms)
        }),
        row("server + database CPU-ms per chat creation".into(), &|c| {
            cpu(c, c.figures.creations_cpu, c.figures.creations.completed, true)
        }),
        row("baseline: CPU-ms per raw creation".into(), &|c| format!("{:.3}", c.baselines.creation.cpu_ms)),
    ];
    for &rate in &args.rates {
        rows.push(row(format!("delivery latency at {rate} msg/s offered: achieved rate, p50 / p99"), &|c| match c
            .figures
            .at(rate)
        {
            Some(p) => {
                let failed = if p.failed > 0 { format!(", {} failed", p.failed) } else { String::new() };
                let kept = if p.sustained() { "" } else { " **not sustained**" };
                format!("{:.0} msg/s{kept}{failed}; {}", p.achieved, pair(p.delivery))
            }
            None => "n/a".into(),
        }));
        rows.push(row(format!("acknowledgement (committed) at {rate} msg/s, p50 / p99"), &|c| {
            c.figures.at(rate).map_or("n/a".into(), |p| pair(p.acks))
        }));
    }
    rows.push(row("messages delivered to the operator stream".into(), &|c| c.figures.delivered.to_string()));
    rows.push(row("errors the server logged over the run".into(), &|c| c.figures.server_errors.0.to_string()));

    println!();
    let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
    println!("| figure | {} |", names.join(" | "));
    println!("|---|{}", "---|".repeat(columns.len()));
    for (name, cells) in rows {
        println!("| {name} | {} |", cells.join(" | "));
    }
    for c in columns {
        for p in c.figures.paced.iter().filter(|p| !p.sustained()) {
            println!(
                "{}: {} msg/s offered is above what the server sustained here: {:.0} msg/s achieved{}.",
                c.name,
                p.offered,
                p.achieved,
                if p.failed > 0 { format!(", {} messages failed", p.failed) } else { String::new() }
            );
        }
    }
}

fn pair((p50, p99): (Option<std::time::Duration>, Option<std::time::Duration>)) -> String {
    format!("{} / {}", ms(p50), ms(p99))
}

/// CPU-ms per thing; `with_database` adds the PostgreSQL backends (SQLite runs inside the
/// server process, so there the figure is the server's).
fn cpu(c: &Column, spent: Option<Spent>, count: usize, with_database: bool) -> String {
    let Some(spent) = spent else { return "n/a".into() };
    let total = match (with_database && c.postgres, spent.database) {
        (false, _) => spent.server,
        (true, Some(db)) => spent.server + db,
        (true, None) => return "n/a (database backends not readable here)".into(),
    };
    format!("{:.3}", ms_per(total, count))
}

/// The load a run offers, in one line.
pub(crate) fn load_described(args: &crate::Args) -> String {
    format!(
        "{} visitors, {} operators, {} messages per visitor; {} msg/s offered for {} s each; {} chat creations",
        args.visitors,
        args.operators,
        args.messages,
        crate::rates(args),
        args.seconds,
        args.creations
    )
}
