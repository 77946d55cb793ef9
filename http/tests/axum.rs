//! An axum `Router` served by `ringbolt_hyper::serve`: JSON, a path
//! parameter, a file read through `ringbolt::fs`, and axum's 404.

mod common;

use std::future::IntoFuture;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use common::*;
use http_body_util::{BodyExt, Empty};
use hyper::StatusCode;
use ringbolt::time::timeout;

async fn get_text(
    client: &hyper_util::client::legacy::Client<ringbolt_hyper::Connector, Empty<bytes::Bytes>>,
    url: String,
) -> (StatusCode, String) {
    let res = timeout(PATIENCE, client.get(url.parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[ringbolt::test(worker_threads = 2)]
async fn an_axum_router_serves_json_path_parameters_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("greeting.txt");
    ringbolt::fs::write(&file, b"read through the ring\n".to_vec())
        .await
        .unwrap();
    let app = Router::new()
        .route(
            "/users/{id}",
            get(|Path(id): Path<u64>| async move {
                Json(serde_json::json!({ "id": id, "name": format!("user {id}") }))
            }),
        )
        .route(
            "/file",
            get(|State(path): State<std::path::PathBuf>| async move {
                ringbolt::fs::read(path).await.unwrap()
            }),
        )
        .with_state(file);
    let (listener, addr) = listener();
    ringbolt::spawn(ringbolt_hyper::serve(listener, app).into_future());
    let client = ringbolt_hyper::client::<Empty<bytes::Bytes>>();

    let (status, body) = get_text(&client, format!("http://{addr}/users/42")).await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json, serde_json::json!({ "id": 42, "name": "user 42" }));

    let (status, body) = get_text(&client, format!("http://{addr}/file")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "read through the ring\n")
    );

    let (status, _) = get_text(&client, format!("http://{addr}/users/not-a-number")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get_text(&client, format!("http://{addr}/nowhere")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
