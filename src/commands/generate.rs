//! `generate`: a realistic landscape of any size, for trials and benchmarks.

use crate::catalog::Catalog;
use crate::error::{AppError, exit};

pub(super) fn generate(args: &crate::cli::GenerateArgs, catalog: &Catalog) -> Result<u8, AppError> {
    use std::io::Write;
    let landscape = crate::generate::landscape(catalog, args.systems, args.formations, args.seed);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = serde_json::to_writer(&mut out, &landscape)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(exit::OK),
        // The reader went away (e.g. `| head`): nothing more to say.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(AppError::Usage(format!(
            "cannot write the generated landscape: {e}"
        ))),
    }
}
