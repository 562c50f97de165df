//! The project's private PostgreSQL cluster, so that a new machine needs nothing but Rust.
//!
//! Without `DATABASE_URL`, the developer commands run their own cluster: `initdb` into an ignored
//! folder of the checkout (`.local/postgres`), started with `pg_ctl` on a free loopback port that is
//! remembered for the next run. Password authentication (SCRAM) is on for TCP, the superuser's
//! password is generated once and kept in a file only the owner can read. When PostgreSQL's
//! programs are missing, Debian's `postgresql` package is installed first (as root, or through
//! `sudo -n`). With `DATABASE_URL` set, that server is used as it is and nothing here runs.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{project_root, run};

/// The superuser of the private cluster.
const SUPERUSER: &str = "pocket";

/// Where the developer commands find a server: either the user's `DATABASE_URL`, or ours.
#[derive(Debug, Clone)]
pub struct Server {
    /// URL of the server's maintenance database (`postgres`), with credentials.
    admin_url: String,
    /// True when the server is the project's private cluster.
    pub private: bool,
}

impl Server {
    /// The URL of database `name` on this server.
    pub fn url_for(&self, name: &str) -> String {
        match self.admin_url.rsplit_once('/') {
            Some((base, tail)) => {
                let query = tail.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
                format!("{base}/{name}{query}")
            }
            None => self.admin_url.clone(),
        }
    }

    /// The URL `#[sqlx::test]` needs: a database on which the user may create databases.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }
}

/// Returns the server to use, starting (and if needed creating) the private cluster.
pub fn ensure() -> Result<Server> {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && !url.trim().is_empty()
    {
        return Ok(Server { admin_url: url, private: false });
    }
    let cluster = Cluster::locate(true)?;
    cluster.ensure_running()?;
    Ok(Server { admin_url: cluster.url("postgres")?, private: true })
}

/// Stops the private cluster if it runs.
pub fn stop() -> Result<()> {
    let cluster = Cluster::locate(false)?;
    if cluster.is_running()? {
        cluster.pg_ctl(&["stop", "-m", "fast", "-w"])?;
        println!("stopped the private PostgreSQL cluster in {}", cluster.root.display());
    } else {
        println!("the private PostgreSQL cluster is not running");
    }
    Ok(())
}

/// Stops the private cluster and deletes all its data.
pub fn destroy() -> Result<()> {
    let cluster = Cluster::locate(false)?;
    if cluster.data.exists() && cluster.is_running()? {
        cluster.pg_ctl(&["stop", "-m", "immediate", "-w"])?;
    }
    if cluster.root.exists() {
        fs::remove_dir_all(&cluster.root)
            .with_context(|| format!("removing {}", cluster.root.display()))?;
    }
    println!("removed the private PostgreSQL cluster");
    Ok(())
}

/// The private cluster's files and programs.
struct Cluster {
    /// Folder holding data/, the log, the port and the password.
    root: PathBuf,
    data: PathBuf,
    bin: PathBuf,
    /// Run the server programs as this user (the server refuses to run as root).
    run_as: Option<String>,
}

impl Cluster {
    /// Finds the cluster's folder and PostgreSQL's programs, installing them if `install` says so.
    fn locate(install: bool) -> Result<Cluster> {
        let bin = find_bin_dir().or_else(|e| {
            if !install {
                return Err(e);
            }
            install_postgresql()?;
            find_bin_dir()
        })?;
        let run_as = if is_root() { Some("postgres".to_string()) } else { None };
        let mut root = project_root().join(".local/postgres");
        if let Some(user) = &run_as {
            // The server runs as `postgres`; it must reach its data folder. A checkout under a
            // private home (say /root) is not reachable, so the cluster then lives in /var/tmp.
            fs::create_dir_all(&root)?;
            if !reachable_by(user, &root) {
                let tag = format!("{:x}", fnv1a(project_root().to_string_lossy().as_bytes()));
                root = PathBuf::from(format!("/var/tmp/pocket-loans-{tag}"));
            }
        }
        let data = root.join("data");
        Ok(Cluster { root, data, bin, run_as })
    }

    fn url(&self, db: &str) -> Result<String> {
        let port = self.port()?;
        let password = fs::read_to_string(self.root.join("password"))
            .context("reading the private cluster's password file")?;
        Ok(format!("postgres://{SUPERUSER}:{}@127.0.0.1:{port}/{db}", password.trim()))
    }

    fn port(&self) -> Result<u16> {
        let text = fs::read_to_string(self.root.join("port"))
            .context("reading the cluster's port file")?;
        text.trim().parse().context("the cluster's port file is not a port number")
    }

    fn ensure_running(&self) -> Result<()> {
        if !self.data.join("PG_VERSION").exists() {
            self.init()?;
        }
        if self.is_running()? {
            return Ok(());
        }
        // A port remembered from an earlier run may have been taken by something else since.
        let mut port = self.port()?;
        if TcpListener::bind(("127.0.0.1", port)).is_err() {
            port = free_port()?;
            fs::write(self.root.join("port"), port.to_string())?;
        }
        let log = self.root.join("server.log");
        if let Some(user) = &self.run_as {
            chown(user, &self.root, false)?;
        }
        // Settings for a disposable developer cluster: durability is traded for speed (tests
        // create many databases), and it listens on loopback only.
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=300 -c shared_buffers=256MB"
        );
        self.pg_ctl(&["start", "-w", "-t", "60", "-l", &log.to_string_lossy(), "-o", &options])
            .with_context(|| format!("starting PostgreSQL; its log is {}", log.display()))?;
        println!("started the private PostgreSQL cluster on 127.0.0.1:{port}");
        Ok(())
    }

    fn init(&self) -> Result<()> {
        println!("creating a private PostgreSQL cluster in {}", self.root.display());
        fs::create_dir_all(&self.root)?;
        let password = random_password()?;
        let pwfile = self.root.join("password");
        fs::write(&pwfile, &password)?;
        fs::set_permissions(&pwfile, fs::Permissions::from_mode(0o600))?;
        fs::write(self.root.join("port"), free_port()?.to_string())?;
        if let Some(user) = &self.run_as {
            chown(user, &self.root, true)?;
        }
        let initdb = self.bin.join("initdb");
        let mut cmd = self.command(&initdb);
        cmd.args(["-D", &self.data.to_string_lossy()])
            .args(["-U", SUPERUSER, "--pwfile", &pwfile.to_string_lossy()])
            .args(["--auth-host=scram-sha-256", "--auth-local=scram-sha-256"])
            .args(["--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"]);
        run(&mut cmd).context("initdb failed")?;
        if self.run_as.is_some() {
            // After initdb has read it, the password file belongs to root alone again.
            chown("root", &pwfile, false)?;
        }
        Ok(())
    }

    fn is_running(&self) -> Result<bool> {
        if !self.data.join("PG_VERSION").exists() {
            return Ok(false);
        }
        let status = self
            .command(&self.bin.join("pg_ctl"))
            .args(["status", "-D", &self.data.to_string_lossy()])
            .stdout(std::process::Stdio::null())
            .status()?;
        Ok(status.success())
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<()> {
        let mut cmd = self.command(&self.bin.join("pg_ctl"));
        cmd.args(["-D", &self.data.to_string_lossy()]).args(args);
        run(&mut cmd)
    }

    fn command(&self, program: &Path) -> Command {
        match &self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(program);
                cmd
            }
            None => Command::new(program),
        }
    }
}

/// Finds the folder holding initdb and pg_ctl: Debian keeps them out of PATH, per major version.
fn find_bin_dir() -> Result<PathBuf> {
    let mut candidates: Vec<(u32, PathBuf)> = Vec::new();
    if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        for entry in entries.flatten() {
            let bin = entry.path().join("bin");
            if let Some(major) = entry.file_name().to_str().and_then(|s| s.parse().ok())
                && bin.join("initdb").exists()
                && bin.join("pg_ctl").exists()
            {
                candidates.push((major, bin));
            }
        }
    }
    if let Some((_, bin)) = candidates.into_iter().max() {
        return Ok(bin);
    }
    if let Ok(path) = std::env::var("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").exists() && dir.join("pg_ctl").exists() {
                return Ok(dir);
            }
        }
    }
    bail!("PostgreSQL's server programs (initdb, pg_ctl) were not found")
}

/// Installs Debian's PostgreSQL server package, as root or through passwordless sudo.
fn install_postgresql() -> Result<()> {
    crate::system::install(
        "PostgreSQL (or set DATABASE_URL to a server you may create databases on)",
        &["postgresql"],
    )
}

fn is_root() -> bool {
    crate::system::is_root()
}

fn reachable_by(user: &str, dir: &Path) -> bool {
    Command::new("runuser")
        .args(["-u", user, "--", "test", "-x"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

fn chown(user: &str, path: &Path, recursive: bool) -> Result<()> {
    let mut cmd = Command::new("chown");
    if recursive {
        cmd.arg("-R");
    }
    cmd.arg(format!("{user}:")).arg(path);
    run(&mut cmd)
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// 32 random characters from the kernel's generator, safe to put in a URL.
fn random_password() -> Result<String> {
    use std::io::Read;
    let mut raw = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut raw))
        .context("reading /dev/urandom")?;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    Ok(raw.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

/// A stable short hash of a path, to name the cluster's folder outside the checkout.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
