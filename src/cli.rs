//! The command line (DESIGN.md §3).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::backend::Source;

/// Create SAP BTP System Landscape formations from a terminal: a four-step wizard with a
/// live rule checker, and scriptable `check` and `create` commands on the same rules.
///
/// With no command, opens the wizard. With no --landscape, works on the embedded demo
/// landscape (copied into your data directory on first use, so what you create persists).
#[derive(Debug, Parser)]
#[command(name = "formation-wizard", version, about, long_about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub wizard: WizardArgs,
}

const EXIT_CODES: &str = "Exit codes: 0 valid or created; 1 rules not satisfied (nothing changed); \
2 input or usage error; 3 the backend failed; 130 cancelled.";

#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// The landscape file to work on (default: the demo landscape).
    #[arg(long, value_name = "FILE", global = true)]
    pub landscape: Option<PathBuf>,

    /// Restore the demo landscape to its original content first.
    #[arg(long, global = true, conflicts_with = "landscape")]
    pub reset_demo: bool,
}

impl SourceArgs {
    pub fn source(&self) -> Source {
        match &self.landscape {
            Some(path) => Source::File(path.clone()),
            None => Source::Demo {
                reset: self.reset_demo,
            },
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct WizardArgs {
    /// Pre-fill the formation name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Pre-fill the formation type (id, display name or former display name).
    #[arg(long = "type", value_name = "TYPE")]
    pub formation_type: Option<String>,
    /// Pre-select a system by id (repeatable).
    #[arg(long = "system", value_name = "ID")]
    pub systems: Vec<String>,
    /// Do not use colours (also when NO_COLOR is set).
    #[arg(long)]
    pub no_color: bool,
    /// Enable mouse support.
    #[arg(long)]
    pub mouse: bool,
    /// Write a log to this file.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a formation against every rule without creating it (exit 0 valid, 1 not).
    Check(PlanArgs),
    /// Check and create a formation (exit 0 created, 1 rules not satisfied).
    Create {
        #[command(flatten)]
        plan: PlanArgs,
        /// Check and show what would be created, but change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the formation types of the catalog with their rules.
    Types {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the systems; with --type, which can join a formation of that type and why not.
    Systems {
        /// A formation type (id, display name or former display name).
        #[arg(long = "type", value_name = "TYPE")]
        formation_type: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a realistic generated landscape file (for benchmarks and rehearsals).
    Generate(GenerateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// How many systems.
    #[arg(long, default_value_t = 1000)]
    pub systems: usize,
    /// About how many formations.
    #[arg(long, default_value_t = 100)]
    pub formations: usize,
    /// The same seed gives the same landscape.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// The formation name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The formation type: id, display name or former display name.
    #[arg(long = "type", value_name = "TYPE")]
    pub formation_type: String,
    /// A system to include, by id (repeat for each system).
    #[arg(long = "system", value_name = "ID")]
    pub systems: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}
