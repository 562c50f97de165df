//! Driving the real app: a virtual display (Xvfb), tauri-driver in front of WebKitWebDriver
//! (TOOLCHAIN.md), a WebDriver session that launches the built binary, and small waiting helpers.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// WebDriver's Enter key.
pub const ENTER: &str = "\u{E007}";
pub const WAIT: Duration = Duration::from_secs(20);

/// The processes of one run, stopped in order whatever happens: tauri-driver with SIGTERM (a
/// SIGKILL leaves WebKitWebDriver holding its port, TOOLCHAIN.md), then the display.
pub struct Processes {
    pub driver: Option<Child>,
    pub display: Option<Child>,
    /// Held until the run ends: one app at a time in a test binary too (the tests of a binary
    /// run in parallel; two WebKit windows on two cores time each other out).
    _one_app: std::sync::MutexGuard<'static, ()>,
}

static ONE_APP: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Drop for Processes {
    fn drop(&mut self) {
        for child in [self.driver.take(), self.display.take()].into_iter().flatten() {
            terminate(child);
        }
    }
}

fn terminate(mut child: Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("its address").port()
}

/// Starts Xvfb on a display it picks itself and returns it (`:N`).
pub fn start_display() -> (Child, String) {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb runs (Debian package xvfb)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("Xvfb's stdout"))
        .read_line(&mut line)
        .expect("Xvfb reports its display");
    let display = format!(":{}", line.trim());
    assert!(line.trim().parse::<u32>().is_ok(), "Xvfb display number {line:?}");
    (child, display)
}

pub fn start_driver(display: &str, config: &Path) -> (Child, u16) {
    let port = free_port();
    let native = free_port();
    let child = Command::new("tauri-driver")
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .env("DISPLAY", display)
        .env("POCKET_DESKTOP_CONFIG", config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver runs (cargo install tauri-driver --version 2.1.0 --locked)");
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, port)
}

/// target/test-output/desktop/ in the workspace.
pub fn shots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-output/desktop");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir
}

pub async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).expect("saving the screenshot");
}

pub async fn find(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} appears: {e}"))
}

/// Waits until the script returns true (polling), or fails with what it was waiting for.
pub async fn until(client: &Client, what: &str, script: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let done = client.execute(script, vec![]).await.map(|v| v == json!(true));
        if done.unwrap_or(false) {
            return;
        }
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts the display and the driver, and opens a WebDriver session, which launches the app.
pub async fn launch(config: &Path) -> (Processes, Client) {
    let (processes, client, _) = launch_timed(config).await;
    (processes, client)
}

/// How long each step of [`launch_timed`] took: the display, the driver, and the WebDriver
/// session (which starts WebKitWebDriver and the app, and returns once the window exists).
#[derive(Debug, Clone, Copy)]
pub struct LaunchTimes {
    pub display: Duration,
    pub driver: Duration,
    pub session: Duration,
    /// When the session was asked for (the app is launched then), on the wall clock.
    pub session_requested: std::time::SystemTime,
}

/// [`launch`], timing each step (for the measurements).
pub async fn launch_timed(config: &Path) -> (Processes, Client, LaunchTimes) {
    // One app at a time in a test binary: the tests run in parallel threads, and two apps
    // starting at once under WebKitWebDriver time out. A run that panicked leaves the lock
    // poisoned; the next one goes ahead.
    let one_app = ONE_APP.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let started = Instant::now();
    let (display, display_name) = start_display();
    let display_time = started.elapsed();
    let mut processes = Processes { driver: None, display: Some(display), _one_app: one_app };
    let driver_started = Instant::now();
    let (driver, port) = start_driver(&display_name, config);
    let driver_time = driver_started.elapsed();
    processes.driver = Some(driver);
    // POCKET_DESKTOP_BIN runs a copy of the app kept aside: the target folder is shared by
    // several checkouts, and another build may replace the binary cargo built for this test.
    let application = std::env::var("POCKET_DESKTOP_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_pocket-desktop").to_owned());
    let capabilities = json!({
        "browserName": "wry",
        "tauri:options": { "application": application },
    });
    // fantoccini's TLS (unused for the local driver) needs one process-wide crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let session_started = Instant::now();
    let session_requested = std::time::SystemTime::now();
    let client = ClientBuilder::rustls()
        .expect("TLS for the WebDriver client")
        .capabilities(capabilities.as_object().expect("an object").clone())
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with the app");
    let times = LaunchTimes {
        display: display_time,
        driver: driver_time,
        session: session_started.elapsed(),
        session_requested,
    };
    (processes, client, times)
}

/// Writes the connection settings file the app reads (`POCKET_DESKTOP_CONFIG`).
pub fn write_config(json: &serde_json::Value) -> PathBuf {
    let path = std::env::temp_dir().join(format!("pocket-desktop-{}.json", free_port()));
    std::fs::write(&path, serde_json::to_vec(json).expect("JSON")).expect("writing the settings");
    path
}
