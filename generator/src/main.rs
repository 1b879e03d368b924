fn main() {
    println!("letterbox: not built yet");
}
