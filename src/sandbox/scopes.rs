//! Scopes per token, as the Director's `@hasScopes` directive checks them (§2.3, after
//! `dir/hack/config-local.yaml`). The sandbox's ordinary credentials carry what a formation
//! administrator's do; the extra scopes are for rehearsing drafts, auths and global reads.

use async_graphql::Context;

use super::errors::DirectorError;

pub const APPLICATION_READ: &str = "application:read";
pub const APPLICATION_WRITE: &str = "application:write";
pub const FORMATION_READ: &str = "formation:read";
pub const FORMATION_WRITE: &str = "formation:write";
pub const TEMPLATE_READ: &str = "formation_template:read";
pub const STATE_WRITE: &str = "formation.state:write";
pub const AUTHS_READ: &str = "application.auths:read";
pub const GLOBAL_READ: &str = "formation:global_read";
/// `formationConstraints…` (`dir/hack/config-local.yaml` l.38-40, §2.3).
pub const CONSTRAINT_READ: &str = "formation_constraint:read";

/// What `--token` and tokens from `/oauth/token` carry.
pub const ORDINARY: &[&str] = &[
    APPLICATION_READ,
    FORMATION_READ,
    FORMATION_WRITE,
    TEMPLATE_READ,
    APPLICATION_WRITE,
];

/// What `--admin-token` carries on top of the ordinary set.
pub const EXTRA: &[&str] = &[STATE_WRITE, AUTHS_READ, GLOBAL_READ, CONSTRAINT_READ];

/// The scopes of the request's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(pub Vec<String>);

impl Scopes {
    pub fn ordinary() -> Scopes {
        Scopes(ORDINARY.iter().map(|s| (*s).to_owned()).collect())
    }

    /// What the sandbox's OAuth client (`--client-id`, `--generate-client`) has been granted:
    /// the ordinary scopes and reading tokens (`application.auths:read`), which `token` and
    /// `wait` ask for. Its tokens carry what was asked for of these (Compass) or all (XSUAA
    /// without `scope`).
    pub fn oauth_client() -> Scopes {
        let mut s = Scopes::ordinary();
        s.0.push(AUTHS_READ.to_owned());
        s
    }

    pub fn all() -> Scopes {
        Scopes(
            ORDINARY
                .iter()
                .chain(EXTRA)
                .map(|s| (*s).to_owned())
                .collect(),
        )
    }

    pub fn has(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }
}

fn of<'a>(ctx: &'a Context<'_>) -> Option<&'a Scopes> {
    ctx.data_opt::<Scopes>()
}

/// Fails with code 23 unless the token carries `scope`. A schema run without scopes (a
/// unit test of the schema alone) is not checked.
pub fn require(ctx: &Context<'_>, scope: &str) -> async_graphql::Result<()> {
    match of(ctx) {
        Some(s) if !s.has(scope) => Err(DirectorError::insufficient_scopes(&s.0, &[scope]).into()),
        _ => Ok(()),
    }
}

/// Whether a sanitised field (`@sanitize`) may be shown: without the scope it reads null.
pub fn allows(ctx: &Context<'_>, scope: &str) -> bool {
    of(ctx).is_none_or(|s| s.has(scope))
}
