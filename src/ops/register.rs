//! Registering a new system (`registerApplication`): one call, which either happens or does
//! not, so there is nothing to undo; the system starts INITIAL until it is paired.

use super::{Calls, Ctx, said};
use crate::backend::BackendError;
use crate::backend::registration::NewSystem;
use crate::landscape::System;

pub async fn register(ctx: &Ctx<'_>, new: &NewSystem) -> Result<System, BackendError> {
    let _running = ctx.stop.running();
    let mut calls = Calls::new(&ctx.progress);
    let call = calls.start(format!("Register the system \"{}\"", new.name));
    match ctx.backend.register_system(new, ctx.catalog).await {
        Ok(system) => {
            call.done();
            Ok(system)
        }
        Err(e) => {
            call.failed(&said(&e));
            Err(e)
        }
    }
}
