//! Log output: level filter and format from the configuration (checked when it was loaded),
//! to standard error; colours only when standard error is a terminal.

use crate::config::Settings;
use std::io::IsTerminal;

pub fn init_logging(config: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
