//! A real browser for the end-to-end tests: headless Chromium driven over the DevTools
//! protocol (`chromiumoxide`), pages on a phone or a projector-sized screen, waits that fail
//! with the page's address and a screenshot, and console errors that fail the test.
//!
//! Each `Browser` is its own Chromium process with its own profile folder, killed when the
//! `Browser` is dropped (a panicking test included); each `Page` is its own browser context,
//! so two pages are two people who share no cookies or storage, and reaches the network
//! through a gate of its own that the test can cut (`Page::set_offline`). Nothing is global,
//! so tests run in parallel.
//!
//! Without Chromium the tests that need it say loudly that they did not run; CI installs it
//! and sets `ECOQUIZ_REQUIRE_BROWSER=1`, which turns a missing Chromium into a failure.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::emulation::{
    SetDeviceMetricsOverrideParams, SetTouchEmulationEnabledParams,
};
use chromiumoxide::cdp::browser_protocol::input::InsertTextParams;
use chromiumoxide::cdp::browser_protocol::network::OverrideNetworkStateParams;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, DialogType, EventJavascriptDialogOpening, HandleJavaScriptDialogParams,
};
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams,
};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown, RemoteObject,
};
use chromiumoxide::listeners::EventStream;
use chromiumoxide::page::ScreenshotParams;
use futures_util::{FutureExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long a wait (for an element, a text, a condition) may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// Where Chromium is looked for when `ECOQUIZ_CHROMIUM` is not set (Debian's package).
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// Said once per run, not once per test.
static NOT_RUN_NOTICE: std::sync::Once = std::sync::Once::new();

/// The screen a page is shown on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewport {
    /// A participant's phone: 375×812 CSS pixels at device scale 2, touch, mobile layout.
    Phone,
    /// The projector or an organizer's monitor: 1920×1080 at scale 1.
    Desktop,
}

impl Viewport {
    fn metrics(self) -> SetDeviceMetricsOverrideParams {
        match self {
            Viewport::Phone => SetDeviceMetricsOverrideParams::new(375, 812, 2.0, true),
            Viewport::Desktop => SetDeviceMetricsOverrideParams::new(1920, 1080, 1.0, false),
        }
    }
}

/// The Chromium to run (`ECOQUIZ_CHROMIUM`, else `/usr/bin/chromium`), or `None` after saying
/// loudly that the browser tests did not run. Panics when `ECOQUIZ_REQUIRE_BROWSER` is set and
/// there is none: CI must not pass without having run them.
pub fn chromium_executable() -> Option<PathBuf> {
    let path = std::env::var_os("ECOQUIZ_CHROMIUM")
        .map_or_else(|| PathBuf::from(DEFAULT_CHROMIUM), PathBuf::from);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var_os("ECOQUIZ_REQUIRE_BROWSER").is_some() {
        panic!(
            "ECOQUIZ_REQUIRE_BROWSER is set but there is no Chromium at {} \
             (install Debian's `chromium`, or point ECOQUIZ_CHROMIUM at one)",
            path.display()
        );
    }
    // Straight to the terminal: the test harness captures `eprintln!` of passing tests.
    NOT_RUN_NOTICE.call_once(|| {
        let notice = format!(
            "\n*** Browser tests NOT RUN: no Chromium at {} (set ECOQUIZ_CHROMIUM, or install \
             Debian's `chromium`; CI does, see .ci/run). They pass without testing anything. ***\n\n",
            path.display()
        );
        let _ = std::io::stderr().write_all(notice.as_bytes());
    });
    None
}

/// `target/screenshots/` of the workspace (or of `CARGO_TARGET_DIR`), created if needed.
pub fn screenshots_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots folder can be created");
    dir
}

/// One headless Chromium process, with its own profile folder.
pub struct Browser {
    chromium: chromiumoxide::Browser,
    /// Drives the DevTools connection; nothing reaches Chromium unless it runs.
    connection: tokio::task::JoinHandle<()>,
    /// The test's name (the thread cargo runs it on), for failure screenshots.
    test: String,
    pages_opened: AtomicU32,
    /// Chromium's profile folder, removed by `Drop` once Chromium is gone.
    profile: PathBuf,
}

impl Browser {
    /// Starts Chromium, or returns `None` (loudly) when there is none and none is required.
    /// Panics when Chromium exists but does not start.
    pub async fn launch() -> Option<Browser> {
        let executable = chromium_executable()?;
        // Removed by `Drop`, which knows when Chromium has let go of it.
        let profile = tempfile::Builder::new()
            .prefix("ecoquiz-chromium-")
            .tempdir()
            .expect("a temporary profile folder")
            .keep();
        let config = chromiumoxide::BrowserConfig::builder()
            .chrome_executable(&executable)
            .user_data_dir(&profile)
            // CI runs as root, where Chromium's sandbox cannot start.
            .no_sandbox()
            .arg("disable-gpu")
            .window_size(1920, 1080)
            // Each page sets its own screen (`Viewport`) before it loads anything.
            .viewport(None)
            .launch_timeout(Duration::from_secs(30))
            .build()
            .expect("a valid Chromium configuration");
        let (chromium, mut handler) = match chromiumoxide::Browser::launch(config).await {
            Ok(launched) => launched,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&profile);
                panic!("Chromium at {} did not start: {e}", executable.display());
            }
        };
        // The handler yields an error for a message it cannot read and goes on; it ends when
        // the connection closes.
        let connection = tokio::spawn(async move { while handler.next().await.is_some() {} });
        let test = std::thread::current()
            .name()
            .unwrap_or("browser")
            .replace("::", "-");
        Some(Browser {
            chromium,
            connection,
            test,
            pages_opened: AtomicU32::new(0),
            profile,
        })
    }

    /// Opens `url` on a `viewport`-sized screen in a fresh browser context (no cookies or
    /// storage shared with other pages) and waits for it to load. Console errors, uncaught
    /// exceptions and alerts are recorded from before the first byte of the page.
    pub async fn page(&self, url: &str, viewport: Viewport) -> Page {
        let number = self.pages_opened.fetch_add(1, Ordering::SeqCst) + 1;
        let gate = NetworkGate::open().await;
        let own_network = CreateBrowserContextParams::builder()
            .proxy_server(format!("socks5://{}", gate.address))
            // Chromium never proxies loopback addresses unless told to; the servers under
            // test are all on loopback.
            .proxy_bypass_list("<-loopback>")
            .build();
        let context = self
            .chromium
            .create_browser_context(own_network)
            .await
            .expect("Chromium creates a browser context");
        let target = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(context)
            .build()
            .expect("valid target parameters");
        let page = self
            .chromium
            .new_page(target)
            .await
            .expect("Chromium opens a page");

        let console = page
            .event_listener::<EventConsoleApiCalled>()
            .await
            .expect("console events");
        let exceptions = page
            .event_listener::<EventExceptionThrown>()
            .await
            .expect("exception events");
        let problems = Arc::new(Mutex::new(Vec::new()));
        let dialogs = tokio::spawn(answer_dialogs(
            page.clone(),
            page.event_listener::<EventJavascriptDialogOpening>()
                .await
                .expect("dialog events"),
            Arc::clone(&problems),
        ));

        page.execute(viewport.metrics())
            .await
            .expect("Chromium sets the screen size");
        page.execute(SetTouchEmulationEnabledParams::new(
            viewport == Viewport::Phone,
        ))
        .await
        .expect("Chromium sets touch emulation");

        let page = Page {
            page,
            name: format!("{}-page{number}", self.test),
            console: Mutex::new(Console {
                calls: console,
                exceptions,
            }),
            problems,
            dialogs,
            gate,
            failures: AtomicU32::new(0),
        };
        if let Err(e) = page.page.goto(url).await {
            page.fail(&format!("could not open {url}: {e}")).await;
        }
        page
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.connection.abort();
        // Kill Chromium now (a panicking test included) and reap it, so that its profile
        // folder can be removed and nothing is left running.
        // A fraction of a second normally; generous for a machine under heavy load.
        let deadline = Instant::now() + Duration::from_secs(20);
        if let Some(child) = self.chromium.get_mut_child() {
            let process = child.as_mut_inner();
            let helpers = process.id().map(descendants).unwrap_or_default();
            let _ = process.start_kill();
            while matches!(process.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            // Its helpers end by themselves a moment later and may write to the profile
            // until then (a cache index written after the folder was removed brings it back).
            while helpers.iter().any(|&pid| is_running(pid)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        while std::fs::remove_dir_all(&self.profile)
            .is_err_and(|e| e.kind() != std::io::ErrorKind::NotFound)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The processes under `root` (Chromium's zygotes, renderers, GPU and utility processes),
/// read from `/proc`.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some((_, parent)) = process_state(pid) {
            parents.push((pid, parent));
        }
    }
    let mut found = vec![root];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        found.extend(parents.iter().filter(|p| p.1 == parent).map(|p| p.0));
        next += 1;
    }
    found.split_off(1)
}

/// Whether `pid` is alive (neither gone nor a zombie waiting to be reaped).
fn is_running(pid: u32) -> bool {
    process_state(pid).is_some_and(|(state, _)| !matches!(state, 'Z' | 'X'))
}

/// A process's state letter and parent, from `/proc/{pid}/stat` ("pid (name) S ppid …"; the
/// name may hold spaces and parentheses, so read after the last `)`).
fn process_state(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat.get(stat.rfind(')')? + 1..)?.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

/// What a page reports through the DevTools protocol that fails a test, not yet read.
struct Console {
    calls: EventStream<EventConsoleApiCalled>,
    exceptions: EventStream<EventExceptionThrown>,
}

/// Accepts every JavaScript dialog (an unanswered one freezes the page) and records alerts
/// as problems: the pages never alert, so one means script ran that should not have.
async fn answer_dialogs(
    page: chromiumoxide::Page,
    mut dialogs: EventStream<EventJavascriptDialogOpening>,
    problems: Arc<Mutex<Vec<String>>>,
) {
    while let Some(dialog) = dialogs.next().await {
        if dialog.r#type == DialogType::Alert {
            problems
                .lock()
                .unwrap()
                .push(format!("alert({:?}) opened", dialog.message));
        }
        let _ = page.execute(HandleJavaScriptDialogParams::new(true)).await;
    }
}

/// One tab, driven like a person would: wait for things to appear, click, type.
pub struct Page {
    page: chromiumoxide::Page,
    /// `{test}-page{n}`: names failure screenshots.
    name: String,
    console: Mutex<Console>,
    /// Console errors, uncaught exceptions and alerts seen so far.
    problems: Arc<Mutex<Vec<String>>>,
    dialogs: tokio::task::JoinHandle<()>,
    /// Every connection the page makes goes through it.
    gate: NetworkGate,
    failures: AtomicU32,
}

impl Page {
    /// Waits until an element matching `css` is shown (present and rendered).
    pub async fn wait_for(&self, css: &str) {
        let selector = js_string(css);
        self.wait_until_with(
            &format!("[...document.querySelectorAll({selector})].some((e) => e.checkVisibility())"),
            &format!("an element {css} to be shown"),
        )
        .await;
    }

    /// Waits until an element matching `css` contains `text` (its `textContent`).
    pub async fn wait_for_text(&self, css: &str, text: &str) {
        let (selector, wanted) = (js_string(css), js_string(text));
        self.wait_until_with(
            &format!(
                "[...document.querySelectorAll({selector})]\
                 .some((e) => e.textContent.includes({wanted}))"
            ),
            &format!("an element {css} containing {text:?}"),
        )
        .await;
    }

    /// Waits until the JavaScript expression `js` is truthy and returns its value.
    pub async fn wait_until(&self, js: &str) -> Value {
        self.wait_until_with(js, &format!("`{js}` to be true"))
            .await
    }

    /// The text of the first element matching `css`, once there is one.
    pub async fn text(&self, css: &str) -> String {
        let selector = js_string(css);
        let found = self
            .wait_until_with(
                &format!(
                    "(() => {{ const e = document.querySelector({selector}); \
                     return e && {{ text: e.textContent }}; }})()"
                ),
                &format!("an element {css}"),
            )
            .await;
        found["text"].as_str().unwrap_or_default().to_owned()
    }

    /// The texts of every element matching `css` now, in document order (empty if none).
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let selector = js_string(css);
        let texts = self
            .eval(&format!(
                "[...document.querySelectorAll({selector})].map((e) => e.textContent)"
            ))
            .await;
        serde_json::from_value(texts).expect("a list of texts")
    }

    /// Clicks the middle of the first element matching `css` with the mouse, once it is shown.
    pub async fn click(&self, css: &str) {
        self.wait_for(css).await;
        let deadline = Instant::now() + WAIT;
        loop {
            let clicked = match self.page.find_element(css).await {
                Ok(element) => element.click().await.map(|_| ()),
                Err(e) => Err(e),
            };
            match clicked {
                Ok(()) => return,
                // Redrawn between the wait and the click: look again.
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => self.fail(&format!("could not click {css}: {e}")).await,
            }
        }
    }

    /// Clicks into the field `css` and types `text` after what it holds, key by key (text a
    /// US keyboard cannot type, such as Chinese, arrives as an input method would commit it).
    pub async fn type_into(&self, css: &str, text: &str) {
        self.click(css).await;
        // Key events go to whatever has the focus; chromiumoxide sends them through an element.
        let field = match self.page.find_element(css).await {
            Ok(field) => field,
            Err(e) => self.fail(&format!("could not find {css}: {e}")).await,
        };
        let mut composed = String::new();
        for c in text.chars() {
            let key = c.to_string();
            if c.is_ascii() && chromiumoxide::keys::get_key_definition(&key).is_some() {
                self.insert_text(&mut composed).await;
                if let Err(e) = field.press_key(&key).await {
                    self.fail(&format!("could not type {key:?} into {css}: {e}"))
                        .await;
                }
            } else {
                composed.push(c);
            }
        }
        self.insert_text(&mut composed).await;
    }

    /// Types `text` at the focus in one piece, as an input method commits it.
    async fn insert_text(&self, text: &mut String) {
        if text.is_empty() {
            return;
        }
        if let Err(e) = self.page.execute(InsertTextParams::new(text.clone())).await {
            self.fail(&format!("could not type {text:?}: {e}")).await;
        }
        text.clear();
    }

    /// Chooses `path` in the file input `css`, as picking it in the file dialog would (the
    /// page gets its `input` and `change` events).
    pub async fn set_file_input(&self, css: &str, path: &Path) {
        self.wait_until_with(
            &format!("document.querySelector({})", js_string(css)),
            &format!("a file input {css}"),
        )
        .await;
        let input = match self.page.find_element(css).await {
            Ok(input) => input,
            Err(e) => self.fail(&format!("could not find {css}: {e}")).await,
        };
        let absolute = std::fs::canonicalize(path)
            .unwrap_or_else(|e| panic!("the file {} to upload: {e}", path.display()));
        let choose = SetFileInputFilesParams::builder()
            .file(absolute.to_string_lossy())
            .backend_node_id(input.backend_node_id)
            .build()
            .expect("valid file input parameters");
        if let Err(e) = self.page.execute(choose).await {
            self.fail(&format!(
                "could not choose {} in {css}: {e}",
                path.display()
            ))
            .await;
        }
    }

    /// The value of the JavaScript expression `js` (promises are awaited), as JSON; `null`
    /// for `undefined`. A thrown exception fails the test.
    pub async fn eval(&self, js: &str) -> Value {
        // Bounded like every wait: a promise that never settles fails the test with a
        // screenshot instead of hanging the whole suite.
        match tokio::time::timeout(WAIT, self.page.evaluate_expression(js)).await {
            Ok(Ok(result)) => result.value().cloned().unwrap_or(Value::Null),
            Ok(Err(e)) => self.fail(&format!("`{js}` failed: {e}")).await,
            Err(_) => {
                self.fail(&format!("`{js}` did not finish within {WAIT:?}"))
                    .await
            }
        }
    }

    /// Cuts the page off the network (`true`) or gives it back (`false`), as when a phone
    /// loses the venue's Wi-Fi: open connections (websockets included) are closed, new ones
    /// fail, and `navigator.onLine` follows (with its `offline` and `online` events).
    pub async fn set_offline(&self, offline: bool) {
        // The gate does the cutting. DevTools' own offline emulation is not used: it fails
        // new requests but leaves open websockets open, and a socket closed under it may go
        // unnoticed by the page until the emulation ends.
        self.gate.set_offline(offline);
        let navigator = OverrideNetworkStateParams::new(offline, 0.0, -1.0, -1.0);
        if let Err(e) = self.page.execute(navigator).await {
            self.fail(&format!("could not set navigator.onLine={}: {e}", !offline))
                .await;
        }
    }

    /// Reloads the page and waits for it to load.
    pub async fn reload(&self) {
        if let Err(e) = self.page.reload().await {
            self.fail(&format!("could not reload: {e}")).await;
        }
    }

    /// The page's current address.
    pub async fn url(&self) -> String {
        self.page.url().await.ok().flatten().unwrap_or_default()
    }

    /// Saves what the screen shows as `target/screenshots/{name}.png` and returns the path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        match self.try_screenshot(name).await {
            Ok(path) => path,
            Err(e) => panic!("could not save the screenshot {name}.png: {e}"),
        }
    }

    async fn try_screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let png = ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .build();
        let bytes = self.page.screenshot(png).await.map_err(|e| e.to_string())?;
        let path = screenshots_dir().join(format!("{name}.png"));
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// Fails the test if the page has logged a console error, thrown an uncaught exception or
    /// opened an alert since it was created.
    pub async fn assert_no_console_errors(&self) {
        // Events sent before the answer to this round trip are in the streams once it is back.
        let _ = self.page.evaluate_expression("0").await;
        let problems = self.take_console_errors();
        assert!(
            problems.is_empty(),
            "{} ({}) reported problems:\n  {}",
            self.name,
            self.url().await,
            problems.join("\n  ")
        );
    }

    /// The problems recorded so far (console errors, uncaught exceptions, alerts), which no
    /// longer fail the test: for a test that expects one.
    pub fn take_console_errors(&self) -> Vec<String> {
        let mut console = self.console.lock().unwrap();
        let mut problems = self.problems.lock().unwrap();
        while let Some(Some(call)) = console.calls.next().now_or_never() {
            if matches!(
                call.r#type,
                ConsoleApiCalledType::Error | ConsoleApiCalledType::Assert
            ) {
                let words: Vec<String> = call.args.iter().map(describe).collect();
                let place = call
                    .stack_trace
                    .as_ref()
                    .and_then(|trace| trace.call_frames.first())
                    .filter(|frame| !frame.url.is_empty())
                    .map(|frame| format!(" (at {}:{})", frame.url, frame.line_number + 1))
                    .unwrap_or_default();
                problems.push(format!("console.error: {}{place}", words.join(" ")));
            }
        }
        while let Some(Some(thrown)) = console.exceptions.next().now_or_never() {
            let details = &thrown.exception_details;
            let what = details
                .exception
                .as_ref()
                .map_or_else(|| details.text.clone(), describe);
            let place = details
                .url
                .as_deref()
                .filter(|url| !url.is_empty())
                .map(|url| format!(" (at {url}:{})", details.line_number + 1))
                .unwrap_or_default();
            problems.push(format!("uncaught exception: {what}{place}"));
        }
        std::mem::take(&mut *problems)
    }

    /// Fails the test with what a reader needs: the reason, the page's address, a fresh
    /// screenshot, the problems the console reported and the start of the page's text.
    async fn fail(&self, reason: &str) -> ! {
        let n = self.failures.fetch_add(1, Ordering::SeqCst) + 1;
        let shot_name = format!("failure-{}-{n}", self.name);
        let screenshot =
            match tokio::time::timeout(Duration::from_secs(5), self.try_screenshot(&shot_name))
                .await
            {
                Ok(Ok(path)) => path.display().to_string(),
                Ok(Err(e)) => format!("none ({e})"),
                Err(_) => "none (the page did not answer)".to_owned(),
            };
        let url = tokio::time::timeout(Duration::from_secs(2), self.url())
            .await
            .unwrap_or_default();
        let text = tokio::time::timeout(
            Duration::from_secs(2),
            self.page
                .evaluate_expression("document.body?.innerText ?? ''"),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .and_then(|result| result.value().and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
        let mut message = format!(
            "{reason}\n  page: {url}\n  screenshot: {screenshot}\n  text: {}",
            text.chars()
                .take(600)
                .collect::<String>()
                .replace('\n', " ⏎ ")
        );
        let problems = self.take_console_errors();
        if !problems.is_empty() {
            let _ = write!(message, "\n  console:\n    {}", problems.join("\n    "));
        }
        panic!("{message}");
    }

    /// Waits until the JavaScript expression `predicate` is truthy, checking whenever the
    /// document changes (and every 100 ms for conditions the DOM does not show), and returns
    /// its value. A navigation in between (a reload, a link) starts the wait again.
    async fn wait_until_with(&self, predicate: &str, what: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.fail(&format!("timed out after {WAIT:?} waiting for {what}"))
                    .await;
            }
            let script = waiting_script(predicate, left);
            let outcome = tokio::time::timeout(
                left + Duration::from_secs(2),
                self.page.evaluate_expression(script),
            )
            .await;
            match outcome {
                Ok(Ok(result)) => match result.value() {
                    Some(Value::Object(answer)) if answer.contains_key("value") => {
                        return answer["value"].clone();
                    }
                    Some(Value::Object(answer)) if answer.contains_key("error") => {
                        self.fail(&format!(
                            "waiting for {what}: the check threw {}",
                            answer["error"]
                        ))
                        .await;
                    }
                    _ => {
                        self.fail(&format!("timed out after {WAIT:?} waiting for {what}"))
                            .await;
                    }
                },
                // The document went away under the wait (a navigation); look again in the
                // new one once it has a context to run in.
                Ok(Err(_)) => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(_) => {
                    self.fail(&format!(
                        "timed out after {WAIT:?} waiting for {what} (the page did not answer)"
                    ))
                    .await;
                }
            }
        }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.dialogs.abort();
        // A test that forgot `assert_no_console_errors` still fails on what was seen.
        if !std::thread::panicking() {
            let problems = self.take_console_errors();
            assert!(
                problems.is_empty(),
                "{} reported problems:\n  {}",
                self.name,
                problems.join("\n  ")
            );
        }
    }
}

/// A page's own SOCKS5 proxy on loopback: it relays the page's connections to loopback
/// addresses only (tests never reach beyond this machine) and, while offline, closes them all
/// and refuses new ones.
struct NetworkGate {
    address: SocketAddr,
    offline: watch::Sender<bool>,
    /// Accepts connections; its relays end with it.
    accepting: tokio::task::JoinHandle<()>,
}

impl NetworkGate {
    async fn open() -> NetworkGate {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the page's network gate");
        let address = listener.local_addr().expect("the gate's address");
        let (offline, _) = watch::channel(false);
        let watching = offline.clone();
        let accepting = tokio::spawn(async move {
            let mut relays = tokio::task::JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                relays.spawn(relay(client, watching.subscribe()));
                // Forget the relays that have ended.
                while relays.try_join_next().is_some() {}
            }
        });
        NetworkGate {
            address,
            offline,
            accepting,
        }
    }

    fn set_offline(&self, offline: bool) {
        self.offline.send_replace(offline);
    }
}

impl Drop for NetworkGate {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// One connection through the gate: the SOCKS5 greeting and CONNECT request (no
/// authentication), then bytes both ways until either side closes or the gate goes offline.
async fn relay(mut client: TcpStream, mut offline: watch::Receiver<bool>) -> std::io::Result<()> {
    const GRANTED: u8 = 0;
    const FAILURE: u8 = 1;
    const NOT_ALLOWED: u8 = 2;
    const REFUSED: u8 = 5;
    let reply = |code: u8| [5, code, 0, 1, 0, 0, 0, 0, 0, 0];

    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    client.read_exact(&mut methods).await?;
    client.write_all(&[5, 0]).await?;

    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            Some(IpAddr::from(Ipv4Addr::from(ip)))
        }
        4 => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            Some(IpAddr::from(Ipv6Addr::from(ip)))
        }
        3 => {
            let mut name = vec![0u8; usize::from(client.read_u8().await?)];
            client.read_exact(&mut name).await?;
            // Chromium sends the host as written in the address, numbers included.
            let name = String::from_utf8_lossy(&name).into_owned();
            match name.trim_matches(['[', ']']).parse::<IpAddr>() {
                Ok(ip) => Some(ip),
                Err(_) => (name == "localhost").then_some(IpAddr::from(Ipv4Addr::LOCALHOST)),
            }
        }
        _ => None,
    };
    let port = client.read_u16().await?;
    let Some(host) = host.filter(IpAddr::is_loopback) else {
        return client.write_all(&reply(NOT_ALLOWED)).await;
    };
    if request[1] != 1 || *offline.borrow() {
        return client.write_all(&reply(FAILURE)).await;
    }
    let Ok(mut server) = TcpStream::connect(SocketAddr::new(host, port)).await else {
        return client.write_all(&reply(REFUSED)).await;
    };
    client.write_all(&reply(GRANTED)).await?;
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = offline.wait_for(|offline| *offline) => {}
    }
    Ok(())
}

/// A promise that settles with `{value}` once `predicate` is truthy, `{error}` if it throws,
/// or `null` after `timeout`.
fn waiting_script(predicate: &str, timeout: Duration) -> String {
    format!(
        r#"new Promise((resolve) => {{
  const predicate = () => ({predicate});
  let observer = null, interval = null, timer = null;
  const finish = (answer) => {{
    observer?.disconnect(); clearInterval(interval); clearTimeout(timer); resolve(answer);
  }};
  const check = () => {{
    try {{ const value = predicate(); if (value) finish({{ value }}); }}
    catch (e) {{ finish({{ error: String(e) }}); }}
  }};
  observer = new MutationObserver(check);
  observer.observe(document, {{ subtree: true, childList: true, characterData: true, attributes: true }});
  interval = setInterval(check, 100);
  timer = setTimeout(() => finish(null), {ms});
  check();
}})"#,
        ms = timeout.as_millis()
    )
}

/// `s` as a JavaScript string literal (JSON's are valid JavaScript).
fn js_string(s: &str) -> String {
    Value::from(s).to_string()
}

/// A console argument or exception as a person reads it in the DevTools console.
fn describe(object: &RemoteObject) -> String {
    match (&object.value, &object.description) {
        (Some(Value::String(s)), _) => s.clone(),
        (Some(value), _) => value.to_string(),
        (None, Some(description)) => description.clone(),
        (None, None) => format!("{:?}", object.r#type),
    }
}
