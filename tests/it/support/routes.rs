//! The routes the router serves, read from the route tables in the source, so a test that walks
//! them cannot miss one added later.

/// `(method, path)` for each method of each route in `source`, where routes are written as
/// `.route("/path", get(a).post(b))` or, in the API's table, `"/path" => get(a).patch(b)`.
fn routes_in(source: &str, prefix: &str) -> Vec<(String, String)> {
    let flat = source.replace(['\n', ' '], "");
    let mut routes = Vec::new();
    for piece in flat.split('"').collect::<Vec<_>>().windows(2) {
        let (path, after) = (piece[0], piece[1]);
        if !path.starts_with(prefix) || path.contains('*') {
            continue;
        }
        let handlers = after
            .trim_start_matches([',', '='])
            .trim_start_matches('>')
            .split(".route(")
            .next()
            .unwrap_or("");
        for (call, method) in [
            ("get(", "GET"),
            ("post(", "POST"),
            ("patch(", "PATCH"),
            ("delete(", "DELETE"),
            ("put(", "PUT"),
        ] {
            let starts = handlers.starts_with(call) || handlers.contains(&format!(".{call}"));
            if starts {
                routes.push((method.to_string(), path.to_string()));
            }
        }
    }
    routes
}

/// Every admin route.
pub fn admin_routes() -> Vec<(String, String)> {
    routes_in(include_str!("../../../src/admin/mod.rs"), "/admin")
}

/// Every API route.
pub fn api_routes() -> Vec<(String, String)> {
    routes_in(include_str!("../../../src/api/mod.rs"), "/api/v1/")
}

/// A path with each `{parameter}` given the value 1.
pub fn filled(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}
