use std::process::ExitCode;

use clap::Parser;
use formation_wizard::catalog::Catalog;
use formation_wizard::cli::Cli;
use formation_wizard::error::{AppError, exit};
use formation_wizard::{commands, text};

fn main() -> ExitCode {
    let cli = Cli::parse();
    formation_wizard::backend::set_lock_timeout(
        cli.effective_source()
            .lock_timeout
            .map_or(formation_wizard::backend::DEFAULT_LOCK_TIMEOUT, |s| {
                std::time::Duration::from_secs_f64(s)
            }),
    );
    if let Err(e) = formation_wizard::logging::init(cli.logging.log.as_deref()) {
        return fail(&AppError::Usage(e));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(&AppError::Usage(format!("cannot start the runtime: {e}"))),
    };
    let code = runtime.block_on(async {
        let catalog = Catalog::embedded()?;
        let mut source = cli.effective_source();
        // Which landscape: flags, else $FORMATION_WIZARD_PROFILE, else the default profile,
        // else the demo. Not for the commands that read no landscape of the user's.
        use formation_wizard::cli::Command as C;
        if !matches!(
            cli.command,
            Some(C::Types { .. } | C::Generate(_) | C::Sandbox(_) | C::Login(_) | C::Logout { .. })
        ) {
            source = source.with_chosen_profile().map_err(AppError::Usage)?;
        }
        if source.reset_demo {
            formation_wizard::reset::reset_demo(source.yes)?;
            source.reset_demo = false;
        }
        match &cli.command {
            Some(formation_wizard::cli::Command::Manage { .. }) => {
                formation_wizard::tui::run_manage(&source.source(), &cli.wizard, catalog).await
            }
            Some(command) => commands::run(command, &source, &catalog).await,
            None => formation_wizard::tui::run(&source.source(), &cli.wizard, catalog).await,
        }
    });
    match code {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(&e),
    }
}

fn fail(e: &AppError) -> ExitCode {
    eprintln!("formation-wizard: {}", text::message(&e.to_string()));
    ExitCode::from(e.exit_code().max(exit::RULES_NOT_SATISFIED + 1))
}
