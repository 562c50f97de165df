//! The updater on tauri's mock runtime, against a local HTTP server that publishes a manifest and
//! a payload the way the portal and `cargo xtask release` do: a correctly signed update is found
//! (at start-up, as an event, and through `update_check`), downloaded and verified; a tampered
//! payload, a signature from another key and a signature made for another version are refused
//! by `update_install` with a plain error before anything is installed.
//!
//! The throwaway key pairs are made here with the npm tauri CLI (`POCKET_TAURI_CLI`, which
//! `cargo xtask test` sets; else the copy `cargo xtask bundle` installs), never the real key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pocket_desktop::Desktop;
use pocket_desktop::updater::{self, UpdateSettings, Updates};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{Listener, Manager, WebviewWindow, WebviewWindowBuilder};

/// The npm tauri CLI.
fn tauri_cli() -> PathBuf {
    if let Some(path) = std::env::var_os("POCKET_TAURI_CLI") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    let path = Path::new(&home).join(".cache/pocket-loans/node/node_modules/.bin/tauri");
    assert!(
        path.exists(),
        "the npm tauri CLI is missing: run `cargo xtask bundle` once or set POCKET_TAURI_CLI"
    );
    path
}

fn cli(args: &[&str], path_arg: &Path) {
    let output = Command::new(tauri_cli())
        .args(args)
        .arg(path_arg)
        .env_remove("TAURI_SIGNING_PRIVATE_KEY")
        .env_remove("TAURI_SIGNING_PRIVATE_KEY_PATH")
        .output()
        .expect("the tauri CLI runs");
    assert!(output.status.success(), "tauri {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// A throwaway minisign key pair in a scratch folder.
struct Key {
    private: PathBuf,
    public: String,
}

impl Key {
    fn generate(dir: &Path, name: &str) -> Key {
        let private = dir.join(name);
        cli(&["signer", "generate", "--ci", "-p", "", "-w"], &private);
        let public = std::fs::read_to_string(dir.join(format!("{name}.pub"))).unwrap();
        Key { private, public: public.trim().to_owned() }
    }

    /// Signs `file` for `version` the way `cargo xtask release` does; the .sig's text.
    fn sign(&self, file: &Path, version: &str) -> String {
        let key = self.private.to_string_lossy().into_owned();
        cli(&["signer", "sign", "-f", &key, "-p", "", "--app-version", version], file);
        let sig = std::fs::read_to_string(format!("{}.sig", file.display())).unwrap();
        std::fs::remove_file(format!("{}.sig", file.display())).unwrap();
        sig.trim().to_owned()
    }
}

/// What the local server publishes.
#[derive(Default)]
struct Release {
    version: String,
    signature: String,
    payload: Vec<u8>,
}

#[derive(Clone, Default)]
struct Published {
    release: Arc<Mutex<Release>>,
    checks: Arc<AtomicUsize>,
    downloads: Arc<AtomicUsize>,
    addr: Arc<Mutex<Option<SocketAddr>>>,
}

/// The portal's answer: the manifest when the published version is newer, else 204.
async fn manifest(
    State(published): State<Published>,
    UrlPath((channel, target, arch, current)): UrlPath<(String, String, String, String)>,
) -> Response {
    published.checks.fetch_add(1, Ordering::SeqCst);
    assert_eq!(channel, "stable");
    let release = published.release.lock().unwrap();
    let newer = semver(&release.version) > semver(&current);
    if !newer {
        return StatusCode::NO_CONTENT.into_response();
    }
    let addr = published.addr.lock().unwrap().expect("the server's address");
    let url = format!("http://{addr}/artifacts/{}/pocket.deb", release.version);
    let entry = json!({ "signature": release.signature, "url": url });
    axum::Json(json!({
        "version": release.version,
        "notes": "Faster queue",
        "pub_date": "2026-11-25T20:00:00Z",
        "platforms": {
            format!("{target}-{arch}"): entry.clone(),
            format!("{target}-{arch}-deb"): entry,
        }
    }))
    .into_response()
}

async fn artifact(State(published): State<Published>) -> Vec<u8> {
    published.downloads.fetch_add(1, Ordering::SeqCst);
    published.release.lock().unwrap().payload.clone()
}

fn semver(v: &str) -> Vec<u64> {
    v.split('.').map(|p| p.parse().unwrap()).collect()
}

async fn serve(published: Published) -> SocketAddr {
    let app = axum::Router::new()
        .route("/updates/{channel}/{target}/{arch}/{current}", axum::routing::get(manifest))
        .route("/artifacts/{version}/pocket.deb", axum::routing::get(artifact))
        .with_state(published.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    *published.addr.lock().unwrap() = Some(addr);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The app on the mock runtime (version 0.1.0) with the updater plugin configured for `pubkey`
/// and the local endpoint (plain HTTP allowed: this configuration is for the test only).
struct Shell {
    app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

impl Shell {
    fn new(addr: SocketAddr, pubkey: &str) -> Shell {
        let mut context = mock_context(noop_assets());
        context.config_mut().plugins.0.insert(
            "updater".to_owned(),
            json!({
                "pubkey": pubkey,
                "endpoints": [format!(
                    "http://{addr}/updates/stable/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}"
                )],
                "requireSignedVersion": true,
                "dangerousInsecureTransportProtocol": true
            }),
        );
        let desktop = Desktop::new(Err("no database in this test".to_owned()));
        let app = pocket_desktop::builder(mock_builder(), desktop)
            .plugin(updater::plugin())
            .manage(Updates::new(UpdateSettings::default()))
            .build(context)
            .expect("the mock app builds");
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("the mock window");
        Shell { app, window }
    }

    async fn call(&self, cmd: &str) -> Result<Value, Value> {
        let window = self.window.clone();
        let request = InvokeRequest {
            cmd: cmd.to_owned(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("a URL"),
            body: InvokeBody::Json(json!({})),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_owned(),
        };
        tokio::task::spawn_blocking(move || {
            tauri::test::get_ipc_response(&window, request)
                .map(|body| body.deserialize::<Value>().expect("a JSON answer"))
        })
        .await
        .expect("the IPC call finishes")
    }
}

/// A scratch folder with a key pair and a payload of `size` bytes.
struct Fixture {
    dir: PathBuf,
    key: Key,
    payload: PathBuf,
}

impl Fixture {
    fn new(size: usize) -> Fixture {
        let dir = std::env::temp_dir().join(format!(
            "pocket-updater-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let key = Key::generate(&dir, "release.key");
        let payload = dir.join("pocket.deb");
        let bytes: Vec<u8> = (0..size).map(|i| (i * 7919 % 251) as u8).collect();
        std::fs::write(&payload, bytes).unwrap();
        Fixture { dir, key, payload }
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.payload).unwrap()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn code(error: &Value) -> &str {
    error["code"].as_str().unwrap_or_else(|| panic!("a CommandError, got {error}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_update_is_announced_found_downloaded_and_verified() {
    let fixture = Fixture::new(256 * 1024);
    let published = Published::default();
    *published.release.lock().unwrap() = Release {
        version: "0.2.0".to_owned(),
        signature: fixture.key.sign(&fixture.payload, "0.2.0"),
        payload: fixture.bytes(),
    };
    let addr = serve(published.clone()).await;
    let shell = Shell::new(addr, &fixture.key.public);

    // The start-up check tells the window.
    let (tx, rx) = std::sync::mpsc::channel();
    shell.app.listen_any(pocket_contract::UPDATE_EVENT, move |event| {
        let _ = tx.send(event.payload().to_owned());
    });
    updater::start(shell.app.handle().clone());
    let event = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("the start-up check announces the update");
    let event: pocket_contract::UpdateInfo = serde_json::from_str(&event).unwrap();
    assert_eq!(event.version, "0.2.0");
    assert_eq!(event.current_version, "0.1.0");
    assert_eq!(event.notes.as_deref(), Some("Faster queue"));
    assert_eq!(event.date.as_deref(), Some("2026-11-25T20:00:00Z"));

    // The UI's own check answers the same.
    let info = shell.call("update_check").await.expect("the check succeeds");
    assert_eq!(info["version"], "0.2.0");
    assert!(published.checks.load(Ordering::SeqCst) >= 2);
    assert_eq!(published.downloads.load(Ordering::SeqCst), 0, "nothing is downloaded unasked");

    // Download and signature check: the verified bytes are the published ones.
    let updates = shell.app.state::<Updates>();
    let update = updates.pending().await.expect("the update is pending");
    let bytes = updater::download(&update).await.expect("the signature verifies");
    assert_eq!(bytes, fixture.bytes());
    assert_eq!(published.downloads.load(Ordering::SeqCst), 1);
    update.verify(&bytes).expect("the same check the installer runs first");
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_newer_means_no_update_and_nothing_to_install() {
    let fixture = Fixture::new(1024);
    let published = Published::default();
    *published.release.lock().unwrap() = Release {
        version: "0.1.0".to_owned(),
        signature: fixture.key.sign(&fixture.payload, "0.1.0"),
        payload: fixture.bytes(),
    };
    let addr = serve(published.clone()).await;
    let shell = Shell::new(addr, &fixture.key.public);
    assert_eq!(shell.call("update_check").await.unwrap(), Value::Null);
    assert_eq!(published.checks.load(Ordering::SeqCst), 1);
    let refused = shell.call("update_install").await.unwrap_err();
    assert_eq!(code(&refused), "conflict");
    assert_eq!(published.downloads.load(Ordering::SeqCst), 0);
}

/// Publishes `release` (signed with `signer`), checks, and asks to install: the plain error.
async fn install_refused(fixture: &Fixture, release: Release) -> (Value, usize) {
    let published = Published::default();
    *published.release.lock().unwrap() = release;
    let addr = serve(published.clone()).await;
    let shell = Shell::new(addr, &fixture.key.public);
    let info = shell.call("update_check").await.expect("the check succeeds");
    assert_eq!(info["version"], "0.2.0");
    let refused = shell.call("update_install").await.expect_err("the update is refused");
    // Still pending: nothing was installed, and the app did not restart.
    assert!(shell.app.state::<Updates>().pending().await.is_some());
    (refused, published.downloads.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_payload_is_refused() {
    let fixture = Fixture::new(64 * 1024);
    let mut payload = fixture.bytes();
    payload[40_000] ^= 0x01;
    let release = Release {
        version: "0.2.0".to_owned(),
        signature: fixture.key.sign(&fixture.payload, "0.2.0"),
        payload,
    };
    let (refused, downloads) = install_refused(&fixture, release).await;
    assert_eq!(code(&refused), "invalid", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("signature check"), "{refused}");
    assert_eq!(downloads, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signature_from_another_key_is_refused() {
    let fixture = Fixture::new(64 * 1024);
    let other = Key::generate(&fixture.dir, "other.key");
    let release = Release {
        version: "0.2.0".to_owned(),
        signature: other.sign(&fixture.payload, "0.2.0"),
        payload: fixture.bytes(),
    };
    let (refused, downloads) = install_refused(&fixture, release).await;
    assert_eq!(code(&refused), "invalid", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("signature check"));
    assert_eq!(downloads, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_release_announced_as_newer_is_refused() {
    // The right key, but the artifact was signed for 0.1.5: a manifest pairing it with 0.2.0 is
    // a replay of an old release (requireSignedVersion).
    let fixture = Fixture::new(64 * 1024);
    let release = Release {
        version: "0.2.0".to_owned(),
        signature: fixture.key.sign(&fixture.payload, "0.1.5"),
        payload: fixture.bytes(),
    };
    let (refused, _) = install_refused(&fixture, release).await;
    assert_eq!(code(&refused), "invalid", "{refused}");
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_in_the_signature_field_is_refused() {
    let fixture = Fixture::new(4096);
    let release = Release {
        version: "0.2.0".to_owned(),
        signature: "not base64 at all \u{1F4A5}".to_owned(),
        payload: fixture.bytes(),
    };
    let (refused, _) = install_refused(&fixture, release).await;
    assert_eq!(code(&refused), "invalid", "{refused}");
}
