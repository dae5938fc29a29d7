//! Tells the integration tests whether a PostgreSQL server is configured for them, so that
//! without `SIPAS_TEST_POSTGRES_URL` their PostgreSQL variants are compiled as ignored
//! (and reported so) rather than counted as passed (see `tests/it/helpers.rs`). The
//! variable changing rebuilds the crate, so `cargo test` always matches it.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=SIPAS_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(sipas_test_postgres)");
    if std::env::var_os("SIPAS_TEST_POSTGRES_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=sipas_test_postgres");
    }
}
