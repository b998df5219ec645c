//! Headless Chromium over WebDriver: chromedriver on a loopback port it picks itself, a
//! throwaway profile, no background networking; the browser and its driver are stopped on
//! drop. Without Chromium the tests say why and pass, unless `WXPAY_REQUIRE_BROWSER=1`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::sync::{Mutex, MutexGuard};
use wxpay_testkit::{TempDir, temp_dir};

/// How long the page may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(10);

/// One browser at a time: two cores do not run several Chromiums well.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// A Chromium session and its chromedriver.
pub(crate) struct Browser {
    pub(crate) client: Client,
    session: String,
    driver: Child,
    port: u16,
    profile: TempDir,
    _turn: MutexGuard<'static, ()>,
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The Chromium binary: `CHROME_BIN`, Debian's real binary (not its shell wrapper), or one
/// on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("CHROME_BIN").map(PathBuf::from) {
        return bin.is_file().then_some(bin);
    }
    let debian = Path::new("/usr/lib/chromium/chromium");
    if debian.is_file() {
        return Some(debian.to_owned());
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(on_path)
}

/// A browser, or `None` (after saying why) when Chromium or chromedriver is missing and
/// `WXPAY_REQUIRE_BROWSER` is not `1`.
pub(crate) async fn start() -> Option<Browser> {
    let driver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| on_path("chromedriver"));
    let (Some(driver), Some(chrome)) = (driver, chromium()) else {
        let why = "chromium and chromium-driver are not installed \
                   (apt-get install chromium chromium-driver)";
        assert!(
            std::env::var("WXPAY_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "WXPAY_REQUIRE_BROWSER=1 but {why}"
        );
        eprintln!("skipping the console browser test: {why}");
        return None;
    };
    let turn = ONE_AT_A_TIME.lock().await;
    let profile = temp_dir();
    let (driver, port) = spawn_driver(&driver, profile.path());
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chrome,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--window-size=1360,900",
                format!("--user-data-dir={}", profile.path().join("chrome").display()),
            ],
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object")
    };
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| {
            let log = std::fs::read_to_string(profile.path().join("chromedriver.log"));
            panic!("no Chromium session: {e}\n{}", log.unwrap_or_default())
        });
    let session = client
        .session_id()
        .await
        .expect("session id")
        .expect("a session");
    Some(Browser {
        client,
        session,
        driver,
        port,
        profile,
        _turn: turn,
    })
}

/// Starts chromedriver on a port of its choosing and reads the port from its first lines.
fn spawn_driver(binary: &Path, dir: &Path) -> (Child, u16) {
    let mut child = Command::new(binary)
        .arg("--port=0")
        .arg(format!(
            "--log-path={}",
            dir.join("chromedriver.log").display()
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn chromedriver");
    let stdout = child.stdout.take().expect("chromedriver stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    // Keeps reading, so that the driver never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = line
                .split("started successfully on port ")
                .nth(1)
                .and_then(|rest| rest.trim_end_matches('.').trim().parse::<u16>().ok())
            {
                let _ = tx.send(port);
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(port) => (child, port),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromedriver did not report its port within 20 s");
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session quits Chromium (killing only the driver would orphan it).
        let _ = end_session(self.port, &self.session);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}`, blocking, for use in `drop`; returns once chromedriver answered
/// (it has quit Chromium then), without waiting for it to close the connection.
fn end_session(port: u16, session: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    write!(
        stream,
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk)?;
        answer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&answer);
        let complete = text.split_once("\r\n\r\n").is_some_and(|(head, body)| {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok());
            length.is_none_or(|len| body.len() >= len)
        });
        if n == 0 || complete {
            return Ok(());
        }
    }
}

impl Browser {
    pub(crate) async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Waits until the page has rendered its first data; returns (DOMContentLoaded, first
    /// data render) in milliseconds since navigation started.
    pub(crate) async fn load_times(&self) -> (f64, f64) {
        self.wait_for("the first data render", || async {
            let ready = self
                .client
                .execute(
                    "return document.documentElement.dataset.ready === '1'",
                    vec![],
                )
                .await;
            ready.ok().and_then(|v| v.as_bool()).unwrap_or(false)
        })
        .await;
        let times = self
            .client
            .execute(
                "const nav = performance.getEntriesByType('navigation')[0];
                 const mark = performance.getEntriesByName('console-first-render')[0];
                 return [nav.domContentLoadedEventEnd, mark.startTime];",
                vec![],
            )
            .await
            .expect("timings");
        let at = |i: usize| times[i].as_f64().expect("a number");
        (at(0), at(1))
    }

    /// The text of `css` once `done` holds for it (polls; panics after [`WAIT`]).
    pub(crate) async fn wait_text(&self, css: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = None;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if done(&text) {
                    return text;
                }
                last = Some(text);
            }
            assert!(
                Instant::now() < deadline,
                "{css}: not as expected after {WAIT:?}; last text: {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_for<F, Fut>(&self, what: &str, done: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + WAIT;
        while !done().await {
            assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of the prompt the page opens (waits for it).
    pub(crate) async fn prompt_text(&self) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(text) = self.client.get_alert_text().await {
                return text;
            }
            assert!(Instant::now() < deadline, "no prompt within {WAIT:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How many elements match `css` now.
    pub(crate) async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |all| all.len())
    }

    /// Clicks the element `css`, finding it again when the page re-rendered it between the
    /// find and the click (the console redraws its tables every poll); panics after [`WAIT`].
    pub(crate) async fn click(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let clicked = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.click().await,
                Err(e) => Err(e),
            };
            match clicked {
                Ok(()) => return,
                Err(e)
                    if (e.is_stale_element_reference() || e.is_no_such_element())
                        && Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
    }

    /// Replaces the value of the input `css` by typing `text`.
    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let input = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// Asserts the page shows no error banner (a failed admin call).
    async fn assert_no_error(&self) {
        let banner = self
            .client
            .find(Locator::Id("banner"))
            .await
            .expect("banner");
        assert!(
            !banner.is_displayed().await.expect("displayed"),
            "the console shows an error: {}",
            banner.text().await.unwrap_or_default()
        );
    }

    /// Asserts the page shows no error, then saves a PNG of the window as
    /// `console-{name}.png` into `WXPAY_CONSOLE_SCREENSHOTS` (docs/images to refresh the
    /// docs), else into the throwaway profile.
    pub(crate) async fn screenshot(&self, name: &str) {
        self.assert_no_error().await;
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
            "a PNG"
        );
        let dir = std::env::var_os("WXPAY_CONSOLE_SCREENSHOTS")
            .map_or_else(|| self.profile.path().to_owned(), PathBuf::from);
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("console-{name}.png")), png).expect("save screenshot");
    }
}
