//! Registers the Director schema subset with cynic, so the director backend's queries are
//! checked against it at compile time.

fn main() {
    println!("cargo:rerun-if-changed=assets/director-schema.graphql");
    if let Err(e) = cynic_codegen::register_schema("director")
        .from_sdl_file("assets/director-schema.graphql")
        .and_then(|s| s.as_default())
    {
        eprintln!("cannot register assets/director-schema.graphql: {e}");
        std::process::exit(1);
    }
}
