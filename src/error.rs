//! The errors a command can end with, and the exit code each maps to (DESIGN.md §3).

use crate::backend::BackendError;
use crate::catalog::CatalogError;
use crate::demo::DemoError;
use crate::landscape::LandscapeError;
use crate::plan::PlanError;

pub mod exit {
    pub const OK: u8 = 0;
    pub const RULES_NOT_SATISFIED: u8 = 1;
    pub const INPUT: u8 = 2;
    pub const BACKEND: u8 = 3;
    pub const CANCELLED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Landscape(#[from] LandscapeError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("{0}")]
    Usage(String),
    /// The user said no (exit 130).
    #[error("{0}")]
    Cancelled(String),
}

impl AppError {
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Landscape(LandscapeError::Write { .. }) => exit::BACKEND,
            AppError::Backend(e) => e.exit_code(),
            AppError::Demo(_) => exit::BACKEND,
            AppError::Cancelled(_) => exit::CANCELLED,
            _ => exit::INPUT,
        }
    }
}
