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

    #[command(flatten)]
    pub logging: LogArgs,
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Write a structured log (JSON lines: every request with its duration and outcome) to
    /// this file; never to the terminal, never with secrets.
    #[arg(long, value_name = "FILE", global = true)]
    pub log: Option<PathBuf>,
}

const EXIT_CODES: &str = "Exit codes: 0 valid or created; 1 rules not satisfied (nothing changed); \
2 input or usage error; 3 the backend failed; 130 cancelled.";

/// Where the landscape comes from. Given before the command (or with no command, for the
/// wizard) or after a command that reads a landscape; `generate` and `types` do not take
/// them, so their help does not list them.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// The landscape file to work on (default: the demo landscape).
    #[arg(long, value_name = "FILE")]
    pub landscape: Option<PathBuf>,

    /// Restore the demo landscape to its original content first (asks on a terminal).
    #[arg(long, conflicts_with = "landscape")]
    pub reset_demo: bool,

    /// Answer yes to the confirmation of what changes data (--reset-demo, apply): needed
    /// when not on a terminal.
    #[arg(long)]
    pub yes: bool,

    /// The Director's GraphQL endpoint, e.g. https://director.example/graphql (or a sandbox's).
    #[arg(long, value_name = "URL", conflicts_with = "landscape")]
    pub director: Option<String>,

    /// Allow --director (and a service key's url) to be plain http:// to another machine,
    /// which sends the credentials in clear: for a lab network only.
    #[arg(long)]
    pub insecure_http: bool,

    /// The tenant (global account) id, sent as the Tenant header.
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,

    /// A file whose first line is the bearer token (else $FORMATION_WIZARD_TOKEN).
    #[arg(long, value_name = "FILE", conflicts_with = "service_key")]
    pub token_file: Option<PathBuf>,

    /// A service-key JSON (clientid, clientsecret, url) for OAuth2 client credentials.
    #[arg(long, value_name = "FILE")]
    pub service_key: Option<PathBuf>,

    /// The OAuth scopes a service key's token is asked for, space-separated (default: the
    /// ones the command calls for, e.g. "application:read formation:read
    /// formation_template:read" to read, plus "formation:write" to change formations;
    /// README "A Director" lists them per command).
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,

    /// The scopes the command needs: set from the command, not a flag.
    #[arg(skip)]
    pub needs: Vec<String>,

    /// A named connection from $XDG_CONFIG_HOME/formation-wizard/config.toml.
    #[arg(long, value_name = "NAME", conflicts_with = "landscape")]
    pub profile: Option<String>,

    /// Save the Director options given (file paths, no secrets) as this profile (mode 0600).
    #[arg(long, value_name = "NAME")]
    pub save_profile: Option<String>,

    /// How long to wait for another process's lock on the landscape file before giving up
    /// [default: 30].
    #[arg(long, value_name = "SECONDS", value_parser = lock_timeout)]
    pub lock_timeout: Option<f64>,
}

fn lock_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "\"{s}\" is not a number of seconds from 0 to 86400"
        )),
    }
}

impl SourceArgs {
    /// The command's own flags, each falling back to the one given before the command.
    pub fn or(&self, outer: &SourceArgs) -> SourceArgs {
        SourceArgs {
            landscape: self.landscape.clone().or_else(|| outer.landscape.clone()),
            reset_demo: self.reset_demo || outer.reset_demo,
            yes: self.yes || outer.yes,
            director: self.director.clone().or_else(|| outer.director.clone()),
            tenant: self.tenant.clone().or_else(|| outer.tenant.clone()),
            token_file: self.token_file.clone().or_else(|| outer.token_file.clone()),
            service_key: self
                .service_key
                .clone()
                .or_else(|| outer.service_key.clone()),
            profile: self.profile.clone().or_else(|| outer.profile.clone()),
            scopes: self.scopes.clone().or_else(|| outer.scopes.clone()),
            needs: if self.needs.is_empty() {
                outer.needs.clone()
            } else {
                self.needs.clone()
            },
            insecure_http: self.insecure_http || outer.insecure_http,
            save_profile: self
                .save_profile
                .clone()
                .or_else(|| outer.save_profile.clone()),
            lock_timeout: self.lock_timeout.or(outer.lock_timeout),
        }
    }

    /// With no landscape, Director or profile flag (and no --reset-demo): the profile named
    /// by `$FORMATION_WIZARD_PROFILE`, else the default profile (the first `login`); with
    /// neither, the demo stays.
    pub fn with_chosen_profile(mut self) -> Result<SourceArgs, String> {
        if self.landscape.is_none()
            && self.director.is_none()
            && self.profile.is_none()
            && !self.reset_demo
            && let Some((name, _)) = crate::backend::director::profile::chosen(None)?
        {
            self.profile = Some(name);
        }
        Ok(self)
    }

    pub fn source(&self) -> Source {
        if self.director.is_some() || self.profile.is_some() {
            return Source::Director(crate::backend::director::profile::DirectorArgs {
                url: self.director.clone(),
                tenant: self.tenant.clone(),
                token_file: self.token_file.clone(),
                service_key: self.service_key.clone(),
                profile: self.profile.clone(),
                save_profile: self.save_profile.clone(),
                scopes: match &self.scopes {
                    Some(given) => given.split_whitespace().map(str::to_owned).collect(),
                    None => self.needs.clone(),
                },
                scopes_given: self.scopes.is_some(),
                insecure_http: self.insecure_http,
            });
        }
        match &self.landscape {
            Some(path) => Source::File(path.clone()),
            None => Source::Demo {
                reset: self.reset_demo,
            },
        }
    }
}

impl Cli {
    /// The source flags that apply: the command's own, else those before the command.
    pub fn effective_source(&self) -> SourceArgs {
        let mut source = self.own_source();
        source.needs = self.scopes_needed();
        source
    }

    /// The OAuth scopes the command asks a service key's token for: its row of
    /// `COMMAND_SCOPES` (an explicit `--scopes` replaces them).
    fn scopes_needed(&self) -> Vec<String> {
        scopes_of(command_name(self.command.as_ref()))
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    fn own_source(&self) -> SourceArgs {
        let own = match &self.command {
            Some(Command::Check(plan)) | Some(Command::Create { plan, .. }) => &plan.source,
            Some(Command::Systems { source, .. }) => source,
            Some(Command::Sandbox(args)) => &args.source,
            Some(Command::Export { source, .. }) => source,
            Some(Command::Plan(args)) => &args.source,
            Some(Command::Apply(args)) => &args.source,
            Some(Command::Formations { source, .. }) => source,
            Some(Command::Manage { source }) => source,
            Some(Command::Show(f) | Command::Finalize(f) | Command::Delete(f)) => &f.source,
            Some(Command::Assign(m) | Command::Unassign(m)) => &m.formation.source,
            Some(Command::Resync { formation, .. } | Command::Status { formation, .. }) => {
                &formation.source
            }
            Some(Command::Register(args)) => &args.source,
            Some(Command::Token(args)) => &args.source,
            Some(Command::Wait(args)) => &args.source,
            Some(Command::Pair { source, .. }) => source,
            Some(Command::Recover { source }) => source,
            Some(Command::Doctor { source, .. }) => source,
            Some(
                Command::Types { .. }
                | Command::Generate(_)
                | Command::Login(_)
                | Command::Logout { .. },
            )
            | None => {
                return self.source.clone();
            }
        };
        own.or(&self.source)
    }
}

const APPLICATION_READ: &str = "application:read";
const FORMATION_READ: &str = "formation:read";
const TEMPLATE_READ: &str = "formation_template:read";
const FORMATION_WRITE: &str = "formation:write";
const APPLICATION_WRITE: &str = "application:write";
const AUTHS_READ: &str = "application.auths:read";

/// The OAuth scopes each subcommand asks for with a service key, from what it calls
/// (director-behaviour.md §2.3, the Director's `@hasScopes` table): `applications` needs
/// `application:read`, `formations`/`formation`/`formationByName` `formation:read`,
/// `formationTemplates` `formation_template:read`; `createFormation`, `assignFormation`,
/// `unassignFormation`, `deleteFormation`, `resynchronize…` and `finalize…`
/// `formation:write`; `registerApplication` and `requestOneTimeTokenForApplication`
/// `application:write`; a system's `auths` (its registration token) `application.auths:read`,
/// without which they read null. Compass's issuer grants only the scopes asked for (fact 11),
/// so a command asks for what it calls and no more: reading commands never ask to write.
/// `wizard` is the TUI without a command (it may create, change and register).
pub const COMMAND_SCOPES: &[(&str, &[&str])] = &[
    (
        "wizard",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
            APPLICATION_WRITE,
        ],
    ),
    (
        "manage",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
            APPLICATION_WRITE,
        ],
    ),
    // Reading only: the landscape (systems, formations, templates).
    ("check", &[APPLICATION_READ, FORMATION_READ, TEMPLATE_READ]),
    (
        "systems",
        &[APPLICATION_READ, FORMATION_READ, TEMPLATE_READ],
    ),
    ("export", &[APPLICATION_READ, FORMATION_READ, TEMPLATE_READ]),
    ("plan", &[APPLICATION_READ, FORMATION_READ, TEMPLATE_READ]),
    (
        "formations",
        &[APPLICATION_READ, FORMATION_READ, TEMPLATE_READ],
    ),
    ("show", &[APPLICATION_READ, FORMATION_READ, TEMPLATE_READ]),
    ("status", &[APPLICATION_READ, FORMATION_READ, TEMPLATE_READ]),
    ("doctor", &[APPLICATION_READ, FORMATION_READ, TEMPLATE_READ]),
    // The templates only.
    ("types", &[TEMPLATE_READ]),
    // Waiting for a system to connect reads its token (`used`, scenario groups).
    (
        "wait",
        &[APPLICATION_READ, FORMATION_READ, TEMPLATE_READ, AUTHS_READ],
    ),
    // Changing formations.
    (
        "create",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
        ],
    ),
    (
        "assign",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
        ],
    ),
    (
        "unassign",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
        ],
    ),
    (
        "resync",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
        ],
    ),
    (
        "finalize",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
        ],
    ),
    (
        "delete",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
        ],
    ),
    (
        "apply",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
        ],
    ),
    (
        "recover",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            FORMATION_WRITE,
        ],
    ),
    // Registering systems and requesting their tokens.
    (
        "register",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            APPLICATION_WRITE,
        ],
    ),
    (
        "token",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            APPLICATION_WRITE,
            AUTHS_READ,
        ],
    ),
    (
        "pair",
        &[
            APPLICATION_READ,
            FORMATION_READ,
            TEMPLATE_READ,
            APPLICATION_WRITE,
        ],
    ),
    // No Director client: the sandbox serves one, generate reads nothing.
    ("sandbox", &[]),
    ("generate", &[]),
    // `login` asks for every scope the tool uses and reports which it got; `logout` calls
    // nothing.
    ("login", &[]),
    ("logout", &[]),
];

/// The scopes of a subcommand by name (`COMMAND_SCOPES`); none for an unknown one.
pub fn scopes_of(command: &str) -> &'static [&'static str] {
    COMMAND_SCOPES
        .iter()
        .find(|(name, _)| *name == command)
        .map_or(&[], |(_, scopes)| *scopes)
}

/// The subcommand's name as typed (`wizard` without one).
pub fn command_name(command: Option<&Command>) -> &'static str {
    match command {
        None => "wizard",
        Some(c) => match c {
            Command::Check(_) => "check",
            Command::Create { .. } => "create",
            Command::Types { .. } => "types",
            Command::Systems { .. } => "systems",
            Command::Generate(_) => "generate",
            Command::Export { .. } => "export",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Formations { .. } => "formations",
            Command::Show(_) => "show",
            Command::Assign(_) => "assign",
            Command::Unassign(_) => "unassign",
            Command::Resync { .. } => "resync",
            Command::Finalize(_) => "finalize",
            Command::Delete(_) => "delete",
            Command::Status { .. } => "status",
            Command::Register(_) => "register",
            Command::Token(_) => "token",
            Command::Wait(_) => "wait",
            Command::Pair { .. } => "pair",
            Command::Doctor { .. } => "doctor",
            Command::Recover { .. } => "recover",
            Command::Sandbox(_) => "sandbox",
            Command::Manage { .. } => "manage",
            Command::Login(_) => "login",
            Command::Logout { .. } => "logout",
        },
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
    /// Do not show the last landscape read from this Director while the fresh one loads,
    /// and do not keep it (the cache is private, under $XDG_CACHE_HOME/formation-wizard/).
    /// Set FORMATION_WIZARD_NO_CACHE=1 to make this the default.
    #[arg(long, global = true, env = "FORMATION_WIZARD_NO_CACHE")]
    pub no_cache: bool,
}

#[derive(Debug, Subcommand)]
// Parsed once per run: the size of the largest variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Connect to a Director once: gets a token, reads the templates and a page of systems,
    /// says what the credentials allow, keeps the secret (OS keyring, else a private file)
    /// and saves the profile; the first one saved becomes the default, which every command
    /// then uses without source flags. On a terminal without flags it asks step by step.
    #[command(after_help = LOGIN_HELP)]
    Login(LoginArgs),
    /// Forget a profile: its kept secret (keyring or private file) and its entry in
    /// config.toml. Without --profile: the one in use ($FORMATION_WIZARD_PROFILE, else the
    /// default).
    Logout {
        /// The profile to log out of.
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
    },
    /// Check a formation against every rule without creating it (exit 0 valid, 1 not).
    Check(PlanArgs),
    /// Check and create a formation (exit 0 created, 1 rules not satisfied).
    Create {
        #[command(flatten)]
        plan: PlanArgs,
        /// Check and show what would be created, but change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Create it as a draft (no notifications until `finalize`).
        #[arg(long, conflicts_with = "dry_run")]
        draft: bool,
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
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Print a realistic generated landscape file (for benchmarks and rehearsals).
    Generate(GenerateArgs),
    /// Print today's formations as a formations file (TOML), for `plan` and `apply`.
    Export {
        /// Only this formation (repeatable); all when not given.
        #[arg(long = "formation", value_name = "NAME")]
        formations: Vec<String>,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Compare a formations file with the landscape and print the changes; changes nothing.
    Plan(FilePlanArgs),
    /// Make the landscape match a formations file: shows the plan, asks, then applies it.
    Apply(ApplyArgs),
    /// List the formations with their type, status, number of systems and the systems whose
    /// assignment is not ready.
    Formations {
        /// Only formations of this type (id, display name or former display name).
        #[arg(long = "type", value_name = "TYPE")]
        formation_type: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Show a formation (by name or id): its systems with their states, what it enables.
    Show(FormationArgs),
    /// Add systems to a formation, checked by the rules first; each followed until final.
    Assign(MembersArgs),
    /// Take systems out of a formation; one that would stop it working needs --yes.
    Unassign(MembersArgs),
    /// Send a formation's notifications again (after Error).
    Resync {
        #[command(flatten)]
        formation: FormationArgs,
        /// Start the notifications from the beginning (templates that support it).
        #[arg(long)]
        reset: bool,
    },
    /// Finalize a draft formation: it becomes active and sends its notifications.
    Finalize(FormationArgs),
    /// Delete a formation: its systems are unassigned first, then it is deleted (asks on a
    /// terminal, needs --yes otherwise).
    Delete(FormationArgs),
    /// A formation's status; with --wait, follow it until Ready (exit 0) or Error (exit 3).
    Status {
        #[command(flatten)]
        formation: FormationArgs,
        /// Wait until the formation is Ready or in Error, with progress on stderr.
        #[arg(long)]
        wait: bool,
        /// How long --wait waits, in seconds (then exit 3).
        #[arg(long, value_name = "SECONDS", default_value_t = 300, requires = "wait")]
        timeout: u64,
    },
    /// Register a new system and request its registration token (printed with the connector
    /// URL and expiry).
    Register(RegisterArgs),
    /// Request a registration token for a system with the scenario groups its type needs.
    Token(TokenArgs),
    /// Follow a system until it is CONNECTED with the scenario groups its type needs.
    Wait(WaitArgs),
    /// Rehearsal on a landscape file: use the system's latest token as SAP S/4HANA Cloud
    /// would (the system becomes CONNECTED).
    Pair {
        /// The system, by id or name.
        #[arg(value_name = "SYSTEM")]
        system: String,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Check the prerequisites of a formation type on this landscape, each with its fix:
    /// the role, the region, a system of every type it needs and one that may join (exit 0
    /// when a formation of the type can be created, 1 when a prerequisite blocks it).
    Doctor {
        /// The formation type (id, display name or former display name) [default: the Task
        /// Center type].
        #[arg(long = "type", value_name = "TYPE")]
        formation_type: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Finish or undo a change that a killed process left half-done on this landscape (the
    /// journal in $XDG_STATE_HOME/formation-wizard says which). On a terminal it asks for
    /// each; --yes undoes (a delete is finished: it cannot be undone).
    Recover {
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Serve a landscape file as a local Director-compatible GraphQL endpoint (/graphql),
    /// enforcing the catalog's constraints, to rehearse the director flow.
    Sandbox(SandboxArgs),
    /// Open the TUI on the Formations screen: every formation with its status and systems;
    /// Enter opens one (add systems, remove, resync, finalize, delete), n starts the
    /// creation wizard.
    Manage {
        #[command(flatten)]
        source: SourceArgs,
    },
}

const LOGIN_HELP: &str = "Examples:
  formation-wizard login                       # step by step (on a terminal)
  formation-wizard login --director https://director.example/graphql --tenant GA_ID \\
      --service-key key.json --profile prod
  formation-wizard login --status              # the profile in use, no secret
  formation-wizard logout --profile prod

Which landscape a command uses: its flags (--landscape, --director, --profile), else
$FORMATION_WIZARD_PROFILE, else the default profile, else the demo.
Exit codes: 0 logged in; 2 usage error (missing flags off a terminal); 3 the Director or
its token endpoint refused the credentials (nothing saved).";

/// `login`: where, which tenant, with what, under which name.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// The Director's GraphQL endpoint, e.g. https://director.example/graphql.
    #[arg(long, value_name = "URL")]
    pub director: Option<String>,
    /// The tenant (global account) id.
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// A service-key JSON: Compass form (clientId, clientSecret, url) or XSUAA form
    /// (clientid, clientsecret, url, maybe under "uaa"). Read once; the secret is kept.
    #[arg(long, value_name = "FILE", conflicts_with = "token_file")]
    pub service_key: Option<PathBuf>,
    /// A file whose first line is a bearer token. Read once; the token is kept.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// The name to save the connection under [default: "default"].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Allow a plain http:// Director or token endpoint on another machine (lab only).
    #[arg(long)]
    pub insecure_http: bool,
    /// Show the profile in use, its Director and tenant, where its secret is kept and when
    /// its token expires (never the secret); checks nothing over the network.
    #[arg(long, conflicts_with_all = ["director", "tenant", "service_key", "token_file"])]
    pub status: bool,
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
pub struct SandboxArgs {
    /// Where to listen; loopback by default (port 0 picks a free port).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:4000")]
    pub listen: std::net::SocketAddr,
    /// Require this bearer token (else one is generated and printed, unless --no-auth).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Accept any bearer token (loopback only); without it and without --token, a token is
    /// generated and printed at start.
    #[arg(long, conflicts_with = "token")]
    pub no_auth: bool,
    /// Require this Tenant header value (else any non-empty tenant is accepted).
    #[arg(long = "require-tenant", value_name = "ID")]
    pub require_tenant: Option<String>,
    /// How long a new assignment stays INITIAL before it becomes READY (or CREATE_ERROR),
    /// in milliseconds.
    #[arg(
        long = "assignment-delay-ms",
        alias = "ready-after-ms",
        value_name = "MS",
        default_value_t = 1500
    )]
    pub ready_after_ms: u64,
    /// A second bearer token that carries every scope (formation.state:write,
    /// application.auths:read, formation:global_read, formation_constraint:read); --token
    /// carries the ordinary ones.
    #[arg(long, value_name = "TOKEN")]
    pub admin_token: Option<String>,
    /// Serve /oauth2/token (Compass style) and /oauth/token (XSUAA style) for this OAuth
    /// client id (client credentials; with --client-secret).
    #[arg(long, value_name = "ID", requires = "client_secret")]
    pub client_id: Option<String>,
    /// The OAuth client's secret (visible to other local users in the process list: prefer
    /// --generate-client).
    #[arg(long, value_name = "SECRET", requires = "client_id")]
    pub client_secret: Option<String>,
    /// Generate an OAuth client and print its credential in Compass form (clientId,
    /// clientSecret, url) at start: the only place the secret is ever shown.
    #[arg(long, conflicts_with = "client_id")]
    pub generate_client: bool,
    /// Fault: this system's assignments end in CREATE_ERROR with MESSAGE (repeatable).
    #[arg(long, value_name = "SYSTEM_ID[=MESSAGE]")]
    pub fail_assignment: Vec<String>,
    /// A GLOBAL formation constraint of the sandbox's own, attached to no template: every
    /// template lists it (constraintScope GLOBAL) and every assign is decided on it, as the
    /// Director does. JSON in the catalog's form, e.g.
    /// '{"operator":"IsNotAssignedToAnyFormationOfType","system_types":["ANY"]}' (a system of
    /// any type in at most one formation of each type) or '{"operator":
    /// "ContainsScenarioGroups","system_type":"ANY","required_scenario_groups":[...]}'
    /// (repeatable).
    #[arg(long, value_name = "JSON")]
    pub global_constraint: Vec<String>,
    /// Fault: the notification of the one assignment SOURCE→TARGET (system ids; SOURCE=TARGET
    /// for a system's own) is refused by its receiver: that assignment ends in CREATE_ERROR
    /// with MESSAGE in its `error`, while the other assignments of both systems are READY
    /// and the assign call succeeds, as the Director does (repeatable).
    #[arg(long, value_name = "SOURCE=TARGET[:MESSAGE]")]
    pub fail_pair: Vec<String>,
    /// Fault: the next N successful mutations are committed, then the connection drops.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub drop_after_commit: usize,
    /// Fault: the first request of OPERATION (e.g. createFormation) is answered with
    /// error_code 35, a concurrent update, without running it (repeatable).
    #[arg(long, value_name = "OPERATION")]
    pub conflict_once: Vec<String>,
    /// Fault: assigning SYSTEM commits its assignment at once (INITIAL), then its
    /// notifications take SECONDS inside the call; then READY, or with `:fail` the
    /// assignment is deleted again and the call fails (repeatable).
    #[arg(long, value_name = "SYSTEM=SECONDS[:fail]")]
    pub slow_assign: Vec<String>,
    /// Rehearsal: pair every issued registration token after SECONDS, as SAP S/4HANA Cloud
    /// would once the token is entered there (`POST /sandbox/pair/{id}` with the bearer token
    /// pairs one at once).
    #[arg(long, value_name = "SECONDS", value_parser = lock_timeout)]
    pub auto_pair: Option<f64>,
    /// Largest page size served (the client asks for 100).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_page: usize,
    /// Fault: added latency per request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Fault: share of requests answered with HTTP 500 (0.0–1.0).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub error_rate: f64,
    /// Fault: share of requests whose connection is dropped after running them (0.0–1.0).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Fault: share of requests answered with 429 and Retry-After (0.0–1.0).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub throttle_rate: f64,
    /// The Retry-After sent with a 429, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    pub retry_after: u64,
    /// Seed of the fault rates, so a rehearsal can be repeated exactly.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RegisterArgs {
    /// The system type, e.g. "SAP S/4HANA Cloud".
    #[arg(long = "type", value_name = "TYPE")]
    pub system_type: String,
    /// The system's name (1 to 100 characters).
    #[arg(long, value_name = "NAME")]
    pub name: String,
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// A scenario group for the token (repeatable); by default the groups the catalog's
    /// formation types require of this system type.
    #[arg(long = "scenario-group", value_name = "GROUP")]
    pub scenario_groups: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The system, by id or name.
    #[arg(value_name = "SYSTEM")]
    pub system: String,
    /// A scenario group for the token (repeatable); by default the groups the catalog's
    /// formation types require of the system's type.
    #[arg(long = "scenario-group", value_name = "GROUP")]
    pub scenario_groups: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// The system, by id or name.
    #[arg(value_name = "SYSTEM")]
    pub system: String,
    /// Wait until it is CONNECTED with a used token carrying the groups (required).
    #[arg(long, required = true)]
    pub connected: bool,
    /// The scenario groups to wait for (repeatable); by default those its type needs.
    #[arg(long = "scenario-group", value_name = "GROUP")]
    pub scenario_groups: Vec<String>,
    /// Give up after this many seconds (exit 1).
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0, value_parser = lock_timeout)]
    pub timeout: f64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub source: SourceArgs,
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
    #[command(flatten)]
    pub source: SourceArgs,
}

/// A formation named on the command line, by name or id.
#[derive(Debug, Clone, Args)]
pub struct FormationArgs {
    /// The formation's name or id.
    #[arg(value_name = "FORMATION")]
    pub formation: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Clone, Args)]
pub struct MembersArgs {
    #[command(flatten)]
    pub formation: FormationArgs,
    /// A system, by id (repeat for each system).
    #[arg(long = "system", value_name = "ID", required = true)]
    pub systems: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct FilePlanArgs {
    /// The formations file (TOML; see README "Formations as code").
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Also delete the formations the file does not name.
    #[arg(long)]
    pub prune: bool,
    /// Exit codes as Terraform's: 0 no changes, 2 changes, 1 rules violated, selectors
    /// unresolved or the file invalid (instead of 2 for input errors); 3 backend failed.
    #[arg(long)]
    pub detailed_exitcode: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// The formations file (TOML; see README "Formations as code").
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Also delete the formations the file does not name.
    #[arg(long)]
    pub prune: bool,
    /// Apply without asking with --yes (required when not on a terminal).
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}
