//! Reading a password on the command line.

use anyhow::{Context, Result};
use std::io::{BufRead, IsTerminal};

/// Reads a password without echoing it: from the terminal when there is one, else one line
/// of standard input.
pub fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        // Typed unseen, so typed twice.
        let first = rpassword::prompt_password("Password: ").context("reading the password")?;
        let again = rpassword::prompt_password("Password again: ").context("reading the password")?;
        anyhow::ensure!(first == again, "the two passwords differ; nothing was changed");
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
