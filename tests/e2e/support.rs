//! Helpers shared by the end-to-end tests: the in-process `TestApp` on either backend, typed
//! request helpers, running the binary, and sample files.

#![allow(dead_code)] // Each test module uses a different subset.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use ecoquiz::clock::{Clock, Millis};
use ecoquiz::settings::StoreOptions;
use ecoquiz::settings::{Settings, Storage};
use ecoquiz::state::AppState;
use question_bank::{Kind, option_key};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

// ---------------------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------------------

/// The result of one run of `ecoquiz`.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Runs the real binary with `args` and waits for it.
pub fn ecoquiz(args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_ecoquiz"))
        .args(args)
        .env_remove("ECOQUIZ_DATABASE_URL")
        .env_remove("ECOQUIZ_DATA_DIR")
        .output()
        .expect("the ecoquiz binary runs");
    Run {
        code: status
            .code()
            .expect("ecoquiz exited normally, not by a signal"),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// The real `ecoquiz serve --demo` on a random port, its files in `data_dir`; returns the
/// process and its address.
pub fn start_server(storage: &[&str], data_dir: &str) -> (Child, String) {
    start_server_with(storage, data_dir, &Launch::default())
}

/// How `start_server_with` runs the binary.
#[derive(Default)]
pub struct Launch<'a> {
    /// Started through `sh` with SIGXFSZ ignored, so a file-size limit set on the process
    /// later (`prlimit --fsize`) makes its writes fail (EFBIG) instead of killing it.
    pub survive_file_size_limits: bool,
    /// Where its log (stderr) goes; nowhere by default.
    pub log: Option<&'a Path>,
    /// Run as this user (through `setpriv`; the tests must run as root), with this copy of
    /// the binary (one the user can reach).
    pub as_user: Option<(&'a str, &'a Path)>,
}

/// `start_server` as `launch` says.
pub fn start_server_with(storage: &[&str], data_dir: &str, launch: &Launch) -> (Child, String) {
    let mut command = server_command(launch);
    let stderr = match launch.log {
        Some(path) => Stdio::from(std::fs::File::create(path).expect("the log file")),
        None => Stdio::null(),
    };
    let mut child = command
        .args(["serve", "--bind", "127.0.0.1:0", "--demo"])
        .args(storage)
        .env_remove("ECOQUIZ_DATABASE_URL")
        .env("ECOQUIZ_DATA_DIR", data_dir)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server prints its address before anything fails")
            .expect("stdout is readable");
        if let Some(address) = line.split("http://").nth(1) {
            break format!("http://{}", address.trim());
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

/// The command that runs the binary as `launch` says, before its arguments.
pub fn server_command(launch: &Launch) -> Command {
    let binary = match launch.as_user {
        Some((_, copy)) => copy.to_str().expect("a UTF-8 path"),
        None => env!("CARGO_BIN_EXE_ecoquiz"),
    };
    let mut command = match launch.as_user {
        Some((user, _)) => {
            let mut setpriv = Command::new("setpriv");
            setpriv.args([
                &format!("--reuid={user}"),
                &format!("--regid={user}"),
                "--clear-groups",
            ]);
            setpriv
        }
        None => Command::new(if launch.survive_file_size_limits {
            "sh"
        } else {
            binary
        }),
    };
    if launch.survive_file_size_limits {
        // An ignored signal stays ignored across exec; the pid stays the server's.
        if launch.as_user.is_some() {
            command.arg("sh");
        }
        command.args(["-c", "trap '' XFSZ; exec \"$0\" \"$@\"", binary]);
    } else if launch.as_user.is_some() {
        command.arg(binary);
    }
    command
}

/// A participant's client of a server started with `start_server`.
pub struct BinaryClient {
    pub address: String,
    pub http: reqwest::Client,
}

impl BinaryClient {
    pub fn new(address: &str) -> BinaryClient {
        BinaryClient {
            address: address.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    async fn json(&self, request: reqwest::RequestBuilder) -> Value {
        request
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON body")
    }

    /// Registers and returns the token.
    pub async fn register(&self, name: &str, phone: &str, company: &str) -> String {
        let registered = self
            .json(
                self.http
                    .post(format!("{}/api/auth/register", self.address))
                    .json(&registration(name, phone, company)),
            )
            .await;
        registered["token"].as_str().expect("registered").to_owned()
    }

    /// The first competition listed (the demo's).
    pub async fn first_competition(&self) -> i64 {
        let competitions = self
            .json(self.http.get(format!("{}/api/competitions", self.address)))
            .await;
        competitions[0]["id"].as_i64().expect("a competition")
    }

    /// Starts (or resumes) an attempt and returns the paper.
    pub async fn start(&self, token: &str, competition: i64) -> Value {
        self.json(
            self.http
                .post(format!(
                    "{}/api/competitions/{competition}/attempts",
                    self.address
                ))
                .bearer_auth(token),
        )
        .await
    }

    pub async fn submit(&self, token: &str, attempt: i64) -> Value {
        self.json(
            self.http
                .post(format!("{}/api/attempts/{attempt}/submit", self.address))
                .bearer_auth(token),
        )
        .await
    }
}

/// Registers a participant of `company`, answers the first `right` questions of the paper
/// right (`usize::MAX`: every one) and the rest blank, and hands it in.
pub async fn hand_in_paper(
    app: &TestApp,
    competition: i64,
    name: &str,
    phone: &str,
    company: &str,
    right: usize,
) {
    let token = app.register(name, phone, company).await;
    let (attempt, _paper) = start_paper(app, competition, &token).await;
    let sheet = perfect_sheet(&answer_key(app, attempt).await)
        .into_iter()
        .take(right)
        .collect();
    fill(app, &token, attempt, &sheet).await;
    assert_eq!(submit(app, &token, attempt).await.status(), StatusCode::OK);
}

/// Three participants of three companies hand in papers of the competition, registered in the
/// opposite order of their results: 孙丽 (东湖环境监测站) none right, 钱伟 (清河水务集团) five
/// right, 赵敏 (绿源化工有限公司) every one right.
pub async fn hand_in_three_papers(app: &TestApp, competition: i64) {
    hand_in_paper(app, competition, "孙丽", "13800000003", "东湖环境监测站", 0).await;
    hand_in_paper(app, competition, "钱伟", "13800000002", "清河水务集团", 5).await;
    hand_in_paper(
        app,
        competition,
        "赵敏",
        "13800000001",
        "绿源化工有限公司",
        usize::MAX,
    )
    .await;
}

/// The resident memory of a process, in KiB (Linux).
pub fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The sample bank shipped in `question-bank/samples/`.
pub fn sample_bank() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../question-bank/samples/sample-bank.csv")
}

/// A fresh temporary folder for a test's files.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Writes `contents` to `name` in `dir` and returns its path as a string.
pub fn write_file(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("the test file is written");
    path.to_str().expect("temp paths are UTF-8").to_owned()
}

// ---------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------

/// Which database a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The variable CI sets to a fresh PostgreSQL database for this run.
pub const POSTGRES_VARIABLE: &str = "ECOQUIZ_TEST_DATABASE_URL";

static NOTICE: std::sync::Once = std::sync::Once::new();

/// The run's PostgreSQL URL, or `None` (after saying loudly, once, that the PostgreSQL suite
/// did not run).
pub fn postgres_base_url() -> Option<String> {
    match std::env::var(POSTGRES_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            NOTICE.call_once(|| {
                eprintln!(
                    "\n*** PostgreSQL suite NOT RUN: {POSTGRES_VARIABLE} is not set. \
                     CI sets it (see .ci/run); the postgres::* tests below pass without testing anything. ***\n"
                );
            });
            None
        }
    }
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A new, empty database on the run's PostgreSQL server, for one test. Panics (loudly) when
/// the server cannot be reached: a run configured for PostgreSQL must not pass silently.
pub async fn fresh_postgres_database(base_url: &str) -> String {
    sqlx::any::install_default_drivers();
    let (server, base_name) = base_url
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("{POSTGRES_VARIABLE} must end with a database name"));
    let base_name = base_name.split('?').next().unwrap_or(base_name);
    let name = format!(
        "{base_name}_t{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = sqlx::AnyConnection::connect(base_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at {POSTGRES_VARIABLE}: {e}"));
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("drop the old test database");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    admin.close().await.ok();
    format!("{server}/{name}")
}

// ---------------------------------------------------------------------------------------
// The in-process server
// ---------------------------------------------------------------------------------------

/// 2026-06-05 09:00 in Beijing: World Environment Day, when the tests' clocks start.
pub const ENVIRONMENT_DAY: Millis = 1_780_621_200_000;

/// A running server on `127.0.0.1:<random port>` with its own database and a clock the test
/// moves by hand.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub state: AppState,
    pub backend: Backend,
    pub admin_password: String,
    pub data_dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    /// Starts a server on SQLite in a temporary folder.
    pub async fn sqlite() -> TestApp {
        let dir = temp_dir();
        let storage = Storage::DataDir(dir.path().to_owned());
        TestApp::start(storage, dir, Backend::Sqlite).await
    }

    /// Starts a server on a fresh PostgreSQL database, or `None` when the run has none.
    pub async fn postgres() -> Option<TestApp> {
        let base = postgres_base_url()?;
        let url = fresh_postgres_database(&base).await;
        Some(TestApp::start(Storage::DatabaseUrl(url), temp_dir(), Backend::Postgres).await)
    }

    /// A second server process's worth: another server on the same database (PostgreSQL
    /// scale-out), sharing this one's clock.
    pub async fn second_instance(&self) -> TestApp {
        assert_eq!(
            self.backend,
            Backend::Postgres,
            "only PostgreSQL is shared by several servers"
        );
        let url = self
            .state
            .store
            .postgres_url()
            .expect("a PostgreSQL store")
            .to_owned();
        let mut second = TestApp::start_with(
            Storage::DatabaseUrl(url),
            temp_dir(),
            Backend::Postgres,
            self.clock.clone(),
        )
        .await;
        second.admin_password = self.admin_password.clone();
        second
    }

    async fn start(storage: Storage, dir: tempfile::TempDir, backend: Backend) -> TestApp {
        TestApp::start_with(storage, dir, backend, Clock::manual(ENVIRONMENT_DAY)).await
    }

    async fn start_with(
        storage: Storage,
        dir: tempfile::TempDir,
        backend: Backend,
        clock: Clock,
    ) -> TestApp {
        TestApp::start_with_options(storage, dir, backend, clock, StoreOptions::default()).await
    }

    /// Starts a server on SQLite whose store waits for locks and connections as `options`
    /// say (the fault tests shorten the waits).
    pub async fn sqlite_with(options: StoreOptions) -> TestApp {
        let dir = temp_dir();
        let storage = Storage::DataDir(dir.path().to_owned());
        let clock = Clock::manual(ENVIRONMENT_DAY);
        TestApp::start_with_options(storage, dir, Backend::Sqlite, clock, options).await
    }

    /// Starts a server on PostgreSQL at `url` (e.g. through a proxy a test controls) with
    /// the store `options`.
    pub async fn postgres_at(url: &str, options: StoreOptions) -> TestApp {
        let storage = Storage::DatabaseUrl(url.to_owned());
        let clock = Clock::manual(ENVIRONMENT_DAY);
        TestApp::start_with_options(storage, temp_dir(), Backend::Postgres, clock, options).await
    }

    /// What a `kill -9` of this server leaves, started again: the data folder's files copied
    /// as they are on disk at this instant (the database and its write-ahead log; the
    /// shared-memory index is rebuilt from the log, as after a reboot) into a new folder, and
    /// a new server on the copy with the same clock. Only what was committed is in the
    /// copy. This server keeps running, untouched. SQLite only.
    pub async fn restarted_after_a_crash(&self) -> TestApp {
        assert_eq!(self.backend, Backend::Sqlite, "the files are SQLite's");
        let copy = temp_dir();
        for entry in std::fs::read_dir(self.data_dir.path()).expect("the data folder") {
            let entry = entry.expect("a data file");
            let name = entry.file_name();
            if name.to_string_lossy().ends_with("-shm") || !entry.path().is_file() {
                continue;
            }
            std::fs::copy(entry.path(), copy.path().join(&name)).expect("the data file copies");
        }
        let storage = Storage::DataDir(copy.path().to_owned());
        TestApp::start_with(storage, copy, Backend::Sqlite, self.clock.clone()).await
    }

    async fn start_with_options(
        storage: Storage,
        dir: tempfile::TempDir,
        backend: Backend,
        clock: Clock,
        store: StoreOptions,
    ) -> TestApp {
        let settings = Settings {
            bind: "127.0.0.1:0".parse().unwrap(),
            storage,
            data_dir: dir.path().to_owned(),
            jwt_secret: None,
            demo: false,
            store,
        };
        let (state, startup) = ecoquiz::app::prepare(&settings, clock.clone())
            .await
            .expect("the server prepares");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(ecoquiz::app::serve(state.clone(), listener, async {
            let _ = stopped.await;
        }));
        TestApp {
            address,
            client: reqwest::Client::new(),
            clock,
            state,
            backend,
            // A second server on a shared database finds `admin` already there.
            admin_password: startup.initial_admin_password.unwrap_or_default(),
            data_dir: dir,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("the server task ends")
                .expect("the server stops cleanly");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The `ws://` address of a path.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws{}{path}", self.address.trim_start_matches("http"))
    }

    /// Moves the server's clock forward.
    pub fn advance_minutes(&self, minutes: i64) {
        self.clock.advance(minutes * 60_000);
    }

    pub fn advance_seconds(&self, seconds: i64) {
        self.clock.advance(seconds * 1_000);
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.put(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    /// Posts raw bytes (a CSV upload).
    pub async fn post_bytes(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> Response {
        let mut request = self.client.post(self.url(path)).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    /// The first organizer's token.
    pub async fn admin_token(&self) -> String {
        let response = self
            .post(
                "/api/admin/login",
                None,
                &json!({"username": "admin", "password": self.admin_password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        body(response).await["token"].as_str().unwrap().to_owned()
    }

    /// Registers a participant of `company` (its credit code derived from the name) and
    /// returns the token.
    pub async fn register(&self, name: &str, phone: &str, company: &str) -> String {
        let response = self
            .post(
                "/api/auth/register",
                None,
                &registration(name, phone, company),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{}",
            response.text().await.unwrap_or_default()
        );
        body(response).await["token"].as_str().unwrap().to_owned()
    }

    /// Imports the sample bank through the HTTP import.
    pub async fn import_sample_bank(&self, admin: &str) {
        let csv = std::fs::read(sample_bank()).unwrap();
        let response = self
            .post_bytes("/api/admin/questions/import", Some(admin), csv)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Loads a roster of `(name, subdistrict)` companies, their credit codes derived from the
    /// names.
    pub async fn import_roster(&self, admin: &str, companies: &[(&str, &str)]) {
        let mut roster = String::from("企业名称,统一社会信用代码,所属街道\n");
        for (name, subdistrict) in companies {
            roster.push_str(&format!("{name},{},{subdistrict}\n", credit_code_for(name)));
        }
        let imported = self
            .post_bytes(
                "/api/admin/companies/import",
                Some(admin),
                roster.into_bytes(),
            )
            .await;
        assert_eq!(imported.status(), StatusCode::OK);
    }

    /// Creates a competition open from now for `open_minutes`, `duration_minutes` per attempt,
    /// and returns its id.
    pub async fn create_competition(
        &self,
        admin: &str,
        blueprint: Value,
        open_minutes: i64,
        duration_minutes: i64,
    ) -> i64 {
        let now = self.clock.now();
        self.create_competition_with(
            admin,
            json!({
                "closes_at": ecoquiz::clock::rfc3339(now + open_minutes * 60_000),
                "duration_minutes": duration_minutes,
                "blueprint": blueprint,
            }),
        )
        .await
    }

    /// Creates a competition open from now for an hour, 30 minutes per attempt, on the small
    /// blueprint, with `settings` (any fields of the request) taking their place; returns its id.
    pub async fn create_competition_with(&self, admin: &str, settings: Value) -> i64 {
        let now = self.clock.now();
        let mut request = json!({
            "title": "六五环境日企业环保知识竞赛",
            "opens_at": ecoquiz::clock::rfc3339(now),
            "closes_at": ecoquiz::clock::rfc3339(now + 60 * 60_000),
            "duration_minutes": 30,
            "blueprint": small_blueprint(),
        });
        for (field, value) in settings.as_object().expect("settings are a JSON object") {
            request[field] = value.clone();
        }
        let response = self
            .post("/api/admin/competitions", Some(admin), &request)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{}",
            response.text().await.unwrap_or_default()
        );
        body(response).await["id"].as_i64().unwrap()
    }

    /// The paper an attempt was issued, with the question versions it pins, read from the
    /// store the way the server grades it (a test may know what participants cannot).
    pub async fn issued_paper(
        &self,
        attempt: i64,
    ) -> Vec<(
        ecoquiz::store::attempts::PaperEntry,
        question_bank::Question,
    )> {
        let paper = self
            .state
            .store
            .paper(attempt)
            .await
            .expect("the issued paper");
        let refs: Vec<_> = paper.iter().map(|entry| entry.question).collect();
        let mut versions = self
            .state
            .store
            .question_versions(&refs)
            .await
            .expect("the pinned question versions");
        paper
            .into_iter()
            .map(|entry| {
                let question = versions.remove(&entry.question).expect("a pinned version");
                (entry, question)
            })
            .collect()
    }

    /// An app with the sample bank, an admin token and a small competition open for an hour
    /// with 30-minute attempts: (admin token, competition id).
    pub async fn with_small_competition(&self) -> (String, i64) {
        let admin = self.admin_token().await;
        self.import_sample_bank(&admin).await;
        let id = self
            .create_competition(&admin, small_blueprint(), 60, 30)
            .await;
        (admin, id)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// 5 single (2 points), 3 multiple (3 points, partial credit), 2 judge (1 point): 21 points.
pub fn small_blueprint() -> Value {
    json!({
        "sections": [
            {"kind": "single", "count": 5, "points": 2},
            {"kind": "multiple", "count": 3, "points": 3, "partial_credit": true},
            {"kind": "judge", "count": 2, "points": 1}
        ]
    })
}

/// The JSON body of a response.
pub async fn body(response: Response) -> Value {
    let text = response.text().await.expect("a body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A valid unified social credit code derived from a company name (check digit included).
pub fn credit_code_for(company: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut hash: u64 = 1469598103934665603;
    for b in company.bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(1099511628211);
    }
    let mut prefix = String::from("913101");
    for _ in 0..11 {
        prefix.push(ALPHABET[(hash % 31) as usize] as char);
        hash /= 31;
    }
    ecoquiz::identity::with_check_character(&prefix)
}

/// A registration body for the API.
pub fn registration(name: &str, phone: &str, company: &str) -> Value {
    json!({
        "name": name,
        "phone": phone,
        "password": "环保知识竞赛2026",
        "company_name": company,
        "credit_code": credit_code_for(company),
        "subdistrict": "城关街道",
    })
}

/// Runs `$test(app)` on SQLite, and on PostgreSQL when the run has it: each name becomes
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::TestApp::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::support::TestApp::postgres().await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

// ---------------------------------------------------------------------------------------
// The exam as a participant drives it, and the answer key as the store knows it
// ---------------------------------------------------------------------------------------

/// Question number → the option keys a participant sends.
pub type Sheet = BTreeMap<i64, Vec<&'static str>>;

/// One question of an issued paper as the store knows it, answer key included: what the
/// tests need to build answer sheets, and what participants must not see before the close.
pub struct KeyedQuestion {
    pub no: i64,
    pub kind: Kind,
    pub points: f64,
    /// The correct keys, in the participant's option order.
    pub key: Vec<&'static str>,
    /// A key that is not part of the answer.
    pub wrong: &'static str,
    pub explanation: Option<String>,
    pub stem: String,
    /// `option_order[shown] = the bank's option`.
    pub option_order: Vec<u8>,
}

/// The answer key of an attempt's paper, read from the store the way the server grades it.
pub async fn answer_key(app: &TestApp, attempt: i64) -> Vec<KeyedQuestion> {
    app.issued_paper(attempt)
        .await
        .iter()
        .map(|(entry, question)| {
            let kind = question.kind();
            let (right, wrong): (Vec<usize>, Vec<usize>) =
                (0..entry.option_order.len()).partition(|&shown| {
                    question
                        .answer()
                        .contains(usize::from(entry.option_order[shown]))
                });
            KeyedQuestion {
                no: entry.no,
                kind,
                points: entry.points as f64 / 100.0,
                key: right.iter().map(|&i| option_key(kind, i)).collect(),
                wrong: option_key(kind, wrong[0]),
                explanation: question.explanation().map(str::to_owned),
                stem: question.stem().to_owned(),
                option_order: entry.option_order.clone(),
            }
        })
        .collect()
}

/// Every question answered with its key.
pub fn perfect_sheet(paper: &[KeyedQuestion]) -> Sheet {
    paper.iter().map(|q| (q.no, q.key.clone())).collect()
}

pub async fn start(app: &TestApp, competition: i64, token: &str) -> Response {
    app.post(
        &format!("/api/competitions/{competition}/attempts"),
        Some(token),
        &json!({}),
    )
    .await
}

/// Starts a new attempt (201): its id and the paper as the participant sees it.
pub async fn start_paper(app: &TestApp, competition: i64, token: &str) -> (i64, Value) {
    let started = start(app, competition, token).await;
    assert_eq!(
        started.status(),
        StatusCode::CREATED,
        "a new attempt is created"
    );
    let paper = body(started).await;
    (paper["attempt_id"].as_i64().unwrap(), paper)
}

pub async fn save(app: &TestApp, token: &str, attempt: i64, no: i64, choice: Value) -> Response {
    app.put(
        &format!("/api/attempts/{attempt}/answers/{no}"),
        Some(token),
        &json!({ "choice": choice }),
    )
    .await
}

/// Saves every answer of `sheet`, each acknowledged with 204.
pub async fn fill(app: &TestApp, token: &str, attempt: i64, sheet: &Sheet) {
    for (no, keys) in sheet {
        let saved = save(app, token, attempt, *no, json!(keys)).await;
        assert_eq!(
            saved.status(),
            StatusCode::NO_CONTENT,
            "question {no}: {}",
            saved.text().await.unwrap_or_default()
        );
    }
}

pub async fn submit(app: &TestApp, token: &str, attempt: i64) -> Response {
    app.post(
        &format!("/api/attempts/{attempt}/submit"),
        Some(token),
        &json!({}),
    )
    .await
}

pub async fn show(app: &TestApp, token: &str, attempt: i64) -> Response {
    app.get(&format!("/api/attempts/{attempt}"), Some(token))
        .await
}
