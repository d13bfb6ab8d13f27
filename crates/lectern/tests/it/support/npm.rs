//! npm packages the browser tests load into pages (`tests/browser/package.json`, pinned by
//! its `package-lock.json`): axe-core and Zoom's real Web Meeting SDK.
//!
//! [`node_modules`] runs `npm ci` there once, when `node_modules` is missing or was installed
//! from another lock file. Tests of this binary share one install (a mutex), and so do
//! concurrent `cargo test` runs in the same checkout (an exclusive lock on a file beside
//! `package.json`). Without npm, or when the install fails, the calling test FAILS, unless
//! `LECTERN_SKIP_BROWSER=1` (then it is skipped with a loud line, like the browser tests).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// The folder with `package.json`, `package-lock.json` and (after install) `node_modules`.
pub fn package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Written into `node_modules` after a successful `npm ci`: the lock file's hash.
const STAMP: &str = ".lectern-lock-sha256";

/// `node_modules` with the locked packages installed, or `None` (after a loud line) when npm
/// is unusable and `LECTERN_SKIP_BROWSER=1`.
pub fn node_modules(test: &str) -> Option<PathBuf> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _in_process = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = package_dir();
    let modules = dir.join("node_modules");
    let want = lock_hash(&dir);
    if installed(&modules, &want) {
        return Some(modules);
    }
    let lock_file = File::create(dir.join(".npm-install.lock"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    lock_file
        .lock()
        .unwrap_or_else(|e| panic!("locking {}: {e}", dir.display()));
    // Another process may have installed while we waited for the lock.
    if installed(&modules, &want) {
        return Some(modules);
    }
    let result = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(&dir)
        .output();
    let problem = match result {
        Err(e) => {
            format!("npm did not start ({e}); install Debian's nodejs and npm (.ci/run does)")
        }
        Ok(out) if !out.status.success() => format!(
            "`npm ci` in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Ok(_) => {
            std::fs::write(modules.join(STAMP), &want)
                .unwrap_or_else(|e| panic!("{}: {e}", modules.display()));
            return Some(modules);
        }
    };
    if std::env::var("LECTERN_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("\n*** SKIPPED {test}: {problem} and LECTERN_SKIP_BROWSER=1 ***\n");
        return None;
    }
    panic!("{problem} (set LECTERN_SKIP_BROWSER=1 to skip the browser tests)");
}

fn lock_hash(dir: &Path) -> String {
    let lock = std::fs::read(dir.join("package-lock.json"))
        .unwrap_or_else(|e| panic!("{}/package-lock.json: {e}", dir.display()));
    hex::encode(Sha256::digest(&lock))
}

fn installed(modules: &Path, want: &str) -> bool {
    std::fs::read_to_string(modules.join(STAMP)).is_ok_and(|h| h == want)
}
