//! `--log FILE`: a structured log (JSON lines) of what the program does — every Director
//! request with its duration and outcome — written only to the file, never to the terminal.
//! Nothing logged carries a secret: tokens live in `SecretString` and are never fields.

use std::fs::File;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Installs the file logger; without a path, nothing is logged.
pub fn init(path: Option<&Path>) -> Result<(), String> {
    let Some(path) = path else {
        return Ok(());
    };
    let mut options = File::options();
    options.create(true).append(true);
    // A new log is readable by its owner only: it names systems and formations.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))?;
    let filter = EnvFilter::try_from_env("FORMATION_WIZARD_LOG")
        .unwrap_or_else(|_| EnvFilter::new("formation_wizard=info,warn"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .map_err(|e| format!("cannot set up logging: {e}"))
}
