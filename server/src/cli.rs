//! The command line (README.md, docs/SERVER.md): clap definitions, storage flags resolved
//! against the environment (a flag wins), and dispatch.

use std::ffi::OsString;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::clock::Clock;
use crate::commands::{self, Exit};
use crate::export::{ExportFormat, ExportKind};
use crate::settings::{Secret, Settings, Storage};
use crate::settings::{SqliteSynchronous, StoreOptions};

/// ecoquiz — 企业环保知识竞赛平台 (environmental knowledge competitions).
#[derive(Debug, Parser)]
#[command(name = "ecoquiz", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives. Default: embedded SQLite in `./ecoquiz-data`.
#[derive(Debug, Args, Clone, Default)]
pub struct StorageArgs {
    /// Folder for the embedded SQLite database and generated files [env: ECOQUIZ_DATA_DIR]
    /// [default: ./ecoquiz-data]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL, for several server processes sharing one database
    /// [env: ECOQUIZ_DATABASE_URL]
    #[arg(long, value_name = "URL", conflicts_with = "data_dir")]
    pub database_url: Option<String>,
}

impl StorageArgs {
    /// Flags first, then the environment, then the default.
    pub fn resolve(&self) -> (Storage, PathBuf) {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let data_dir = self
            .data_dir
            .clone()
            .or_else(|| env("ECOQUIZ_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("ecoquiz-data"));
        let storage = match (&self.data_dir, &self.database_url) {
            (_, Some(url)) => Storage::DatabaseUrl(url.clone()),
            (Some(dir), None) => Storage::DataDir(dir.clone()),
            (None, None) => match env("ECOQUIZ_DATABASE_URL") {
                Some(url) => Storage::DatabaseUrl(url),
                None => Storage::DataDir(data_dir.clone()),
            },
        };
        (storage, data_dir)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server.
    Serve {
        /// Address to listen on [env: ECOQUIZ_BIND] [default: 0.0.0.0:8080]
        #[arg(long, value_name = "ADDR")]
        bind: Option<SocketAddr>,
        #[command(flatten)]
        storage: StorageArgs,
        /// Import the sample bank and open a demo competition for the next 30 days.
        #[arg(long)]
        demo: bool,
        /// How SQLite makes a commit durable: `full` flushes every commit to the disk, so an
        /// acknowledged answer survives a power cut (the default); `normal` survives only a
        /// crash of the process, for faster paper starts on a slow disk (docs/SERVER.md).
        #[arg(
            long,
            value_enum,
            value_name = "MODE",
            env = "ECOQUIZ_SQLITE_SYNCHRONOUS",
            default_value = "full"
        )]
        sqlite_synchronous: SynchronousArg,
    },
    /// Organizer accounts.
    #[command(subcommand)]
    Organizer(OrganizerCommand),
    /// The question bank: check a CSV file, import it, or re-derive a paper.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Export a competition's results (by company, subdistrict, participant or question) as
    /// CSV or .xlsx: exit 0 written, 1 unknown competition, 2 the store or file failed.
    Export {
        /// The competition's ID (the admin console lists it).
        #[arg(long, value_name = "ID")]
        competition: i64,
        /// What one row is.
        #[arg(long, value_enum)]
        by: ExportBy,
        #[arg(long, value_enum)]
        format: ExportFormatArg,
        /// The file to write (replaced if it exists).
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Rehearse the event day against a running deployment (docs/REHEARSE.md): N contestants
    /// register, start together, answer and submit while M viewers watch the board; prints
    /// per-action latencies. `--cleanup` removes every rehearsal record. Exit 0 done, 1 bad
    /// input or credentials or not ecoquiz, 2 unreachable, 130 interrupted.
    Rehearse(RehearseArgs),
    /// Remove records from the store: `--rehearsal` removes everything `ecoquiz rehearse`
    /// made, and nothing else.
    Purge {
        /// What `ecoquiz rehearse` made (the only purge there is).
        #[arg(long, required = true)]
        rehearsal: bool,
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// A server of the deployment (`http://host:port`); repeat for several processes.
    #[arg(long = "url", value_name = "URL")]
    pub urls: Vec<String>,
    /// Contestants who register, start at one instant, answer and submit (1 to 100000).
    #[arg(long, value_name = "N")]
    pub contestants: Option<u64>,
    /// Websocket viewers on the rehearsal's board.
    #[arg(long, value_name = "M", default_value_t = 0)]
    pub viewers: u64,
    /// The contestants arrive evenly over this many seconds.
    #[arg(long, value_name = "S", default_value_t = 60)]
    pub arrival_seconds: u64,
    /// A contestant's think time per question (each between half and one and a half times).
    #[arg(long, value_name = "T", default_value_t = 3000)]
    pub think_ms: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Remove every rehearsal record from the deployment instead of rehearsing.
    #[arg(long, conflicts_with_all = ["contestants"])]
    pub cleanup: bool,
    /// The organizer account that prepares the rehearsal.
    #[arg(long, value_name = "USERNAME", env = "ECOQUIZ_REHEARSE_USER")]
    pub user: Option<String>,
    /// Its password (prefer the environment variable: a flag shows in the process list).
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "ECOQUIZ_REHEARSE_PASSWORD",
        hide_env_values = true
    )]
    pub password: Option<String>,
}

/// `--sqlite-synchronous`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SynchronousArg {
    Full,
    Normal,
}

impl From<SynchronousArg> for SqliteSynchronous {
    fn from(mode: SynchronousArg) -> SqliteSynchronous {
        match mode {
            SynchronousArg::Full => SqliteSynchronous::Full,
            SynchronousArg::Normal => SqliteSynchronous::Normal,
        }
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportBy {
    Company,
    Subdistrict,
    Participant,
    Question,
}

impl From<ExportBy> for ExportKind {
    fn from(by: ExportBy) -> ExportKind {
        match by {
            ExportBy::Company => ExportKind::Companies,
            ExportBy::Subdistrict => ExportKind::Subdistricts,
            ExportBy::Participant => ExportKind::Participants,
            ExportBy::Question => ExportKind::Questions,
        }
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormatArg {
    Csv,
    Xlsx,
}

impl From<ExportFormatArg> for ExportFormat {
    fn from(format: ExportFormatArg) -> ExportFormat {
        match format {
            ExportFormatArg::Csv => ExportFormat::Csv,
            ExportFormatArg::Xlsx => ExportFormat::Xlsx,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OrganizerCommand {
    /// Add an organizer; prints a generated password when none is given.
    Add {
        username: String,
        #[arg(long)]
        password: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Check a question CSV: exit 0 when valid, 1 when some rows are invalid, 2 when the file
    /// cannot be read.
    Check {
        /// The CSV file (UTF-8 or GB18030/GBK, comma- or tab-separated).
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import a question CSV into the store: all or nothing (exit codes as `check`).
    Import {
        file: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Re-derive the paper a seed gives (for an audit): exit 0 with the paper, 1 when the bank
    /// or blueprint is invalid or the bank cannot satisfy the blueprint, 2 when a file cannot
    /// be read.
    Assemble {
        /// The question CSV the paper is drawn from.
        file: PathBuf,
        /// The blueprint JSON file.
        #[arg(long)]
        blueprint: PathBuf,
        /// The paper's seed.
        #[arg(long)]
        seed: u64,
        /// Print the paper as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Parses `args` and runs the command, printing to stdout and stderr.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with exit 0, usage errors with exit 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = execute(cli.command, &mut out, &mut std::io::stderr());
    let _ = out.flush();
    outcome.into()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts")
}

/// Runs a parsed command against the given output streams.
pub fn execute(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    match command {
        Command::Serve {
            bind,
            storage,
            demo,
            sqlite_synchronous,
        } => serve(bind, &storage, demo, sqlite_synchronous.into(), err),
        Command::Organizer(OrganizerCommand::Add {
            username,
            password,
            storage,
        }) => runtime().block_on(commands::add_organizer(
            &storage.resolve().0,
            &username,
            password,
            out,
            err,
        )),
        Command::Bank(BankCommand::Check { file, json }) => commands::check(&file, json, out, err),
        Command::Bank(BankCommand::Import { file, storage }) => {
            runtime().block_on(commands::import(&file, &storage.resolve().0, out, err))
        }
        Command::Bank(BankCommand::Assemble {
            file,
            blueprint,
            seed,
            json,
        }) => commands::assemble(&file, &blueprint, seed, json, out, err),
        Command::Export {
            competition,
            by,
            format,
            output,
            storage,
        } => runtime().block_on(commands::export(
            competition,
            by.into(),
            format.into(),
            &output,
            &storage.resolve().0,
            out,
            err,
        )),
        Command::Rehearse(args) => rehearse(args, out, err),
        Command::Purge {
            rehearsal: _,
            json,
            storage,
        } => runtime().block_on(commands::purge_rehearsals(
            &storage.resolve().0,
            json,
            out,
            err,
        )),
    }
}

fn rehearse(args: RehearseArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let cleanup = args.cleanup;
    let request = crate::rehearse::Request {
        urls: args.urls,
        contestants: args.contestants,
        viewers: args.viewers,
        arrival_seconds: args.arrival_seconds,
        think_ms: args.think_ms,
        json: args.json,
        user: args.user,
        password: args.password,
    };
    match crate::rehearse::Plan::check(request, cleanup) {
        Ok(plan) => crate::rehearse::run(plan, cleanup, out, err),
        Err(problems) => {
            for problem in problems.lines() {
                let _ = writeln!(err, "✘ {problem}");
            }
            Exit::Invalid
        }
    }
}

fn serve(
    bind: Option<SocketAddr>,
    storage: &StorageArgs,
    demo: bool,
    sqlite_synchronous: SqliteSynchronous,
    err: &mut dyn Write,
) -> Exit {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let bind = match bind {
        Some(bind) => bind,
        None => match std::env::var("ECOQUIZ_BIND").ok().filter(|v| !v.is_empty()) {
            Some(text) => match text.parse() {
                Ok(bind) => bind,
                Err(_) => {
                    let _ = writeln!(
                        err,
                        "✘ ECOQUIZ_BIND 不是有效的地址:{text}(例如 0.0.0.0:8080)"
                    );
                    return Exit::Invalid;
                }
            },
            None => SocketAddr::from(([0, 0, 0, 0], 8080)),
        },
    };
    let (storage, data_dir) = storage.resolve();
    let settings = Settings {
        bind,
        storage,
        data_dir,
        jwt_secret: std::env::var("ECOQUIZ_JWT_SECRET")
            .ok()
            .filter(|s| !s.is_empty())
            .map(|s| Secret(s.into_bytes())),
        demo,
        store: StoreOptions {
            sqlite_synchronous,
            ..StoreOptions::default()
        },
    };
    tracing::info!(?settings, "starting");
    let result = runtime().block_on(async {
        let (state, startup) = crate::app::prepare(&settings, Clock::System).await.map_err(|e| e.to_string())?;
        if let Some(password) = &startup.initial_admin_password {
            println!(
                "首次启动:已创建组织者账号 admin,密码 {password}\n(密码已写入 {},只显示这一次;登录后台 /admin 后请妥善保管)",
                settings.data_dir.join("initial-admin-password").display()
            );
        }
        let listener = tokio::net::TcpListener::bind(settings.bind)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        println!("ecoquiz 已启动:http://{address}");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        crate::app::serve(state, listener, shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => Exit::Success,
        Err(message) => {
            let _ = writeln!(err, "✘ {message}");
            Exit::Unreadable
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
