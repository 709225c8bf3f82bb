//! formation-wizard: create SAP BTP System Landscape formations from a terminal.
//!
//! Data flows one way: landscape → model → rules → verdicts → screen / JSON / create.

pub mod backend;
pub mod cache;
pub mod catalog;
pub mod changes;
pub mod cli;
pub mod cli_words;
pub mod commands;
pub mod declare;
pub mod demo;
pub mod doctor;
pub mod error;
pub mod files;
pub mod generate;
pub mod intern;
pub mod json_text;
pub mod landscape;
pub mod logging;
pub mod ops;
pub mod output;
pub mod plan;
pub mod prompt;
pub mod reset;
pub mod rules;
pub mod sandbox;
pub mod text;
pub mod tui;
