//! The rehearsal's HTTP and websocket client of one ecoquiz server: every call the
//! contestants, the viewers and the organizer make, each failure reduced to a kind that the
//! report counts (`503 queued`, `409 phone_taken`, `timeout`, `connect`, …).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::store::companies::Company;
use crate::store::rehearsals::RehearsalCounts;

/// No request is waited on longer: the server promises an answer within 30 s (a proxy in
/// front would cut it there).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a call failed.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with an error: its status and the error's `code`.
    Refused {
        status: StatusCode,
        code: String,
        message: String,
        /// `Retry-After` of a queued registration, in seconds.
        retry_after: Option<u64>,
    },
    Timeout,
    /// The connection could not be made or broke.
    Connection(String),
    /// An answer that is not what ecoquiz sends.
    Unexpected(String),
}

impl Failure {
    /// The kind the report counts.
    pub fn kind(&self) -> String {
        match self {
            Failure::Refused { status, code, .. } => format!("{} {code}", status.as_u16()),
            Failure::Timeout => "timeout".to_owned(),
            Failure::Connection(_) => "connect".to_owned(),
            Failure::Unexpected(_) => "unexpected".to_owned(),
        }
    }

    pub fn is_code(&self, wanted: &str) -> bool {
        matches!(self, Failure::Refused { code, .. } if code == wanted)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Refused {
                status, message, ..
            } => write!(f, "{} {message}", status.as_u16()),
            Failure::Timeout => write!(f, "{} 秒内没有应答", REQUEST_TIMEOUT.as_secs()),
            Failure::Connection(e) => write!(f, "连接失败:{e}"),
            Failure::Unexpected(e) => write!(f, "应答不是 ecoquiz 的格式:{e}"),
        }
    }
}

fn from_reqwest(error: reqwest::Error) -> Failure {
    if error.is_timeout() {
        Failure::Timeout
    } else if error.is_decode() {
        Failure::Unexpected(error.to_string())
    } else {
        // The cause chain says what happened (refused, reset, too many open files).
        let mut text = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            text = format!("{text}: {cause}");
            source = cause.source();
        }
        Failure::Connection(text)
    }
}

/// One server of the deployment.
#[derive(Clone, Debug)]
pub struct Server {
    pub base: String,
    http: reqwest::Client,
}

/// A contestant's paper, as far as the rehearsal needs it.
#[derive(Debug, Deserialize)]
pub struct Paper {
    pub attempt_id: i64,
    pub questions: Vec<PaperQuestion>,
}

#[derive(Debug, Deserialize)]
pub struct PaperQuestion {
    pub no: i64,
    pub kind: String,
    pub options: Vec<PaperOption>,
}

#[derive(Debug, Deserialize)]
pub struct PaperOption {
    pub key: String,
}

/// A websocket to a board.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Server {
    /// `base` is `http://host:port` without a trailing slash.
    pub fn new(base: String) -> Server {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client without TLS builds");
        Server { base, http }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Value, Failure> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(from_reqwest)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = response.bytes().await.map_err(from_reqwest)?;
        if status == StatusCode::NO_CONTENT {
            return Ok(Value::Null);
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
            Failure::Unexpected(format!(
                "{path} 应答 {} 但不是 JSON:{}",
                status.as_u16(),
                String::from_utf8_lossy(&bytes[..bytes.len().min(120)])
            ))
        })?;
        if status.is_success() {
            return Ok(value);
        }
        let error = &value["error"];
        Err(Failure::Refused {
            status,
            code: error["code"].as_str().unwrap_or("unknown").to_owned(),
            message: error["message"]
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned),
            retry_after,
        })
    }

    /// `/healthz` answers as ecoquiz does and the contestants' list is a JSON array.
    pub async fn probe(&self) -> Result<(), Failure> {
        let health = match self.call(Method::GET, "/healthz", None, None).await {
            Ok(health) => health,
            Err(Failure::Refused { status, .. }) if status != StatusCode::SERVICE_UNAVAILABLE => {
                return Err(Failure::Unexpected(format!(
                    "/healthz 应答 {}",
                    status.as_u16()
                )));
            }
            Err(e) => return Err(e),
        };
        if health.get("status").and_then(Value::as_str).is_none() {
            return Err(Failure::Unexpected(format!("/healthz 应答 {health}")));
        }
        let list = self
            .call(Method::GET, "/api/competitions", None, None)
            .await?;
        if !list.is_array() {
            return Err(Failure::Unexpected("/api/competitions 不是列表".to_owned()));
        }
        Ok(())
    }

    pub async fn organizer_login(&self, username: &str, password: &str) -> Result<String, Failure> {
        let body = json!({ "username": username, "password": password });
        let answer = self
            .call(Method::POST, "/api/admin/login", None, Some(body))
            .await?;
        token_of(&answer)
    }

    pub async fn prepare_rehearsal(
        &self,
        token: &str,
        minutes: i64,
    ) -> Result<PreparedRehearsalReply, Failure> {
        let answer = self
            .call(
                Method::POST,
                "/api/admin/rehearsals",
                Some(token),
                Some(json!({ "minutes": minutes })),
            )
            .await?;
        serde_json::from_value(answer).map_err(|e| Failure::Unexpected(e.to_string()))
    }

    pub async fn purge_rehearsals(&self, token: &str) -> Result<RehearsalCounts, Failure> {
        let answer = self
            .call(Method::DELETE, "/api/admin/rehearsals", Some(token), None)
            .await?;
        serde_json::from_value(answer).map_err(|e| Failure::Unexpected(e.to_string()))
    }

    pub async fn register(&self, form: Value) -> Result<String, Failure> {
        let answer = self
            .call(Method::POST, "/api/auth/register", None, Some(form))
            .await?;
        token_of(&answer)
    }

    pub async fn start(&self, token: &str, competition_id: i64) -> Result<Paper, Failure> {
        let answer = self
            .call(
                Method::POST,
                &format!("/api/competitions/{competition_id}/attempts"),
                Some(token),
                None,
            )
            .await?;
        serde_json::from_value(answer).map_err(|e| Failure::Unexpected(e.to_string()))
    }

    pub async fn answer(
        &self,
        token: &str,
        attempt_id: i64,
        no: i64,
        choice: &[String],
    ) -> Result<(), Failure> {
        self.call(
            Method::PUT,
            &format!("/api/attempts/{attempt_id}/answers/{no}"),
            Some(token),
            Some(json!({ "choice": choice })),
        )
        .await
        .map(|_| ())
    }

    pub async fn submit(&self, token: &str, attempt_id: i64) -> Result<(), Failure> {
        self.call(
            Method::POST,
            &format!("/api/attempts/{attempt_id}/submit"),
            Some(token),
            None,
        )
        .await
        .map(|_| ())
    }

    /// The largest resident memory the server publishes on `/metrics` (Prometheus text:
    /// `process_resident_memory_bytes`), when it does.
    pub async fn resident_memory(&self) -> Option<u64> {
        let response = self
            .http
            .get(format!("{}/metrics", self.base))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        let text = response.text().await.ok()?;
        text.lines()
            .find_map(|line| line.strip_prefix("process_resident_memory_bytes "))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .map(|bytes| bytes as u64)
    }

    /// A board viewer's websocket, with small buffers (thousands run on one machine).
    pub async fn watch_board(&self, competition_id: i64) -> Result<Socket, Failure> {
        let url = format!(
            "{}/ws/competitions/{competition_id}/leaderboard",
            self.base.replacen("http://", "ws://", 1)
        );
        let config = WebSocketConfig::default()
            .read_buffer_size(8 * 1024)
            .write_buffer_size(0);
        let connecting =
            tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true);
        match tokio::time::timeout(REQUEST_TIMEOUT, connecting).await {
            Err(_) => Err(Failure::Timeout),
            Ok(Err(e)) => Err(Failure::Connection(e.to_string())),
            Ok(Ok((socket, _))) => Ok(socket),
        }
    }
}

fn token_of(answer: &Value) -> Result<String, Failure> {
    answer["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Failure::Unexpected(format!("没有 token:{answer}")))
}

/// `POST /api/admin/rehearsals`' reply, read back.
#[derive(Debug, Deserialize)]
pub struct PreparedRehearsalReply {
    pub competition: PreparedCompetition,
    pub companies: Vec<Company>,
}

#[derive(Debug, Deserialize)]
pub struct PreparedCompetition {
    pub id: i64,
    pub question_count: u64,
}
