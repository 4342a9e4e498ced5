fn main() {
    std::process::exit(wt::cli::main());
}
