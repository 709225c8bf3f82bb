//! The `director` backend: the Director (Unified Customer Landscape / Compass) GraphQL API
//! over HTTPS, as `shared/reference/director-behaviour.md` describes the real server. Reads
//! page through `applications`, `formations` (with their assignments) and
//! `formationTemplates`; creating is `createFormation` with the server's exact template
//! name, one `assignFormation` per system, then following every assignment until it is
//! READY or in error. The server enforces the constraints; a refusal is rolled back in the
//! server's order (unassign, wait until the assignments are gone, delete) and reported as
//! the rule that failed.

pub mod auth;
pub mod client;
pub mod convert;
mod draft;
pub mod errors;
pub mod first_look;
pub mod jwt;
pub mod profile;
pub mod queries;
mod register;
pub mod response;
mod rollback;
pub mod secrets;
pub mod templates;
pub mod token_answer;
pub mod url_policy;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use cynic::{Id, MutationBuilder, QueryBuilder};

use self::client::{CallError, Client, Kind, Options};
use self::errors::Refusal;
use self::profile::{Connection, DirectorArgs};
use self::queries as q;
use super::{Backend, BackendError, BackendEvent, CallState, Created, FormationState, Progress};
use crate::catalog::Catalog;
use crate::landscape::{Assignment, Landscape};
use crate::plan::FormationPlan;
use crate::rules::{self, Finding};

pub struct DirectorBackend {
    client: Client,
    /// Formation id → name: the mutations address formations by name.
    names: Mutex<HashMap<String, String>>,
    /// The server's formation templates, once read.
    templates: tokio::sync::OnceCell<Vec<q::FormationTemplate>>,
}

/// Why one assignment did not happen.
enum AssignFailure {
    /// A rule of the Director refused it.
    Refused(Refusal),
    Other(String),
}

/// Every assignment of a formation (all pages).
#[derive(Debug, Clone)]
struct Full {
    assignments: Vec<q::FormationAssignment>,
}

impl Full {
    fn members(&self) -> BTreeMap<String, Assignment> {
        convert::member_states(&self.assignments)
    }

    fn has_member(&self, system_id: &str) -> bool {
        self.assignments
            .iter()
            .any(|a| a.source.inner() == system_id || a.target.inner() == system_id)
    }
}

impl DirectorBackend {
    /// Resolves the command line's options (and profile) and sets up the client.
    pub fn from_args(args: &DirectorArgs) -> Result<DirectorBackend, String> {
        DirectorBackend::connect(args.resolve()?, Options::default())
    }

    pub fn connect(connection: Connection, options: Options) -> Result<DirectorBackend, String> {
        let http = Client::http(&options)?;
        let auth = auth::Auth::new(connection.credentials, http.clone());
        Ok(DirectorBackend {
            client: Client::new(&connection.url, &connection.tenant, auth, http, options),
            names: Mutex::new(HashMap::new()),
            templates: tokio::sync::OnceCell::new(),
        })
    }

    fn remember(&self, id: &str, name: &str) {
        if let Ok(mut names) = self.names.lock() {
            names.insert(id.to_owned(), name.to_owned());
        }
    }

    fn failed(&self, what: &str, e: &CallError) -> BackendError {
        BackendError::Failed(format!("{what} failed: {e}"))
    }

    /// Every page of a paged query, following `endCursor` while `hasNextPage`, and bounded:
    /// a cursor seen before (any earlier one) or more pages or items than the first
    /// `totalCount` allows ends the read with an error instead of looping for ever.
    async fn pages<T, P>(
        &self,
        name: &'static str,
        build: impl Fn(q::PageVars) -> cynic::Operation<T, q::PageVars>,
        split: impl Fn(T) -> (Vec<P>, q::PageInfo, i32),
        mut on_page: impl FnMut(usize, usize, usize, &[P]),
    ) -> Result<Vec<P>, BackendError>
    where
        T: serde::de::DeserializeOwned,
    {
        let mut items = Vec::new();
        let mut after: Option<q::PageCursor> = None;
        let mut bound =
            PageBound::new(self.client.options.page_size, self.client.options.max_items);
        for page in 1.. {
            let vars = q::PageVars {
                first: Some(self.client.options.page_size),
                after: after.clone(),
            };
            let data = self
                .client
                .run(name, &build(vars), Kind::Read, None)
                .await
                .map_err(|e| {
                    self.failed(&format!("reading {name} from {}", self.client.url()), &e)
                })?;
            let (mut got, info, total) = split(data);
            on_page(page, items.len() + got.len(), total.max(0) as usize, &got);
            items.append(&mut got);
            if !info.has_next_page {
                break;
            }
            bound
                .next(total, items.len(), &info.end_cursor.0)
                .map_err(|why| {
                    BackendError::Failed(format!(
                        "reading {name} from {} failed, the Director's fault: {why}",
                        self.client.url()
                    ))
                })?;
            after = Some(info.end_cursor);
        }
        Ok(items)
    }

    /// The formation, or `None` when the Director says it does not exist: a real
    /// Director answers a missing formation with error code 20, not `null` (§4.3).
    async fn formation(&self, id: &str) -> Result<Option<q::Formation>, CallError> {
        let op = q::FormationQuery::build(q::IdVars { id: Id::new(id) });
        absent_if_not_found(
            self.client
                .run("formation", &op, Kind::Read, None)
                .await
                .map(|d| d.formation),
        )
    }

    async fn formation_by_name(&self, name: &str) -> Result<Option<q::Formation>, CallError> {
        let op = q::FormationByNameQuery::build(q::NameVars {
            name: name.to_owned(),
        });
        absent_if_not_found(
            self.client
                .run("formationByName", &op, Kind::Read, None)
                .await
                .map(|d| d.formation_by_name),
        )
    }

    /// Every assignment of a formation: the first page came with it, the rest are read.
    async fn complete(&self, formation: q::Formation) -> Result<Full, CallError> {
        let mut assignments = Vec::new();
        let mut page = formation.formation_assignments.clone();
        let mut bound =
            PageBound::new(self.client.options.page_size, self.client.options.max_items);
        while let Some(p) = page {
            assignments.extend(p.data);
            if !p.page_info.has_next_page {
                break;
            }
            // No total is asked for here: only what the client has seen bounds the read.
            bound
                .next(i32::MAX, assignments.len(), &p.page_info.end_cursor.0)
                .map_err(|why| {
                    CallError::Unknown(format!(
                        "reading the assignments of formation {} failed, the Director's fault: {why}",
                        formation.id.inner()
                    ))
                })?;
            let op = q::FormationAssignmentsQuery::build(q::AssignmentPageVars {
                id: formation.id.clone(),
                after: Some(p.page_info.end_cursor),
            });
            page = absent_if_not_found(
                self.client
                    .run("formation", &op, Kind::Read, None)
                    .await
                    .map(|d| d.formation),
            )?
            .and_then(|f| f.formation_assignments);
        }
        Ok(Full { assignments })
    }

    /// Every formation's assignments. A formation with more members than its first page
    /// costs a round trip per further page; those are read a few formations at a time,
    /// since on a far Director one after another adds up (72 formations × 200 ms = 14 s).
    async fn complete_all(
        &self,
        formations: &[q::Formation],
    ) -> Result<HashMap<String, Vec<q::FormationAssignment>>, BackendError> {
        use futures::stream::{self, StreamExt};
        let mut out = HashMap::with_capacity(formations.len());
        // Owned formations: a closure over borrowed ones is not general enough for the
        // `async_trait` future that holds it.
        let reads: Vec<_> = formations
            .iter()
            .cloned()
            .map(|f| async move {
                self.remember(f.id.inner(), &f.name);
                let (id, name) = (f.id.inner().to_owned(), f.name.clone());
                let full = self.complete(f).await.map_err(|e| {
                    self.failed(&format!("reading the assignments of formation {name}"), &e)
                })?;
                Ok::<_, BackendError>((id, full.assignments))
            })
            .collect();
        let mut reads = stream::iter(reads).buffer_unordered(FORMATIONS_AT_ONCE);
        while let Some(read) = reads.next().await {
            let (id, assignments) = read?;
            out.insert(id, assignments);
        }
        Ok(out)
    }

    async fn full(&self, id: &str) -> Result<Option<Full>, CallError> {
        match self.formation(id).await? {
            Some(f) => Ok(Some(self.complete(f).await?)),
            None => Ok(None),
        }
    }

    /// The formation's name, from memory or asked of the Director.
    async fn name_of(&self, id: &str) -> Result<String, BackendError> {
        if let Some(name) = self.names.lock().ok().and_then(|n| n.get(id).cloned()) {
            return Ok(name);
        }
        match self.formation(id).await {
            Ok(Some(f)) => {
                self.remember(id, &f.name);
                Ok(f.name)
            }
            Ok(None) => Err(BackendError::NoSuchFormation(id.to_owned())),
            Err(e) => Err(self.failed(&format!("looking up formation {id}"), &e)),
        }
    }

    /// The server's formation templates, read once.
    async fn server_templates(&self) -> Result<&Vec<q::FormationTemplate>, BackendError> {
        self.templates
            .get_or_try_init(|| {
                self.pages(
                    "formationTemplates",
                    q::FormationTemplatesQuery::build,
                    |d| {
                        let p = d.formation_templates;
                        (p.data, p.page_info, p.total_count)
                    },
                    |_, _, _, _| {},
                )
            })
            .await
    }

    /// `createFormation`, never blindly repeated: after an unknown outcome the formation is
    /// looked up by name, and only when it does not exist is the create sent again, once.
    async fn send_create(
        &self,
        plan: &FormationPlan,
        template_name: &str,
        draft: bool,
        report: super::CallReport<'_>,
    ) -> Result<q::Formation, CallError> {
        let op = q::CreateFormation::build(q::FormationVars {
            formation: q::FormationInput {
                name: plan.name.clone(),
                template_name: Some(template_name.to_owned()),
                state: draft.then(|| "DRAFT".to_owned()),
            },
        });
        let mut unknown = None;
        for _ in 0..2 {
            match self
                .client
                .run("createFormation", &op, Kind::Write, report)
                .await
            {
                Ok(data) => return Ok(data.create_formation),
                // An internal error (not a refusal) is looked into like an unknown outcome:
                // the create may have been stored before it failed.
                Err(
                    CallError::Unknown(why)
                    | CallError::Answered {
                        code: Some(errors::INTERNAL),
                        message: why,
                        refusal: None,
                    },
                ) => {
                    if let Some((progress, step, label)) = report {
                        progress.call(
                            step,
                            label,
                            CallState::Retrying {
                                attempt: 1,
                                reason: format!("{why}; looking the formation up by name first"),
                            },
                        );
                    }
                    if let Some(f) = self.formation_by_name(&plan.name).await? {
                        return Ok(f);
                    }
                    unknown = Some(why);
                }
                // Our earlier create may have landed after the look-up.
                Err(CallError::Answered {
                    code: Some(errors::NOT_UNIQUE),
                    ..
                }) if unknown.is_some() => {
                    if let Some(f) = self.formation_by_name(&plan.name).await? {
                        return Ok(f);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(CallError::Unknown(format!(
            "{}; no formation named \"{}\" exists, so nothing was left behind",
            unknown.unwrap_or_default(),
            plan.name
        )))
    }

    /// `assignFormation` for one system; after an unknown outcome, reads the formation's
    /// assignments to see whether the system is in before sending it again.
    async fn assign_one(
        &self,
        formation: &q::Formation,
        system_id: &str,
        report: Option<(&Progress, usize, &str)>,
    ) -> Result<(), AssignFailure> {
        let op = q::AssignFormation::build(q::AssignVars {
            object_id: Id::new(system_id),
            object_type: q::FormationObjectType::Application,
            formation: q::FormationInput::named(&formation.name),
        });
        let mut last = String::new();
        for _ in 0..2 {
            match self
                .client
                .run("assignFormation", &op, Kind::Write, report)
                .await
            {
                Ok(_) => return Ok(()),
                Err(CallError::Unknown(why)) => {
                    if self
                        .is_member(formation.id.inner(), system_id)
                        .await
                        .map_err(other)?
                    {
                        return Ok(());
                    }
                    last = why;
                }
                Err(CallError::Answered {
                    refusal: Some(r), ..
                }) => return Err(AssignFailure::Refused(r)),
                // The call ran and failed, e.g. its notifications failed after the
                // assignments were stored (fact 12): the Director deletes them again, so
                // what counts is whether the system is in now. If it is, the caller follows
                // its assignment to the end; if not, the change did not happen.
                Err(CallError::Answered {
                    code: code @ Some(errors::INTERNAL),
                    message,
                    refusal: None,
                }) => {
                    let reason = errors::sentence(code, &message);
                    return if self
                        .is_member(formation.id.inner(), system_id)
                        .await
                        .map_err(other)?
                    {
                        Ok(())
                    } else {
                        Err(AssignFailure::Other(format!(
                            "{reason}; the system is not in the formation, so the change did not happen"
                        )))
                    };
                }
                Err(e) => return Err(other(e)),
            }
        }
        Err(AssignFailure::Other(last))
    }

    /// Membership from the formation's own assignments: `formationsForObject` needs
    /// `formation:global_read`, which ordinary credentials lack (§2.3).
    async fn is_member(&self, formation_id: &str, system_id: &str) -> Result<bool, CallError> {
        Ok(self
            .full(formation_id)
            .await?
            .is_some_and(|f| f.has_member(system_id)))
    }

    /// Sends a mutation on a formation id (finalize, resynchronize) and answers its state.
    async fn formation_mutation<T>(
        &self,
        name: &'static str,
        op: cynic::Operation<T, impl serde::Serialize>,
        pick: impl FnOnce(T) -> q::Formation,
    ) -> Result<FormationState, BackendError>
    where
        T: serde::de::DeserializeOwned,
    {
        match self.client.run(name, &op, Kind::Write, None).await {
            Ok(data) => Ok(state_of(&pick(data))),
            Err(e) => Err(self.failed(name, &e)),
        }
    }
}

/// How many formations' further assignment pages are read at once while loading: enough
/// to hide a far Director's round trips, few enough not to crowd it (its own clients'
/// connection pools are of this order).
const FORMATIONS_AT_ONCE: usize = 8;

fn state_of(f: &q::Formation) -> FormationState {
    FormationState {
        status: convert::status_name(f.status.condition).to_owned(),
        errors: convert::errors(f),
    }
}

/// A look-up's answer with NotFound (code 20) read as "absent".
fn absent_if_not_found<T>(answer: Result<Option<T>, CallError>) -> Result<Option<T>, CallError> {
    match answer {
        Err(CallError::Answered {
            code: Some(errors::NOT_FOUND),
            ..
        }) => Ok(None),
        other => other,
    }
}

fn other(e: CallError) -> AssignFailure {
    AssignFailure::Other(e.to_string())
}

/// The Director's refusal as the rule it enforces, in its own words.
fn refused(refusal: Refusal, systems: Vec<String>, lead: String) -> BackendError {
    let mut message = lead;
    for line in &refusal.lines {
        message.push('\n');
        message.push_str(line);
    }
    BackendError::Refused(Box::new(Finding::new(refusal.rule, systems, message, None)))
}

#[async_trait]
impl Backend for DirectorBackend {
    fn describe(&self) -> String {
        self.client.url().to_owned()
    }

    fn target(&self) -> crate::backend::Target {
        let url = self.client.url();
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| url.to_owned());
        crate::backend::Target::Director {
            host,
            tenant: self.client.tenant().to_owned(),
        }
    }

    async fn load(
        &self,
        catalog: &Catalog,
        progress: &Progress,
    ) -> Result<Landscape, BackendError> {
        let templates = self.server_templates();
        let applications = self.pages(
            "applications",
            q::ApplicationsQuery::build,
            |d| {
                let p = d.applications;
                (p.data, p.page_info, p.total_count)
            },
            |pages, systems, total, batch: &[q::Application]| {
                if progress.wants_rows() {
                    progress.emit(BackendEvent::Rows {
                        batch: convert::systems(batch, catalog),
                        total,
                    });
                }
                progress.emit(BackendEvent::Loading { pages, systems });
            },
        );
        // The formations' assignment pages are read while the systems' pages still arrive.
        let formations = async {
            let list = self
                .pages(
                    "formations",
                    q::FormationsQuery::build,
                    |d| {
                        let p = d.formations;
                        (p.data, p.page_info, p.total_count)
                    },
                    |_, _, _, _| {},
                )
                .await?;
            let assignments = self.complete_all(&list).await?;
            Ok::<_, BackendError>((list, assignments))
        };
        let (templates, apps, (formations, assignments)) =
            tokio::try_join!(templates, applications, formations)?;
        let template_names: HashMap<String, String> = templates
            .iter()
            .map(|t| (t.id.inner().to_owned(), t.name.clone()))
            .collect();
        let systems = convert::systems(&apps, catalog);
        let formations = convert::formations(&formations, &template_names, &assignments, catalog);
        Landscape::from_parts(None, None, systems, formations, catalog).map_err(|e| {
            BackendError::Failed(format!(
                "the Director at {} returned a landscape that cannot be used: {e}",
                self.client.url()
            ))
        })
    }

    async fn create_formation(
        &self,
        plan: &FormationPlan,
        catalog: &Catalog,
        draft: bool,
        report: super::CallReport<'_>,
    ) -> Result<Created, BackendError> {
        let ftype = catalog.by_id(&plan.type_id).ok_or_else(|| {
            BackendError::Failed(format!("unknown formation type {}", plan.type_id))
        })?;
        let template = self.template_name(ftype).await?;
        match self.send_create(plan, &template, draft, report).await {
            Ok(f) => {
                self.remember(f.id.inner(), &f.name);
                Ok(Created {
                    id: f.id.inner().to_owned(),
                    status: convert::status_name(f.status.condition).to_owned(),
                })
            }
            Err(CallError::Answered {
                message,
                refusal,
                code,
            }) if code == Some(errors::NOT_UNIQUE) || refusal.is_some() => {
                let r = refusal.unwrap_or(Refusal {
                    rule: rules::RuleKind::NameUnique,
                    lines: vec![message],
                });
                Err(refused(
                    r,
                    Vec::new(),
                    format!("The Director refused \"{}\":", plan.name),
                ))
            }
            Err(e) => Err(self.failed(&format!("creating the formation \"{}\"", plan.name), &e)),
        }
    }

    async fn assign(
        &self,
        formation_id: &str,
        system_id: &str,
        _catalog: &Catalog,
        report: super::CallReport<'_>,
    ) -> Result<(), BackendError> {
        let formation = match self.formation(formation_id).await {
            Ok(Some(f)) => f,
            Ok(None) => return Err(BackendError::NoSuchFormation(formation_id.to_owned())),
            Err(e) => return Err(self.failed(&format!("looking up formation {formation_id}"), &e)),
        };
        match self.assign_one(&formation, system_id, report).await {
            Ok(()) => Ok(()),
            Err(AssignFailure::Refused(r)) => Err(refused(
                r,
                vec![system_id.to_owned()],
                format!(
                    "The Director refused the system {system_id} for \"{}\":",
                    formation.name
                ),
            )),
            Err(AssignFailure::Other(m)) => Err(BackendError::Failed(format!(
                "assigning the system {system_id} to \"{}\" failed: {m}",
                formation.name
            ))),
        }
    }

    async fn unassign(
        &self,
        formation_id: &str,
        system_id: &str,
        _catalog: &Catalog,
    ) -> Result<(), BackendError> {
        let name = self.name_of(formation_id).await?;
        self.send_unassign(&name, formation_id, system_id)
            .await
            .map_err(BackendError::Failed)
    }

    async fn members(
        &self,
        formation_id: &str,
    ) -> Result<BTreeMap<String, Assignment>, BackendError> {
        match self.full(formation_id).await {
            Ok(Some(f)) => Ok(f.members()),
            Ok(None) => Err(BackendError::NoSuchFormation(formation_id.to_owned())),
            Err(e) => Err(self.failed(&format!("reading formation {formation_id}"), &e)),
        }
    }

    async fn register_system(
        &self,
        new: &super::registration::NewSystem,
        catalog: &Catalog,
    ) -> Result<crate::landscape::System, BackendError> {
        self.register_new(new, catalog).await
    }

    async fn request_token(
        &self,
        system_id: &str,
        groups: &[String],
        catalog: &Catalog,
    ) -> Result<super::registration::IssuedToken, BackendError> {
        self.issue_token(system_id, groups, catalog).await
    }

    async fn system(
        &self,
        system: &str,
        catalog: &Catalog,
    ) -> Result<crate::landscape::System, BackendError> {
        self.find_system(system, catalog).await
    }

    async fn rules(
        &self,
        catalog: &Catalog,
    ) -> Result<(Catalog, Vec<super::RuleNote>), BackendError> {
        let server = self.server_templates().await?;
        Ok(templates::overlay(catalog, server))
    }

    async fn status(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        match self.formation(formation_id).await {
            Ok(Some(f)) => Ok(state_of(&f)),
            Ok(None) => Err(BackendError::NoSuchFormation(formation_id.to_owned())),
            Err(e) => Err(self.failed(&format!("reading formation {formation_id}"), &e)),
        }
    }

    /// Deletes a formation without members (the Director refuses one with, §4.7).
    async fn delete(&self, formation_id: &str) -> Result<(), BackendError> {
        let name = self.name_of(formation_id).await?;
        self.delete_named(formation_id, &name)
            .await
            .map_err(|e| self.failed(&format!("deleting the formation \"{name}\""), &e))
    }

    async fn finalize(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        let op = q::FinalizeDraftFormation::build(q::FormationIdVars {
            formation_id: Id::new(formation_id),
        });
        self.formation_mutation("finalizeDraftFormation", op, |d| d.finalize_draft_formation)
            .await
    }

    async fn resynchronize_reset(
        &self,
        formation_id: &str,
    ) -> Result<FormationState, BackendError> {
        self.resync_reset(formation_id).await
    }

    async fn resynchronize(&self, formation_id: &str) -> Result<FormationState, BackendError> {
        let op = q::ResynchronizeFormation::build(q::ResyncVars {
            formation_id: Id::new(formation_id),
            reset: None,
        });
        self.formation_mutation("resynchronizeFormationNotifications", op, |d| {
            d.resynchronize_formation_notifications
        })
        .await
    }
}

/// The longest page cursor taken: the Director's are an offset in base64, tens of bytes.
/// A longer one is a server at fault, and keeping or sending it back costs memory and time.
pub const MAX_CURSOR_BYTES: usize = 1024;

/// How many pages in a row a cursor may be longer than the one before: a counter in
/// base64 grows by a byte now and then, not on every page.
const MAX_GROWING_CURSORS: usize = 32;

/// What keeps a paged read finite, from what the client has seen rather than what the
/// server claims: the pages and items may not pass what the largest plausible landscape
/// needs (`Options::max_items` in pages of the size asked for, twice over for servers with
/// smaller pages), nor the first page's `totalCount` (plus 10 %); a cursor may not come back,
/// grow on every page or be longer than [`MAX_CURSOR_BYTES`]. Cursors are remembered by a
/// keyed hash only, never kept.
struct PageBound {
    seen: std::collections::HashSet<u64>,
    keys: std::collections::hash_map::RandomState,
    total: Option<usize>,
    pages: usize,
    max_pages: usize,
    max_items: usize,
    last_len: usize,
    growing: usize,
}

impl PageBound {
    fn new(page_size: i32, max_items: usize) -> PageBound {
        let page_size = usize::try_from(page_size).unwrap_or(1).max(1);
        PageBound {
            seen: std::collections::HashSet::new(),
            keys: std::collections::hash_map::RandomState::new(),
            total: None,
            pages: 0,
            max_pages: max_items.div_ceil(page_size).saturating_mul(2).max(1),
            max_items,
            last_len: 0,
            growing: 0,
        }
    }

    /// Before asking for the page after `cursor`, with `items` read so far. The error says
    /// what the server did wrong.
    fn next(&mut self, total: i32, items: usize, cursor: &str) -> Result<(), String> {
        use std::hash::BuildHasher;
        let total = *self
            .total
            .get_or_insert(usize::try_from(total).unwrap_or(0));
        self.pages += 1;
        if cursor.len() > MAX_CURSOR_BYTES {
            return Err(format!(
                "the server handed back a page cursor of {} bytes, where the Director's are tens (at most {MAX_CURSOR_BYTES} are taken)",
                cursor.len()
            ));
        }
        self.growing = if cursor.len() > self.last_len {
            self.growing + 1
        } else {
            0
        };
        self.last_len = cursor.len();
        if self.growing > MAX_GROWING_CURSORS {
            return Err(format!(
                "the server's page cursor grew on each of the last {} pages",
                self.growing
            ));
        }
        if !self.seen.insert(self.keys.hash_one(cursor)) {
            return Err("the server handed back a page cursor it had given before".into());
        }
        // A little slack: systems registered while the read runs raise the count honestly.
        let limit = total + total / 10 + 1;
        if items > limit || self.pages > limit {
            return Err(format!(
                "the server keeps saying there is another page after {items} items in {} pages, though it counted {total} in all",
                self.pages
            ));
        }
        if items > self.max_items || self.pages > self.max_pages {
            return Err(format!(
                "the server keeps saying there is another page after {items} items in {} pages, more than a landscape of {} items needs",
                self.pages, self.max_items
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod page_bound_tests {
    use super::{MAX_GROWING_CURSORS, PageBound};

    #[test]
    fn alternating_cursors_are_caught_on_the_first_repeat() {
        let mut b = PageBound::new(100, 200_000);
        assert!(b.next(1000, 1, "a").is_ok());
        assert!(b.next(1000, 2, "b").is_ok());
        assert!(b.next(1000, 3, "a").is_err());
    }

    #[test]
    fn fresh_cursors_stop_at_the_total_count() {
        let mut b = PageBound::new(100, 200_000);
        let stopped = (1..100).find(|i| b.next(5, 0, &format!("{i:03}")).is_err());
        assert_eq!(stopped, Some(7));
    }

    /// Issue 23, Why 2: `totalCount` 2147483647 no longer lets the client page for ever;
    /// what it has seen does: a long cursor at once, growing or fresh ones by the pages a
    /// landscape of `max_items` needs.
    #[test]
    fn a_lying_total_count_is_bounded_by_what_the_client_has_seen() {
        let mut b = PageBound::new(100, 200_000);
        let e = b
            .next(i32::MAX, 1, &"x".repeat(100 * 1024))
            .expect_err("a 100 KB cursor");
        assert!(e.contains("102400 bytes"), "{e}");

        let mut b = PageBound::new(100, 200_000);
        let stopped = (1..1000).find(|i| b.next(i32::MAX, *i, &"c".repeat(*i)).is_err());
        assert_eq!(
            stopped,
            Some(MAX_GROWING_CURSORS + 1),
            "a cursor growing on every page"
        );

        let mut b = PageBound::new(100, 200_000);
        let stopped = (1..100_000).find(|i| {
            b.next(i32::MAX, *i, &format!("{:08}", i % 10_000_000))
                .is_err()
        });
        assert_eq!(
            stopped,
            Some(4001),
            "200,000 items in pages of 100, twice over"
        );
    }
}
