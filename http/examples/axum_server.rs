//! A small axum app on ringbolt: a JSON route, a path parameter, and a
//! file read with `ringbolt::fs` (an io_uring read, no thread pool).
//!
//! `cargo run -p ringbolt-hyper --example axum_server -- [ADDR]`
//! (default `127.0.0.1:8080`), then:
//!
//! ```text
//! curl http://127.0.0.1:8080/users/7
//! curl -X POST -H 'content-type: application/json' -d '{"name":"ada"}' http://127.0.0.1:8080/users
//! curl http://127.0.0.1:8080/source
//! ```
//!
//! Ctrl-C stops it after the requests in flight are answered.

use std::io;
use std::net::SocketAddr;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct User {
    id: u64,
    name: String,
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
}

async fn user(Path(id): Path<u64>) -> Json<User> {
    Json(User {
        id,
        name: format!("user {id}"),
    })
}

async fn create_user(Json(new): Json<NewUser>) -> (StatusCode, Json<User>) {
    (
        StatusCode::CREATED,
        Json(User {
            id: 1,
            name: new.name,
        }),
    )
}

/// This example's own source, read through the ring.
async fn source() -> Result<impl IntoResponse, (StatusCode, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/axum_server.rs");
    match ringbolt::fs::read(path).await {
        Ok(bytes) => Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes)),
        Err(e) => Err((StatusCode::NOT_FOUND, format!("{path}: {e}"))),
    }
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "hello from axum on ringbolt\n" }))
        .route("/users/{id}", get(user))
        .route("/users", axum::routing::post(create_user))
        .route("/source", get(source))
}

#[ringbolt::main]
async fn main() -> io::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("127.0.0.1:8080")
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("bad address: {e}")))?;
    let listener = ringbolt::net::TcpListener::bind(addr)?;
    println!("axum on http://{}", listener.local_addr()?);
    ringbolt_hyper::serve(listener, app())
        .with_graceful_shutdown(ringbolt::signal::ctrl_c())
        .await
}
