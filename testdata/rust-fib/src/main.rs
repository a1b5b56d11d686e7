/// Naive recursive Fibonacci: a small CPU-bound workload for comparing runtimes.
fn fibonacci(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fibonacci(n - 1) + fibonacci(n - 2)
    }
}

fn main() {
    let n = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(35);
    println!("fibonacci({}) = {}", n, fibonacci(n));
}
