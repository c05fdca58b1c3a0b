//! Server CPU time over a phase of the load: user + system time of the `beseda serve` process
//! from `/proc/<pid>/stat` (all its threads), and on PostgreSQL of the database server's
//! backends serving that database (`pg_stat_activity`, when the database server runs on this
//! machine). The load generator's own CPU is not counted: it is another process.

use anyhow::{Context, Result};
use std::collections::HashMap;
use std::time::Duration;

/// User + system CPU time of process `pid` (every thread of it), from `/proc/<pid>/stat`.
pub fn process_cpu(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).with_context(|| format!("/proc/{pid}/stat"))?;
    parse_stat(&stat, ticks_per_second())
}

/// utime and stime (fields 14 and 15) of a `/proc/<pid>/stat` line; the command name (field 2)
/// is in parentheses and may hold spaces, so fields are counted after its closing one.
fn parse_stat(stat: &str, ticks: u64) -> Result<Duration> {
    let rest = &stat[stat.rfind(')').context("stat: no command name")? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): utime is field 14, stime 15.
    let utime: u64 = fields.get(11).context("stat: utime")?.parse()?;
    let stime: u64 = fields.get(12).context("stat: stime")?.parse()?;
    Ok(Duration::from_secs_f64((utime + stime) as f64 / ticks as f64))
}

/// Clock ticks per second of `/proc` times (`getconf CLK_TCK`; 100 on Linux everywhere).
fn ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|t| *t > 0)
            .unwrap_or(100)
    })
}

/// What is watched: the server process, and on PostgreSQL the database whose backends count.
pub struct Probe {
    pub pid: u32,
    /// (URL of the PostgreSQL server to ask, name of the database the server uses).
    pub postgres: Option<(String, String)>,
}

/// CPU times at one moment.
pub struct Sample {
    server: Duration,
    backends: Option<HashMap<u32, Duration>>,
}

/// CPU spent between two samples.
#[derive(Clone, Copy, Debug, Default)]
pub struct Spent {
    pub server: Duration,
    /// The PostgreSQL backends of the database (None on SQLite, or when they cannot be read).
    pub database: Option<Duration>,
}

impl Probe {
    pub async fn sample(&self) -> Result<Sample> {
        let backends = match &self.postgres {
            Some((url, db)) => backend_cpu(url, db).await.ok(),
            None => None,
        };
        Ok(Sample { server: process_cpu(self.pid)?, backends })
    }
}

impl Sample {
    /// CPU spent from `self` to `later`. A backend that appeared meanwhile counts whole; one
    /// that ended meanwhile is lost (the pool keeps its connections, so that is rare).
    pub fn until(&self, later: &Sample) -> Spent {
        let database = match (&self.backends, &later.backends) {
            (Some(before), Some(after)) => {
                Some(after.iter().map(|(pid, t)| t.saturating_sub(before.get(pid).copied().unwrap_or_default())).sum())
            }
            _ => None,
        };
        Spent { server: later.server.saturating_sub(self.server), database }
    }
}

/// CPU time of each PostgreSQL backend connected to database `db`, when they run on this
/// machine (their pids readable in /proc).
async fn backend_cpu(url: &str, db: &str) -> Result<HashMap<u32, Duration>> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let pids: Vec<i32> =
        sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = $1").bind(db).fetch_all(&mut conn).await?;
    let _ = conn.close().await;
    // A backend may end between the query and the read; none readable means another machine.
    let out: HashMap<u32, Duration> =
        pids.iter().filter_map(|&pid| Some((pid as u32, process_cpu(pid as u32).ok()?))).collect();
    if out.is_empty() && !pids.is_empty() {
        anyhow::bail!("the PostgreSQL backends are not processes of this machine");
    }
    Ok(out)
}

/// Milliseconds of `spent` per `count` things.
pub fn ms_per(spent: Duration, count: usize) -> f64 {
    spent.as_secs_f64() * 1000.0 / count.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_system_time_are_read_after_the_command_name() {
        let stat = "4242 (beseda (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_stat(stat, 100).expect("a stat line"), Duration::from_secs(3));
    }

    #[test]
    fn this_process_has_spent_some_cpu() {
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        assert!(x != 1);
        assert!(process_cpu(std::process::id()).expect("own stat") > Duration::ZERO);
    }
}
