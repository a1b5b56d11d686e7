/// The line the example prints; lives in its own crate to show a dependency being built.
pub fn greeting(target: &str) -> String {
    format!("Hello from a path crate, built for {}!", target)
}
