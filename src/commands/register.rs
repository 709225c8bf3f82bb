//! `register`, `token`, `wait`, `pair`: the prerequisite loop from a terminal. Register a
//! system (or pick one), request a registration token with the scenario groups its type
//! needs, enter the token in SAP S/4HANA Cloud, and follow the system until it is
//! CONNECTED with those groups. The token is printed here and nowhere else.

use std::time::Duration;

use secrecy::ExposeSecret;
use serde::Serialize;

use crate::backend::Backend;
use crate::backend::registration::{self as reg, IssuedToken, NewSystem};
use crate::catalog::Catalog;
use crate::cli::{Command, Format, RegisterArgs, SourceArgs, TokenArgs, WaitArgs};
use crate::error::{AppError, exit};
use crate::landscape::System;
use crate::ops;
use crate::text::neutralise;

pub async fn run(
    command: &Command,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let backend = super::open(source)?;
    let backend = backend.as_ref();
    match command {
        Command::Register(args) => register(backend, args, source, catalog).await,
        Command::Token(args) => token(backend, args, source, catalog).await,
        Command::Wait(args) => wait(backend, args, catalog).await,
        Command::Pair { system, .. } => pair(backend, system, source, catalog).await,
        _ => Err(AppError::Usage("not a registration command".into())),
    }
}

async fn register(
    backend: &dyn Backend,
    args: &RegisterArgs,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let new = NewSystem {
        name: args.name.trim().to_owned(),
        system_type: args.system_type.clone(),
        description: args.description.clone(),
    };
    new.check(catalog).map_err(AppError::Usage)?;
    let groups = groups_for(catalog, &args.scenario_groups, &new.system_type)?;
    let what = format!(
        "Register the system \"{}\" of type {} and request its registration token{}",
        neutralise(&new.name),
        neutralise(&new.system_type),
        with_groups(&groups)
    );
    if !deliberate(source, backend, &what).await? {
        eprintln!("Nothing was changed.");
        return Ok(exit::CANCELLED);
    }
    let system = ops::register::register(&ops::Ctx::new(backend, catalog), &new).await?;
    eprintln!(
        "Registered \"{}\" as {}.",
        neutralise(&system.name),
        neutralise(&system.id)
    );
    let issued = backend.request_token(&system.id, &groups, catalog).await?;
    show(args.format, &system, &issued);
    Ok(exit::OK)
}

async fn token(
    backend: &dyn Backend,
    args: &TokenArgs,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let system = backend.system(&args.system, catalog).await?;
    let groups = groups_for(catalog, &args.scenario_groups, &system.system_type)?;
    let what = format!(
        "Request a new registration token for \"{}\" ({}){}",
        neutralise(&system.name),
        neutralise(&system.id),
        with_groups(&groups)
    );
    if !deliberate(source, backend, &what).await? {
        eprintln!("Nothing was changed.");
        return Ok(exit::CANCELLED);
    }
    let issued = backend.request_token(&system.id, &groups, catalog).await?;
    show(args.format, &system, &issued);
    Ok(exit::OK)
}

async fn pair(
    backend: &dyn Backend,
    system: &str,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let found = backend.system(system, catalog).await?;
    let what = format!(
        "Use the latest registration token of \"{}\" ({}) as SAP S/4HANA Cloud would",
        neutralise(&found.name),
        neutralise(&found.id)
    );
    if !deliberate(source, backend, &what).await? {
        eprintln!("Nothing was changed.");
        return Ok(exit::CANCELLED);
    }
    backend.pair(&found.id, catalog).await?;
    println!("\"{}\" is now CONNECTED.", neutralise(&found.name));
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Waited<'a> {
    system_id: &'a str,
    name: &'a str,
    condition: Option<&'a str>,
    scenario_groups: Vec<String>,
    connected: bool,
}

async fn wait(backend: &dyn Backend, args: &WaitArgs, catalog: &Catalog) -> Result<u8, AppError> {
    let first = backend.system(&args.system, catalog).await?;
    let groups = groups_for(catalog, &args.scenario_groups, &first.system_type)?;
    eprintln!(
        "Waiting for \"{}\" to be CONNECTED{} (up to {} s)…",
        neutralise(&first.name),
        with_groups(&groups),
        args.timeout
    );
    let policy = ops::Policy {
        timeout: Duration::from_secs_f64(args.timeout),
        ..ops::Policy::default()
    };
    let id = first.id.clone();
    // The first look is the one just made; each later one reads the system again.
    let first = std::cell::RefCell::new(Some(first));
    let last = std::cell::RefCell::new(String::new());
    let (system, connected) = ops::follow::until(&policy, &ops::Interrupt::new(), |_| {
        let now = first.borrow_mut().take();
        let (id, groups, last) = (&id, &groups, &last);
        async move {
            let system = match now {
                Some(s) => s,
                None => backend.system(id, catalog).await?,
            };
            let said = describe(&system, catalog);
            if said != *last.borrow() {
                eprintln!("  {said}");
                *last.borrow_mut() = said;
            }
            let connected = reg::connected_with(&system, groups, catalog);
            Ok((system, connected))
        }
    })
    .await?;
    Ok(finish(args, &system, catalog, connected))
}

fn finish(args: &WaitArgs, system: &System, catalog: &Catalog, connected: bool) -> u8 {
    let out = Waited {
        system_id: &system.id,
        name: &system.name,
        condition: system.condition.as_deref(),
        scenario_groups: crate::rules::registration::display_groups(catalog, system),
        connected,
    };
    crate::commands::print(args.format, &out, || {
        if connected {
            format!("\"{}\" is CONNECTED.\n", neutralise(&system.name))
        } else {
            format!(
                "\"{}\" is not connected yet after {} s.\n",
                neutralise(&system.name),
                args.timeout
            )
        }
    });
    if connected {
        exit::OK
    } else {
        exit::RULES_NOT_SATISFIED
    }
}

/// The system's registration in a few words, for progress lines.
fn describe(s: &System, catalog: &Catalog) -> String {
    let condition = s.condition.as_deref().unwrap_or("no condition");
    let token = match &s.latest_token {
        None if s.token_unreadable => "its token cannot be read with these credentials".into(),
        None => "no token requested".to_owned(),
        Some(t) => format!(
            "token {} ({})",
            if t.used { "used" } else { "not used yet" },
            neutralise(&crate::rules::registration::display_groups(catalog, s).join(", "))
        ),
    };
    format!("{}: {condition}, {token}", neutralise(&s.name))
}

/// The groups given (by name or key), or those the catalog's types need of `system_type`.
fn groups_for(
    catalog: &Catalog,
    given: &[String],
    system_type: &str,
) -> Result<Vec<String>, AppError> {
    if given.is_empty() {
        return Ok(reg::needed_groups(catalog, system_type));
    }
    given
        .iter()
        .map(|g| reg::group_named(catalog, g).map_err(AppError::Usage))
        .collect()
}

fn with_groups(groups: &[String]) -> String {
    match groups {
        [] => String::new(),
        [one] => format!(" with the scenario group {one}"),
        many => format!(" with the scenario groups {}", many.join(", ")),
    }
}

#[derive(Serialize)]
struct Shown<'a> {
    system_id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    system_type: &'a str,
    #[serde(flatten)]
    token: &'a IssuedToken,
}

/// Prints the token — the one place it is ever shown by a command — on a line of its own,
/// so that a copy from the terminal takes it whole.
fn show(format: Format, system: &System, issued: &IssuedToken) {
    let shown = Shown {
        system_id: &system.id,
        name: &system.name,
        system_type: &system.system_type,
        token: issued,
    };
    crate::commands::print(format, &shown, || token_text(system, issued));
}

pub fn token_text(system: &System, issued: &IssuedToken) -> String {
    let mut out = format!(
        "Registration token for \"{}\" ({}){}:\n\n    {}\n\n",
        neutralise(&system.name),
        neutralise(&system.id),
        with_groups(&issued.scenario_groups),
        neutralise(issued.token.expose_secret())
    );
    out.push_str(&format!(
        "Connector URL: {}\nExpires:       {}\n\nIn SAP S/4HANA Cloud:\n",
        neutralise(&issued.connector_url),
        neutralise(&issued.expires_at)
    ));
    for (i, step) in reg::PASTE_STEPS.iter().enumerate() {
        out.push_str(&format!("  {}. {step}\n", i + 1));
    }
    out.push_str(&format!(
        "Then: formation-wizard wait {} --connected\n",
        neutralise(&system.id)
    ));
    out
}

/// A change is deliberate: `--yes`, or a typed "yes" on a terminal naming what and where.
async fn deliberate(
    source: &SourceArgs,
    backend: &dyn Backend,
    what: &str,
) -> Result<bool, AppError> {
    let target = super::declare::target(backend);
    if source.yes {
        return Ok(true);
    }
    if !crate::prompt::on_terminal() {
        return Err(AppError::Usage(format!(
            "{what} {target}: not on a terminal, this needs --yes"
        )));
    }
    crate::prompt::ask_async(format!("{what} {target}?"), crate::prompt::Needs::Y).await
}
