//! `cargo xtask release`: publishes a signed desktop update (README.md, "Publishing a desktop
//! update"). It builds this platform's bundles with the npm tauri CLI, which signs the updater
//! artifacts with the private key named by `TAURI_SIGNING_PRIVATE_KEY_PATH` (or given in
//! `TAURI_SIGNING_PRIVATE_KEY`), copies them under `<updates dir>/artifacts/<version>/`, and
//! writes `<updates dir>/<channel>/latest.json`, the manifest the portal serves
//! (crates/portal/src/updates.rs). `cargo xtask release keygen <path>` makes the key pair offline.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::{desktop, project_root, run};

const HELP: &str = "\
cargo xtask release [--channel stable|pilot] --base-url URL [--notes TEXT] [--updates-dir DIR]
    build and sign this platform's bundles, copy them to <updates dir>/artifacts/<version>/
    and write <updates dir>/<channel>/latest.json (the private key comes from
    TAURI_SIGNING_PRIVATE_KEY_PATH or TAURI_SIGNING_PRIVATE_KEY, never from the repository)
cargo xtask release keygen <path outside the repository>
    generate the updater's signing key pair and print the public key for tauri.conf.json
cargo xtask release e2e
    Linux, as root, needs Xvfb, tauri-driver, python3: builds 0.1.0 and 0.1.1 signed with a
    throwaway key, installs 0.1.0's .deb, publishes 0.1.1 on a local server, starts 0.1.0 under
    Xvfb, clicks \"Install now\" and checks that 0.1.1 is installed and running (then removes it)";

/// The channels the portal serves (crates/portal/src/updates.rs).
const CHANNELS: &[&str] = &["stable", "pilot"];

/// Runs `cargo xtask release ...`.
pub fn release(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("keygen") => keygen(args.get(1).context(HELP)?),
        Some("e2e") => e2e(),
        Some("help" | "--help" | "-h") => {
            println!("{HELP}");
            Ok(())
        }
        _ => publish(&Options::parse(args)?),
    }
}

/// The options of one release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `stable` or `pilot`.
    pub channel: String,
    /// Where the artifacts folder is served: `<base-url>/<version>/<file>`.
    pub base_url: String,
    /// The release notes shown in the officer's banner.
    pub notes: String,
    /// The published-updates folder (the portal's `POCKET_UPDATES_DIR`).
    pub updates_dir: PathBuf,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut channel = "stable".to_owned();
        let mut base_url = None;
        let mut notes = None;
        let mut updates_dir = std::env::var_os("POCKET_UPDATES_DIR")
            .filter(|v| !v.is_empty())
            .map_or_else(|| project_root().join(".local/updates"), PathBuf::from);
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            let mut value =
                || rest.next().with_context(|| format!("{arg} needs a value\n\n{HELP}"));
            match arg.as_str() {
                "--channel" => channel = value()?.clone(),
                "--base-url" => base_url = Some(value()?.trim_end_matches('/').to_owned()),
                "--notes" => notes = Some(value()?.clone()),
                "--updates-dir" => updates_dir = PathBuf::from(value()?),
                other => bail!("unknown option {other}\n\n{HELP}"),
            }
        }
        if !CHANNELS.contains(&channel.as_str()) {
            bail!("--channel must be one of {CHANNELS:?}");
        }
        let base_url = base_url.with_context(|| format!("--base-url is required\n\n{HELP}"))?;
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            bail!("--base-url must be an http(s) URL");
        }
        let notes = notes.unwrap_or_default();
        Ok(Options { channel, base_url, notes, updates_dir })
    }
}

/// Refuses a key location inside the repository: the private key never enters it.
fn outside_repository(path: &Path) -> Result<PathBuf> {
    let absolute =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir()?.join(path) };
    // The file may not exist yet: resolve its nearest existing ancestor (symlinks included).
    let mut existing = absolute.as_path();
    let mut tail = Vec::new();
    while !existing.exists() {
        tail.push(existing.file_name().context("a key path needs a file name")?);
        existing = existing.parent().context("a key path needs a parent folder")?;
    }
    let mut resolved = existing.canonicalize()?;
    for part in tail.iter().rev() {
        if *part == ".." || *part == "." {
            bail!("write the key path without . or .. components");
        }
        resolved.push(part);
    }
    let root = project_root().canonicalize()?;
    if resolved.starts_with(&root) {
        bail!(
            "{} is inside the repository ({}): keep the signing key outside it, e.g. \
             ~/.config/pocket-loans/updater.key",
            resolved.display(),
            root.display()
        );
    }
    Ok(resolved)
}

/// Generates a key pair (no password: the key file is protected by its location and mode) at
/// `path` and `path.pub`, and prints the public key.
fn keygen(path: &str) -> Result<()> {
    let path = outside_repository(Path::new(path))?;
    if path.exists() {
        bail!("{} exists: refusing to overwrite a signing key", path.display());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tauri = desktop::ensure_tauri_cli()?;
    run(Command::new(tauri).args(["signer", "generate", "--ci", "-p", "", "-w"]).arg(&path))?;
    let public = std::fs::read_to_string(pub_path(&path))
        .with_context(|| format!("reading {}", pub_path(&path).display()))?;
    println!("\nprivate key: {} (keep it off the repository; back it up offline)", path.display());
    println!("public key (tauri.conf.json plugins.updater.pubkey):\n{}", public.trim());
    Ok(())
}

fn pub_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// One updater artifact the bundler makes on this platform with `createUpdaterArtifacts`.
struct Artifact {
    /// The bundle's name for `--bundles`.
    bundle: &'static str,
    /// Its folder under `bundle/`.
    folder: &'static str,
    /// How its file name ends.
    suffix: &'static str,
    /// The installer part of its manifest key (`<target>-<arch>-<installer>`).
    installer: &'static str,
}

const fn artifact(
    bundle: &'static str,
    folder: &'static str,
    suffix: &'static str,
    installer: &'static str,
) -> Artifact {
    Artifact { bundle, folder, suffix, installer }
}

/// The updater's name of this operating system and the artifacts built on it.
fn platform_bundles() -> Result<(&'static str, Vec<Artifact>)> {
    Ok(match std::env::consts::OS {
        // tauri-plugin-updater looks up `linux-<arch>-deb` for a .deb install (TOOLCHAIN.md).
        "linux" => ("linux", vec![artifact("deb", "deb", ".deb", "deb")]),
        "windows" => (
            "windows",
            vec![
                artifact("msi", "msi", ".msi", "msi"),
                artifact("nsis", "nsis", "-setup.exe", "nsis"),
            ],
        ),
        "macos" => ("darwin", vec![artifact("app", "macos", ".app.tar.gz", "app")]),
        other => bail!("no desktop bundles for {other}"),
    })
}

/// The manifest's architecture name as the Tauri updater spells it.
fn updater_arch() -> Result<&'static str> {
    Ok(match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        "x86" => "i686",
        "arm" => "armv7",
        other => bail!("no updater name for the architecture {other}"),
    })
}

/// The app's version from tauri.conf.json.
fn app_version() -> Result<String> {
    let conf: Value =
        serde_json::from_str(&std::fs::read_to_string(project_root().join("tauri.conf.json"))?)?;
    let version = conf["version"].as_str().context("tauri.conf.json has no version")?;
    let pubkey = conf["plugins"]["updater"]["pubkey"].as_str().unwrap_or_default();
    if pubkey.is_empty() {
        bail!("tauri.conf.json has no plugins.updater.pubkey: run `cargo xtask release keygen`");
    }
    Ok(version.to_owned())
}

fn publish(options: &Options) -> Result<()> {
    let version = app_version()?;
    let key = match (
        std::env::var_os("TAURI_SIGNING_PRIVATE_KEY_PATH"),
        std::env::var("TAURI_SIGNING_PRIVATE_KEY").ok().filter(|k| !k.is_empty()),
    ) {
        (Some(path), _) => {
            let path = outside_repository(Path::new(&path))?;
            std::fs::read_to_string(&path)
                .with_context(|| format!("reading the signing key {}", path.display()))?
        }
        (None, Some(key)) if !Path::new(&key).exists() => key,
        (None, Some(path)) => std::fs::read_to_string(outside_repository(Path::new(&path))?)?,
        (None, None) => bail!(
            "set TAURI_SIGNING_PRIVATE_KEY_PATH to the updater's private key (outside the repository)"
        ),
    };
    let (target, bundles) = platform_bundles()?;
    let arch = updater_arch()?;

    let password = std::env::var("TAURI_SIGNING_PRIVATE_KEY_PASSWORD").unwrap_or_default();
    desktop::ui(&[])?;
    let tauri = desktop::ensure_tauri_cli()?;
    let names: Vec<&str> = bundles.iter().map(|b| b.bundle).collect();
    run(Command::new(&tauri)
        .args(["build", "--ci", "--bundles", &names.join(",")])
        .args(["--config", r#"{"bundle":{"createUpdaterArtifacts":true}}"#])
        .env("TAURI_APP_PATH", "src-tauri")
        .env("TAURI_SIGNING_PRIVATE_KEY", key.trim())
        .env_remove("TAURI_SIGNING_PRIVATE_KEY_PATH")
        .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", &password)
        .current_dir(project_root()))
    .context("building and signing the bundles")?;

    let bundle_root = desktop::target_dir()?.join("release/bundle");
    let artifacts = options.updates_dir.join("artifacts").join(&version);
    std::fs::create_dir_all(&artifacts)?;
    let mut platforms = serde_json::Map::new();
    for Artifact { folder, suffix, installer, .. } in &bundles {
        let file = find_artifact(&bundle_root.join(folder), &version, suffix)?;
        let name = file.file_name().context("an artifact name")?.to_string_lossy().into_owned();
        // Signed again, bound to the version (the app requires it: `requireSignedVersion`), so a
        // manifest cannot pass an older release off as this one.
        run(Command::new(&tauri)
            .args(["signer", "sign", "--app-version", &version])
            .arg(&file)
            .env("TAURI_SIGNING_PRIVATE_KEY", key.trim())
            .env_remove("TAURI_SIGNING_PRIVATE_KEY_PATH")
            .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", password.clone()))
        .with_context(|| format!("signing {}", file.display()))?;
        let signature = std::fs::read_to_string(pub_sig(&file))
            .with_context(|| format!("no signature for {}", file.display()))?;
        std::fs::copy(&file, artifacts.join(&name))?;
        std::fs::write(artifacts.join(format!("{name}.sig")), &signature)?;
        platforms.insert(
            format!("{target}-{arch}-{installer}"),
            json!({
                "signature": signature.trim(),
                "url": format!("{}/{version}/{}", options.base_url, url_escape(&name)),
            }),
        );
        println!("signed {}", artifacts.join(&name).display());
    }
    let pub_date = chrono_now()?;
    let path = write_manifest(options, &version, &pub_date, platforms)?;
    println!("published {version} on {} in {}", options.channel, path.display());
    Ok(())
}

/// Writes `<channel>/latest.json` (keeping other platforms of the same version, which their own
/// machines published) and a copy in `<channel>/releases/<version>.json` for rolling back.
pub fn write_manifest(
    options: &Options,
    version: &str,
    pub_date: &str,
    platforms: serde_json::Map<String, Value>,
) -> Result<PathBuf> {
    let channel = options.updates_dir.join(&options.channel);
    std::fs::create_dir_all(channel.join("releases"))?;
    let latest = channel.join("latest.json");
    let mut merged = serde_json::Map::new();
    if let Ok(text) = std::fs::read_to_string(&latest) {
        let previous: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", latest.display()))?;
        if previous["version"] == version
            && let Some(theirs) = previous["platforms"].as_object()
        {
            merged.extend(theirs.clone());
        }
    }
    merged.extend(platforms);
    let manifest = json!({
        "version": version,
        "notes": options.notes,
        "pub_date": pub_date,
        "platforms": merged,
    });
    let text = serde_json::to_string_pretty(&manifest)?;
    std::fs::write(channel.join("releases").join(format!("{version}.json")), &text)?;
    // Replace atomically: the portal may be reading the file right now.
    let partial = channel.join(".latest.json.partial");
    std::fs::write(&partial, &text)?;
    std::fs::rename(&partial, &latest)?;
    Ok(latest)
}

/// The one artifact of `version` ending in `suffix` in `folder`.
fn find_artifact(folder: &Path, version: &str, suffix: &str) -> Result<PathBuf> {
    let mut found = Vec::new();
    for entry in
        std::fs::read_dir(folder).with_context(|| format!("reading {}", folder.display()))?
    {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.ends_with(suffix) && name.contains(&format!("_{version}_")) {
            found.push(path);
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("no {suffix} for {version} in {}", folder.display()),
        many => bail!("several {suffix} for {version}: {many:?}"),
    }
}

fn pub_sig(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// Percent-escapes a file name for a URL path segment.
fn url_escape(name: &str) -> String {
    let mut out = String::new();
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Now in RFC 3339 (UTC), the manifest's `pub_date`.
fn chrono_now() -> Result<String> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the clock is before 1970")?
        .as_secs();
    Ok(rfc3339(secs))
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (the civil-from-days algorithm).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The two-version update, end to end (README.md, "Publishing a desktop update"). The two
/// versions are built with the debug profile: the updater, the signature check and the installer
/// are the same code as in a release build, and the test reuses the test suite's compiled crates.
pub fn e2e() -> Result<()> {
    let port = free_port()?;
    let driver_port = free_port()?;
    let native_port = free_port()?;
    let scratch = std::env::temp_dir().join(format!("pocket-update-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let tauri = desktop::ensure_tauri_cli()?;
    let key = scratch.join("throwaway.key");
    run(Command::new(&tauri).args(["signer", "generate", "--ci", "-p", "", "-w"]).arg(&key))?;
    let private = std::fs::read_to_string(&key)?;
    let public = std::fs::read_to_string(pub_path(&key))?;
    desktop::ui(&[])?;
    let bundle_dir = desktop::target_dir()?.join("debug/bundle/deb");
    let mut debs = Vec::new();
    for version in ["0.1.0", "0.1.1"] {
        // The local endpoint over plain HTTP and the throwaway key exist only in these builds.
        let config = json!({
            "version": version,
            "bundle": { "createUpdaterArtifacts": true },
            "plugins": { "updater": {
                "pubkey": public.trim(),
                "endpoints": [format!(
                    "http://127.0.0.1:{port}/updates/stable/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}"
                )],
                "dangerousInsecureTransportProtocol": true
            } }
        });
        run(Command::new(&tauri)
            .args(["build", "--debug", "--ci", "--bundles", "deb", "--config", &config.to_string()])
            .env("TAURI_APP_PATH", "src-tauri")
            .env("TAURI_SIGNING_PRIVATE_KEY", private.trim())
            .env_remove("TAURI_SIGNING_PRIVATE_KEY_PATH")
            .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", "")
            .current_dir(project_root()))?;
        let deb = scratch.join(format!("app-{version}.deb"));
        std::fs::copy(find_artifact(&bundle_dir, version, ".deb")?, &deb)?;
        run(Command::new(&tauri)
            .args(["signer", "sign", "--app-version", version])
            .arg(&deb)
            .env("TAURI_SIGNING_PRIVATE_KEY", private.trim())
            .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", ""))?;
        debs.push(deb);
    }
    let package = output(Command::new("dpkg-deb").args(["-f"]).arg(&debs[0]).arg("Package"))?;
    let www = scratch.join("www");
    std::fs::create_dir_all(www.join("updates/stable/linux/x86_64"))?;
    std::fs::create_dir_all(www.join("artifacts"))?;
    std::fs::copy(&debs[1], www.join("artifacts/app.deb"))?;
    let manifest = json!({
        "version": "0.1.1",
        "notes": "Two-version update check",
        "pub_date": chrono_now()?,
        "platforms": { "linux-x86_64-deb": {
            "signature": std::fs::read_to_string(pub_sig(&debs[1]))?.trim(),
            "url": format!("http://127.0.0.1:{port}/artifacts/app.deb"),
        } }
    });
    std::fs::write(www.join("updates/stable/linux/x86_64/0.1.0"), manifest.to_string())?;
    // No pkexec or graphical prompt here: the updater's last resort is `sudo dpkg -i`, and root
    // needs no sudo, so a pass-through stands in for it.
    let bin = scratch.join("bin");
    std::fs::create_dir_all(&bin)?;
    std::fs::write(bin.join("sudo"), "#!/bin/sh\nexec \"$@\"\n")?;
    run(Command::new("chmod").arg("+x").arg(bin.join("sudo")))?;
    run(Command::new("dpkg").arg("-i").arg(&debs[0]))?;
    let mut children = Vec::new();
    let result = (|| -> Result<()> {
        let log = std::fs::File::create(scratch.join("http.log"))?;
        children.push(
            Command::new("python3")
                .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1"])
                .current_dir(&www)
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()?,
        );
        // Xvfb picks a free display itself and writes its number when it accepts clients.
        let mut xvfb = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(xvfb.stdout.take().context("Xvfb's output")?),
            &mut line,
        )?;
        children.push(xvfb);
        let display = format!(":{}", line.trim());
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        children.push(
            Command::new("tauri-driver")
                .args(["--port", &driver_port.to_string()])
                .args(["--native-port", &native_port.to_string()])
                .env("DISPLAY", &display)
                .env("PATH", path)
                .spawn()?,
        );
        wait_for_port(port, "the update server")?;
        wait_for_port(driver_port, "tauri-driver")?;
        let base = format!("http://127.0.0.1:{driver_port}/session");
        let caps = r#"{"capabilities":{"alwaysMatch":{"tauri:options":{"application":"/usr/bin/pocket-desktop"}}}}"#;
        let session = webdriver("POST", &base, caps)?;
        let session = session["value"]["sessionId"].as_str().context("a session")?.to_owned();
        let find = |css: &str| -> Result<Option<String>> {
            let body = json!({ "using": "css selector", "value": css }).to_string();
            let found = webdriver("POST", &format!("{base}/{session}/element"), &body)?;
            Ok(found["value"]
                .as_object()
                .filter(|v| !v.contains_key("error"))
                .and_then(|v| v.values().next().and_then(Value::as_str).map(str::to_owned)))
        };
        let mut button = None;
        for _ in 0..60 {
            button = find("#update-install")?;
            if button.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        let button = button.context("the update banner never appeared")?;
        let text = find("#update-banner strong")?.context("the banner's text")?;
        let text = webdriver("GET", &format!("{base}/{session}/element/{text}/text"), "")?;
        println!("banner: {}", text["value"]);
        webdriver("POST", &format!("{base}/{session}/element/{button}/click"), "{}")?;
        let installed =
            || output(Command::new("dpkg-query").args(["-W", "-f=${Version}", &package]));
        let mut version = installed()?;
        for _ in 0..120 {
            if version == "0.1.1" {
                break;
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
            version = installed()?;
        }
        println!("installed after the click: {version}");
        if version != "0.1.1" {
            bail!("0.1.1 was not installed");
        }
        // The restarted app is the new one: it asks for updates as 0.1.1.
        for _ in 0..30 {
            let log = std::fs::read_to_string(scratch.join("http.log"))?;
            if log.contains("/updates/stable/linux/x86_64/0.1.1 ") {
                println!("the restarted app checks for updates as 0.1.1: update proven");
                let _ = webdriver("DELETE", &format!("{base}/{session}"), "");
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        bail!("the app did not come back as 0.1.1")
    })();
    for mut child in children.into_iter().rev() {
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let _ = child.wait();
    }
    let _ = Command::new("dpkg").args(["-r", &package]).status();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// A loopback port nobody listens on yet.
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Waits (up to 30 s) until something accepts connections on a loopback port.
fn wait_for_port(port: u16, what: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if std::time::Instant::now() > deadline {
            bail!("{what} did not start listening on port {port}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Ok(())
}

/// A WebDriver call with curl; the answer's JSON.
fn webdriver(method: &str, url: &str, body: &str) -> Result<Value> {
    let mut curl = Command::new("curl");
    curl.args(["-s", "-X", method, url, "-H", "content-type: application/json"]);
    if !body.is_empty() {
        curl.args(["-d", body]);
    }
    let text = output(&mut curl)?;
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).with_context(|| format!("WebDriver answered {text}"))
}

/// A command's standard output, trimmed.
fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().with_context(|| format!("could not start {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!("{:?} failed: {}", cmd.get_program(), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        let dir = std::env::temp_dir().join(format!("pocket-release-{}", nanos.as_nanos()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn keys_inside_the_repository_are_refused() {
        let root = project_root();
        for inside in ["updater.key", "src-tauri/updater.key", ".local/keys/new/updater.key"] {
            assert!(outside_repository(&root.join(inside)).is_err(), "{inside}");
        }
        assert!(outside_repository(&root.join("../main-escape/../main/updater.key")).is_err());
        let outside = scratch().join("keys/updater.key");
        assert_eq!(outside_repository(&outside).unwrap().file_name().unwrap(), "updater.key");
    }

    #[test]
    fn options_are_checked() {
        let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let parsed =
            Options::parse(&args(&["--channel", "pilot", "--base-url", "https://u.example/a/"]))
                .unwrap();
        assert_eq!(parsed.channel, "pilot");
        assert_eq!(parsed.base_url, "https://u.example/a");
        assert!(
            Options::parse(&args(&["--channel", "nightly", "--base-url", "https://x"])).is_err()
        );
        assert!(Options::parse(&args(&["--base-url", "file:///etc"])).is_err());
        assert!(Options::parse(&args(&["--channel", "stable"])).is_err());
        assert!(Options::parse(&args(&["--base-url"])).is_err());
    }

    #[test]
    fn the_manifest_keeps_other_platforms_of_the_same_version_only() {
        let dir = scratch();
        let options = Options {
            channel: "stable".into(),
            base_url: "https://u.example".into(),
            notes: "n".into(),
            updates_dir: dir.clone(),
        };
        let one = |key: &str| {
            let mut map = serde_json::Map::new();
            map.insert(key.into(), json!({ "signature": key, "url": "https://u.example/x" }));
            map
        };
        write_manifest(&options, "0.2.0", "2026-11-25T00:00:00Z", one("windows-x86_64-msi"))
            .unwrap();
        let path =
            write_manifest(&options, "0.2.0", "2026-11-25T00:00:00Z", one("linux-x86_64-deb"))
                .unwrap();
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(manifest["platforms"].as_object().unwrap().len(), 2);
        write_manifest(&options, "0.3.0", "2026-11-26T00:00:00Z", one("linux-x86_64-deb")).unwrap();
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(manifest["version"], "0.3.0");
        assert_eq!(manifest["platforms"].as_object().unwrap().len(), 1);
        assert!(dir.join("stable/releases/0.2.0.json").is_file());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn dates_and_names_are_formatted_for_the_manifest() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_650_000), "2026-11-25T23:40:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(url_escape("Pocket Loans_0.2.0_amd64.deb"), "Pocket%20Loans_0.2.0_amd64.deb");
    }
}
