/// mimalloc rather than glibc's malloc: imports and reports allocate a string per row and
/// per answer, and spent a quarter of their time in malloc and free (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sipas::cli::main()
}
