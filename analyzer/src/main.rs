fn main() {
    eprintln!("analyze: not built yet");
    std::process::exit(3);
}
