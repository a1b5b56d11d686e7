fn main() {
    println!("{}", greeting::greeting("WebAssembly"));
}
