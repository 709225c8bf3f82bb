//! A backend for the operations layer's tests: a landscape in memory that behaves as the
//! Director does where it matters here (assignments that settle after a few looks, a
//! formation with members cannot be deleted, an unassign passes through DELETING), with
//! each call logged and any step scripted to fail, to be refused, or to raise an
//! interrupt once it has gone through.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::Interrupt;
use crate::backend::{Backend, BackendError, CallReport, Created, FormationState, Progress};
use crate::catalog::Catalog;
use crate::landscape::{Assignment, Formation, Landscape, System};
use crate::plan::FormationPlan;
use crate::rules::{Finding, RuleKind};

/// How a scripted assignment ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ends {
    Ready,
    /// `CREATE_ERROR` with this message.
    Error(String),
    /// The assignment is deleted again (notifications failed late, fact 12).
    Vanishes,
}

#[derive(Debug, Default)]
pub struct State {
    pub systems: Vec<System>,
    /// id → (name, type id, members with their assignments)
    pub formations: BTreeMap<String, (String, String, BTreeMap<String, Assignment>)>,
    /// Every call that changes something, in order: "create F", "assign s", "unassign s",
    /// "delete f-1".
    pub log: Vec<String>,
    /// A call (as logged) that fails, with the error's words; "refuse:" refuses instead.
    pub fail: HashMap<String, String>,
    /// How each system's assignment ends (READY when not said).
    pub ends: HashMap<String, Ends>,
    /// After this logged call has gone through, the interrupt is raised.
    pub interrupt_after: Option<(String, Interrupt)>,
    /// How many looks an assignment (or an unassign) stays in progress.
    pub looks: u32,
    /// Per formation and system, the looks left before it settles.
    settling: HashMap<(String, String), u32>,
    next_id: u32,
}

pub struct Scripted {
    pub state: Mutex<State>,
    catalog: Catalog,
}

pub fn system(id: &str, system_type: &str) -> System {
    System {
        id: id.into(),
        name: format!("{id} name"),
        system_type: system_type.into(),
        status: Some("Registered".into()),
        scenario_groups: vec!["All Communication Scenarios".into()],
        ..System::default()
    }
}

impl Default for Scripted {
    fn default() -> Self {
        Scripted::new()
    }
}

impl Scripted {
    /// Task Centers tc-1, tc-2 and S/4HANA Cloud systems s4-1 … s4-3, no formations.
    pub fn new() -> Scripted {
        let mut state = State {
            systems: vec![
                system("tc-1", "SAP Task Center"),
                system("tc-2", "SAP Task Center"),
                system("s4-1", "SAP S/4HANA Cloud"),
                system("s4-2", "SAP S/4HANA Cloud"),
                system("s4-3", "SAP S/4HANA Cloud"),
            ],
            looks: 1,
            ..State::default()
        };
        state.next_id = 1;
        Scripted {
            state: Mutex::new(state),
            catalog: Catalog::embedded().expect("the embedded catalog"),
        }
    }

    pub fn with(self, edit: impl FnOnce(&mut State)) -> Scripted {
        edit(&mut self.lock());
        self
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn log(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    /// The formations by name, with their members.
    pub fn formations(&self) -> BTreeMap<String, Vec<String>> {
        self.lock()
            .formations
            .values()
            .map(|(name, _, m)| (name.clone(), m.keys().cloned().collect()))
            .collect()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Logs `call`, then fails it if scripted.
    fn call(&self, state: &mut State, call: String) -> Result<(), BackendError> {
        if let Some(why) = state.fail.get(&call).cloned() {
            return Err(match why.strip_prefix("refuse:") {
                Some(r) => BackendError::Refused(Box::new(Finding::new(
                    RuleKind::MaxSystemsOfType,
                    Vec::new(),
                    r.to_owned(),
                    None,
                ))),
                None => BackendError::Failed(why),
            });
        }
        state.log.push(call);
        Ok(())
    }

    fn after(&self, state: &State) {
        if let (Some((call, interrupt)), Some(last)) = (&state.interrupt_after, state.log.last())
            && call == last
        {
            interrupt.raise();
        }
    }
}

#[async_trait]
impl Backend for Scripted {
    fn describe(&self) -> String {
        "scripted".into()
    }

    async fn load(&self, catalog: &Catalog, _: &Progress) -> Result<Landscape, BackendError> {
        let state = self.lock();
        let formations = state
            .formations
            .iter()
            .map(|(id, (name, type_id, members))| Formation {
                id: id.clone(),
                name: name.clone(),
                type_name: type_id.clone(),
                systems: members.keys().cloned().collect(),
                assignments: members.clone(),
                ..Formation::default()
            })
            .collect();
        Landscape::from_parts(None, None, state.systems.clone(), formations, catalog)
            .map_err(BackendError::Failed)
    }

    async fn create_formation(
        &self,
        plan: &FormationPlan,
        _: &Catalog,
        draft: bool,
        _: CallReport<'_>,
    ) -> Result<Created, BackendError> {
        let mut state = self.lock();
        self.call(&mut state, format!("create {}", plan.name))?;
        let id = format!("f-{}", state.next_id);
        state.next_id += 1;
        state.formations.insert(
            id.clone(),
            (plan.name.clone(), plan.type_id.clone(), BTreeMap::new()),
        );
        self.after(&state);
        Ok(Created {
            id,
            status: if draft { "Draft" } else { "Ready" }.into(),
        })
    }

    async fn assign(
        &self,
        fid: &str,
        sid: &str,
        _: &Catalog,
        _: CallReport<'_>,
    ) -> Result<(), BackendError> {
        let mut state = self.lock();
        self.call(&mut state, format!("assign {sid}"))?;
        let looks = state.looks;
        let Some((_, _, members)) = state.formations.get_mut(fid) else {
            return Err(BackendError::NoSuchFormation(fid.to_owned()));
        };
        members.insert(
            sid.to_owned(),
            Assignment {
                state: "INITIAL".into(),
                error: None,
            },
        );
        state
            .settling
            .insert((fid.to_owned(), sid.to_owned()), looks);
        self.after(&state);
        Ok(())
    }

    async fn unassign(&self, fid: &str, sid: &str, _: &Catalog) -> Result<(), BackendError> {
        let mut state = self.lock();
        self.call(&mut state, format!("unassign {sid}"))?;
        let looks = state.looks;
        let Some((_, _, members)) = state.formations.get_mut(fid) else {
            return Err(BackendError::NoSuchFormation(fid.to_owned()));
        };
        if let Some(a) = members.get_mut(sid) {
            a.state = "DELETING".into();
            state
                .settling
                .insert((fid.to_owned(), sid.to_owned()), looks);
        }
        self.after(&state);
        Ok(())
    }

    async fn status(&self, fid: &str) -> Result<FormationState, BackendError> {
        let state = self.lock();
        let (_, _, members) = state
            .formations
            .get(fid)
            .ok_or_else(|| BackendError::NoSuchFormation(fid.to_owned()))?;
        let error = members.values().any(Assignment::is_error);
        Ok(FormationState {
            status: if error { "Error" } else { "Ready" }.into(),
            errors: Vec::new(),
        })
    }

    async fn delete(&self, fid: &str) -> Result<(), BackendError> {
        let mut state = self.lock();
        self.call(&mut state, format!("delete {fid}"))?;
        match state.formations.get(fid) {
            None => return Err(BackendError::NoSuchFormation(fid.to_owned())),
            Some((_, _, m)) if !m.is_empty() => {
                return Err(BackendError::Failed(
                    "the formation still has assignments (§4.7)".into(),
                ));
            }
            Some(_) => {}
        }
        state.formations.remove(fid);
        self.after(&state);
        Ok(())
    }

    /// Each look moves every assignment in progress one step towards where it ends.
    async fn members(&self, fid: &str) -> Result<BTreeMap<String, Assignment>, BackendError> {
        let mut state = self.lock();
        let State {
            formations,
            settling,
            ends,
            ..
        } = &mut *state;
        let (_, _, members) = formations
            .get_mut(fid)
            .ok_or_else(|| BackendError::NoSuchFormation(fid.to_owned()))?;
        let ids: Vec<String> = members.keys().cloned().collect();
        for sid in ids {
            let key = (fid.to_owned(), sid.clone());
            let Some(left) = settling.get_mut(&key) else {
                continue;
            };
            if *left > 0 {
                *left -= 1;
                continue;
            }
            settling.remove(&key);
            let deleting = members.get(&sid).is_some_and(|a| a.state == "DELETING");
            if deleting {
                members.remove(&sid);
                continue;
            }
            match ends.get(&sid).cloned().unwrap_or(Ends::Ready) {
                Ends::Ready => {
                    members.insert(
                        sid,
                        Assignment {
                            state: "READY".into(),
                            error: None,
                        },
                    );
                }
                Ends::Error(m) => {
                    members.insert(
                        sid,
                        Assignment {
                            state: "CREATE_ERROR".into(),
                            error: Some(m),
                        },
                    );
                }
                Ends::Vanishes => {
                    members.remove(&sid);
                }
            }
        }
        Ok(members.clone())
    }

    async fn resynchronize(&self, fid: &str) -> Result<FormationState, BackendError> {
        {
            let mut state = self.lock();
            self.call(&mut state, format!("resync {fid}"))?;
            let looks = state.looks;
            let State {
                formations,
                settling,
                ends,
                ..
            } = &mut *state;
            if let Some((_, _, members)) = formations.get_mut(fid) {
                for (sid, a) in members.iter_mut() {
                    if a.is_error() {
                        // Sent again: it ends as `ends` says now.
                        let _ = ends.get(sid);
                        a.state = "INITIAL".into();
                        a.error = None;
                        settling.insert((fid.to_owned(), sid.clone()), looks);
                    }
                }
            }
        }
        self.status(fid).await
    }
}
