#!/usr/bin/env python3
"""The docs/PERFORMANCE.md table of `ecoquiz rehearse`: fresh servers, one rehearsal each.

    python3 tests/scripts/rehearse_table.py target/release/ecoquiz OUT.jsonl \
        [--database-url postgres://postgres@127.0.0.1:5432] [--sizes 1000,5000,10000] \
        [--arrival-seconds 30] [--think-ms 1500]

For every configuration — SQLite with one server process; PostgreSQL with one and with two
processes (two `--url`s) when `--database-url` is given — and every N: starts the servers on a
fresh data folder or a fresh database, runs `BINARY rehearse` with N contestants and N/2 board
viewers, samples each server's VmRSS every 200 ms (peak, and 10 s after the rehearsal), and
appends one JSON line (the rehearsal's report, the configuration and the memory) to OUT.jsonl.
Open files are raised to 20,000 for every process. Standard library only.
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time


def more_open_files():
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))


def start_server(binary, storage, folder, log):
    """`BINARY serve --demo` with `storage` flags on a free port: (process, url, admin password)."""
    server = subprocess.Popen(
        [binary, "serve", "--bind", "127.0.0.1:0", "--demo"] + storage,
        stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=more_open_files,
        env=dict({k: v for k, v in os.environ.items() if not k.startswith("ECOQUIZ_")},
                 ECOQUIZ_DATA_DIR=folder))
    password, url = None, None
    for line in server.stdout:
        if "密码 " in line and "admin" in line:
            password = line.split("密码 ")[1].split()[0]
        if "http://" in line:
            url = "http://" + line.split("http://")[1].split()[0].rstrip("/")
            break
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    return server, url, password


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def run(binary, backend, processes, n, args, database_url):
    folder = tempfile.mkdtemp()
    log = open(os.path.join(folder, "server.log"), "w")
    if backend == "sqlite":
        storage = ["--data-dir", folder]
    else:
        name = f"rehearse_{processes}_{n}_{int(time.time())}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        storage = ["--database-url", f"{database_url}/{name}"]
    servers = []
    first, url, password = start_server(binary, storage, folder, log)
    servers.append((first, url))
    for _ in range(processes - 1):
        other, other_url, _ = start_server(binary, storage, folder, log)
        servers.append((other, other_url))
    if password is None:
        with open(os.path.join(folder, "initial-admin-password")) as f:
            password = f.read().strip()
    peaks = [0.0] * len(servers)
    sampling = [True]

    def sample():
        while sampling[0]:
            for i, (server, _) in enumerate(servers):
                peaks[i] = max(peaks[i], rss_mib(server.pid))
            time.sleep(0.2)

    threading.Thread(target=sample, daemon=True).start()
    idle = [rss_mib(s.pid) for s, _ in servers]
    command = [binary, "rehearse", "--contestants", str(n), "--viewers", str(n // 2),
               "--arrival-seconds", str(args["arrival"]), "--think-ms", str(args["think"]), "--json"]
    for _, u in servers:
        command += ["--url", u]
    env = dict(os.environ, ECOQUIZ_REHEARSE_USER="admin", ECOQUIZ_REHEARSE_PASSWORD=password)
    began = time.time()
    done = subprocess.run(command, capture_output=True, text=True, env=env, preexec_fn=more_open_files)
    took = time.time() - began
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
    time.sleep(10)
    after = [rss_mib(s.pid) for s, _ in servers]
    sampling[0] = False
    for server, _ in servers:
        server.terminate()
        server.wait()
    report = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {"error": done.stderr}
    return {
        "backend": backend, "processes": processes, "contestants": n, "viewers": n // 2,
        "arrival_seconds": args["arrival"], "think_ms": args["think"], "exit": done.returncode,
        "wall_seconds": round(took, 1), "rss_idle_mib": idle, "rss_peak_mib": peaks,
        "rss_10s_after_mib": after, "report": report,
    }


def main():
    binary, out = sys.argv[1], sys.argv[2]
    options = dict(zip(sys.argv[3::2], sys.argv[4::2]))
    database_url = options.get("--database-url")
    sizes = [int(s) for s in options.get("--sizes", "1000,5000,10000").split(",")]
    args = {"arrival": int(options.get("--arrival-seconds", 30)),
            "think": int(options.get("--think-ms", 1500))}
    configurations = [("sqlite", 1)]
    if database_url:
        configurations += [("postgres", 1), ("postgres", 2)]
    with open(out, "a") as results:
        for backend, processes in configurations:
            for n in sizes:
                row = run(binary, backend, processes, n, args, database_url)
                results.write(json.dumps(row, ensure_ascii=False) + "\n")
                results.flush()
                actions = row["report"].get("actions", {})
                summary = {k: (v.get("ok"), (v.get("latency") or {}).get("p99_ms"))
                           for k, v in actions.items()}
                print(backend, processes, n, row["exit"], row["rss_peak_mib"], summary, flush=True)


if __name__ == "__main__":
    main()
