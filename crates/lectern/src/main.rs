use std::process::ExitCode;

/// jemalloc, with its background thread purging what was freed (see Cargo.toml).
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    lectern::cli::main()
}
