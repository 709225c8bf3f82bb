//! The sandbox's data: a landscape file, read into memory and written back atomically on
//! every change, plus what only the server knows (which formations are still settling, which
//! are drafts). Every mutation runs under one lock and re-checks the rules with the same
//! engine as the wizard, so two clients cannot both take a system that allows one.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::catalog::Catalog;
use crate::landscape::{self, Formation, Landscape};
use crate::rules::{self, Finding, RuleKind};

pub const INTERNAL: i64 = 10;
pub const NOT_FOUND: i64 = 20;
pub const NOT_UNIQUE: i64 = 21;
pub const INVALID_DATA: i64 = 22;
pub const INSUFFICIENT_SCOPES: i64 = 23;
pub const INVALID_OPERATION: i64 = 27;

/// The template used when `createFormation` names none, as in the Director.
const DEFAULT_TEMPLATE: &str = "Side-by-Side Extensibility with Kyma";

/// An error as the Director reports it: a message and `extensions.error_code`, plus the
/// rule kind (an extension of the sandbox's own, which clients may ignore).
#[derive(Debug, Clone)]
pub struct DirectorError {
    pub code: i64,
    pub message: String,
    pub rule: Option<RuleKind>,
}

impl DirectorError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        DirectorError {
            code,
            message: message.into(),
            rule: None,
        }
    }
}

/// A formation's lifecycle as the Director reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    InProgress,
    Error,
    Ready,
    Draft,
}

#[derive(Debug, Clone)]
pub struct FormationView {
    pub formation: Formation,
    pub condition: Condition,
    pub state: &'static str,
}

pub struct Store {
    path: PathBuf,
    catalog: Catalog,
    pub landscape: Landscape,
    ready_after: Duration,
    settling: HashMap<String, Instant>,
    drafts: HashSet<String>,
}

type Result<T> = std::result::Result<T, DirectorError>;

fn write_failed(e: impl std::fmt::Display) -> DirectorError {
    DirectorError::new(
        INTERNAL,
        format!("the sandbox cannot save the landscape: {e}"),
    )
}

impl Store {
    pub fn open(
        path: PathBuf,
        catalog: Catalog,
        ready_after: Duration,
    ) -> std::result::Result<Store, landscape::LandscapeError> {
        let landscape = Landscape::load(&path, &catalog)?;
        let drafts = landscape
            .formations
            .iter()
            .filter(|f| f.status.as_deref() == Some("Draft"))
            .map(|f| f.id.clone())
            .collect();
        Ok(Store {
            path,
            catalog,
            landscape,
            ready_after,
            settling: HashMap::new(),
            drafts,
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    fn reload(&mut self) -> Result<()> {
        self.landscape = Landscape::load(&self.path, &self.catalog).map_err(write_failed)?;
        Ok(())
    }

    pub fn view(&self, f: &Formation) -> FormationView {
        let (condition, state) = if self.drafts.contains(&f.id) {
            (Condition::Draft, "DRAFT")
        } else if self
            .settling
            .get(&f.id)
            .is_some_and(|at| *at > Instant::now())
        {
            (Condition::InProgress, "INITIAL")
        } else if f.status.as_deref() == Some("Error") {
            (Condition::Error, "CREATE_ERROR")
        } else {
            (Condition::Ready, "READY")
        };
        FormationView {
            formation: f.clone(),
            condition,
            state,
        }
    }

    pub fn by_id(&self, id: &str) -> Option<FormationView> {
        self.landscape
            .formations
            .iter()
            .find(|f| f.id == id)
            .map(|f| self.view(f))
    }

    pub fn by_name(&self, name: &str) -> Option<FormationView> {
        self.landscape.formation_named(name).map(|f| self.view(f))
    }

    fn named(&self, name: &str) -> Result<Formation> {
        self.landscape
            .formation_named(name)
            .cloned()
            .ok_or_else(|| DirectorError::new(NOT_FOUND, format!("Formation \"{name}\" not found")))
    }

    pub fn create(
        &mut self,
        name: &str,
        template: Option<&str>,
        draft: bool,
    ) -> Result<FormationView> {
        let template = template.unwrap_or(DEFAULT_TEMPLATE);
        let ftype = self.catalog.find(template).ok_or_else(|| {
            DirectorError::new(
                NOT_FOUND,
                format!("formation template \"{template}\" not found"),
            )
        })?;
        if let Some(finding) = rules::check_role(&self.landscape, &self.catalog) {
            return Err(DirectorError {
                code: INSUFFICIENT_SCOPES,
                message: format!("insufficient scopes provided: {}", finding.message),
                rule: Some(RuleKind::Role),
            });
        }
        let (violations, _) = rules::check_name(name, &self.landscape, &self.catalog);
        if let Some(v) = violations.first() {
            let code = if v.rule == RuleKind::NameUnique {
                NOT_UNIQUE
            } else {
                INVALID_DATA
            };
            return Err(DirectorError {
                code,
                message: v.message.clone(),
                rule: Some(v.rule),
            });
        }
        let formation = Formation {
            id: format!("f-{}", uuid::Uuid::new_v4().simple()),
            name: name.to_owned(),
            type_name: ftype.name.clone(),
            systems: Vec::new(),
            status: Some(if draft { "Draft" } else { "Ready" }.to_owned()),
            type_id: ftype.id.clone(),
            ..Formation::default()
        };
        landscape::append_formation(&self.path, &formation).map_err(write_failed)?;
        if draft {
            self.drafts.insert(formation.id.clone());
        } else {
            self.settle(&formation.id);
        }
        self.reload()?;
        Ok(self.view(&formation))
    }

    fn settle(&mut self, id: &str) {
        self.settling
            .insert(id.to_owned(), Instant::now() + self.ready_after);
    }

    pub fn delete(&mut self, name: &str) -> Result<FormationView> {
        let formation = self.named(name)?;
        let view = self.view(&formation);
        landscape::edit_formations(&self.path, |list| {
            list.retain(|f| f["id"] != formation.id.as_str());
            Ok(())
        })
        .map_err(write_failed)?;
        self.settling.remove(&formation.id);
        self.drafts.remove(&formation.id);
        self.reload()?;
        Ok(view)
    }

    /// Assigns a system after enforcing the constraints: the formation with the system is
    /// checked against the landscape without that formation, and any violation that
    /// concerns the system refuses the assignment. Assigning a member again changes nothing.
    pub fn assign(&mut self, name: &str, system_id: &str) -> Result<FormationView> {
        let formation = self.named(name)?;
        if formation.systems.iter().any(|s| s == system_id) {
            return Ok(self.view(&formation));
        }
        self.enforce(&formation, system_id)?;
        self.edit_members(&formation.id, |systems| systems.push(system_id.to_owned()))?;
        self.by_id(&formation.id)
            .ok_or_else(|| DirectorError::new(INTERNAL, "the formation vanished"))
    }

    pub fn unassign(&mut self, name: &str, system_id: &str) -> Result<FormationView> {
        let formation = self.named(name)?;
        self.edit_members(&formation.id, |systems| systems.retain(|s| s != system_id))?;
        self.by_id(&formation.id)
            .ok_or_else(|| DirectorError::new(INTERNAL, "the formation vanished"))
    }

    fn edit_members(&mut self, id: &str, edit: impl FnOnce(&mut Vec<String>)) -> Result<()> {
        let mut systems = self
            .landscape
            .formations
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.systems.clone())
            .unwrap_or_default();
        edit(&mut systems);
        landscape::edit_formations(&self.path, |list| {
            let f = list
                .iter_mut()
                .find(|f| f["id"] == id)
                .ok_or_else(|| format!("no formation with the id \"{id}\""))?;
            f["systems"] = serde_json::json!(systems);
            Ok(())
        })
        .map_err(write_failed)?;
        self.reload()
    }

    fn enforce(&self, formation: &Formation, system_id: &str) -> Result<()> {
        let system = self.landscape.system(system_id).ok_or_else(|| {
            DirectorError::new(
                NOT_FOUND,
                format!("Application with ID \"{system_id}\" not found"),
            )
        })?;
        let ftype = self.catalog.by_id(&formation.type_id).ok_or_else(|| {
            DirectorError::new(INTERNAL, format!("unknown template {}", formation.type_id))
        })?;
        if ftype.allowed(&system.system_type).is_none() {
            return Err(DirectorError {
                code: INVALID_DATA,
                message: format!(
                    "unsupported applicationType \"{}\" for formation template \"{}\", allowing only {:?}",
                    system.system_type,
                    ftype.name,
                    ftype.allowed_names()
                ),
                rule: Some(RuleKind::SystemTypeNotAllowed),
            });
        }
        match rules::check_assignment(&self.landscape, formation, system_id, &self.catalog)
            .map_err(|e| DirectorError::new(INTERNAL, e))?
        {
            Some(v) => Err(constraint_error(&v)),
            None => Ok(()),
        }
    }

    pub fn finalize(&mut self, id: &str) -> Result<FormationView> {
        let view = self.by_id(id).ok_or_else(|| {
            DirectorError::new(NOT_FOUND, format!("Formation with ID \"{id}\" not found"))
        })?;
        if view.condition != Condition::Draft {
            return Err(DirectorError::new(
                INVALID_OPERATION,
                format!("formation with ID \"{id}\" is not in DRAFT state"),
            ));
        }
        self.set_status(id, "Ready")?;
        self.drafts.remove(id);
        self.settle(id);
        self.by_id(id)
            .ok_or_else(|| DirectorError::new(INTERNAL, "the formation vanished"))
    }

    pub fn resynchronize(&mut self, id: &str) -> Result<FormationView> {
        let view = self.by_id(id).ok_or_else(|| {
            DirectorError::new(NOT_FOUND, format!("Formation with ID \"{id}\" not found"))
        })?;
        if view.condition == Condition::Error {
            self.set_status(id, "Ready")?;
            self.settle(id);
        }
        self.by_id(id)
            .ok_or_else(|| DirectorError::new(INTERNAL, "the formation vanished"))
    }

    fn set_status(&mut self, id: &str, status: &str) -> Result<()> {
        landscape::edit_formations(&self.path, |list| {
            if let Some(f) = list.iter_mut().find(|f| f["id"] == id) {
                f["status"] = status.into();
            }
            Ok(())
        })
        .map_err(write_failed)?;
        self.reload()
    }
}

/// A rule violation in the Director's words: the constraint and operator it mirrors.
pub fn constraint_error(finding: &Finding) -> DirectorError {
    let (constraint, operator) = match finding.rule {
        RuleKind::SystemInOtherFormationOfType => (
            "SystemInAtMostOneFormationOfGivenType",
            "IsNotAssignedToAnyFormationOfType",
        ),
        RuleKind::MaxSystemsOfType => (
            "AtMostOneSystemOfGivenTypePerFormation",
            "DoesNotContainResourceOfSubtype",
        ),
        RuleKind::ScenarioGroup => ("RequiredScenarioGroups", "ContainsScenarioGroups"),
        RuleKind::RegistrationStatus => ("SystemIsRegistered", "RequiresRegistrationStatus"),
        _ => ("FormationTypeRules", "CatalogRule"),
    };
    DirectorError {
        code: INVALID_OPERATION,
        message: format!(
            "while enforcing constraints for target operation \"ASSIGN_FORMATION\" and constraint type \"PRE\": Formation constraint \"{constraint}\" is not satisfied due to: Operator \"{operator}\" is not satisfied: {}",
            finding.message
        ),
        rule: Some(finding.rule),
    }
}
