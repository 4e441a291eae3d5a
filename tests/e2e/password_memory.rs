//! Password hashing holds its memory however many register at once (`passwords`, docs/
//! PERFORMANCE.md "Password hashing"): 200 registrations, 32 at a time, against the real
//! binary, whose resident memory is read from `/proc` after them. Each argon2id hash needs
//! 19 MiB; the hashing workers reuse theirs, where tokio's blocking threads left 800 MiB
//! behind after 300 registrations. The bound is generous (the workers' 2 × 19 MiB and the
//! server's own ~40 MiB fit in it four times): it catches memory that grows with the
//! registrations, not a few MiB of difference.

use futures_util::StreamExt;

use crate::durability::sigkill;
use crate::support::{BinaryClient, start_server, temp_dir};

const REGISTRATIONS: usize = 200;
const AT_ONCE: usize = 32;
const BOUND_MIB: u64 = 250;

/// The resident memory of process `pid`, in MiB.
fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc is readable");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS in /proc/PID/status");
    kib / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_registrations_at_once_leave_the_servers_memory_bounded() {
    let dir = temp_dir();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    let (mut server, address) = start_server(&["--data-dir", &data_dir], &data_dir);
    let client = BinaryClient::new(&address);
    let before = rss_mib(server.id());
    let tokens: Vec<String> = futures_util::stream::iter(0..REGISTRATIONS)
        .map(|n| {
            let client = &client;
            async move {
                client
                    .register(
                        &format!("登记{n}"),
                        &format!("136{n:08}"),
                        &format!("清水环保科技有限公司{:02}", n % 20),
                    )
                    .await
            }
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    assert_eq!(tokens.len(), REGISTRATIONS);
    assert!(tokens.iter().all(|token| !token.is_empty()));
    let after = rss_mib(server.id());
    sigkill(&mut server);
    assert!(
        after <= BOUND_MIB,
        "after {REGISTRATIONS} registrations the server holds {after} MiB (before: {before} MiB; \
         bound {BOUND_MIB} MiB)"
    );
}
