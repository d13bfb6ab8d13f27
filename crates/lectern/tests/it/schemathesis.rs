//! Schemathesis (PyPI, installed by `.ci/run`) against the OpenAPI document the server
//! serves, on a live server with data: it generates requests from the document — valid and
//! invalid — for every operation, and fails on any 5xx or any answer whose body does not
//! match the schema documented for its status (issue 19).

use crate::support::api::{ALL, token_for};
use crate::support::{TestAppBuilder, courses};

db_test!(the_api_keeps_its_openapi_document_under_schemathesis);
async fn the_api_keeps_its_openapi_document_under_schemathesis(b: TestAppBuilder) {
    // Its requests must reach the handlers, not the token's rate limit.
    let app = b
        .env("LECTERN_API_RATE_PER_MINUTE", "1000000")
        .start()
        .await;
    // Something to read, page through and change: a course with lessons and students.
    let made = courses::published_course(
        &app,
        "Schema course",
        &[("document", vec![("title", "Reading"), ("body", "Text")])],
    )
    .await;
    courses::enroll(&app, made.id, app.student.id).await;
    let token = token_for(&app, &app.admin, ALL).await;
    let url = format!("{}/api/v1/openapi.json", app.base_url);
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("st")
            .args(["run", &url])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--max-examples",
                "25",
                "--seed",
                "1",
                "--no-color",
            ])
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .expect("run schemathesis's `st` (pip install schemathesis; .ci/run does)")
    })
    .await
    .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{report}"
    );
    // It really ran the operations (not, say, an empty document).
    assert!(report.contains("passed"), "{report}");
}
