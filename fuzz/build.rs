//! Registers the Director schema with cynic, as the main crate's build.rs does.

fn main() {
    println!("cargo:rerun-if-changed=../assets/director-schema.graphql");
    if let Err(e) = cynic_codegen::register_schema("director")
        .from_sdl_file("../assets/director-schema.graphql")
        .and_then(|s| s.as_default())
    {
        eprintln!("cannot register ../assets/director-schema.graphql: {e}");
        std::process::exit(1);
    }
}
