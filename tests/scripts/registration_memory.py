#!/usr/bin/env python3
"""Registrations all at once against the real binary, and the server's resident memory.

    python3 tests/scripts/registration_memory.py target/release/ecoquiz 2000 128

Starts `BINARY serve --demo` on a fresh folder, sends N `POST /api/auth/register` from a pool of
AT_ONCE threads, samples the server's VmRSS every 50 ms, and prints the registrations per second,
how many were told to queue (503 `queued`, not retried here), the reply times (p99, max) and the
RSS idle, at the peak, 1 s after and 13 s after (docs/PERFORMANCE.md, "Password
hashing"). Standard library only.
"""
import concurrent.futures
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(n):
    """A unified social credit code with a valid check character (GB 32100-2015)."""
    prefix = "913101" + "".join(ALPHABET[(n * 7 + k * 13) % 31] for k in range(11))
    total = sum(ALPHABET.index(c) * w for c, w in zip(prefix, WEIGHTS))
    check = 31 - total % 31
    return prefix + ALPHABET[0 if check == 31 else check]


def start_server(binary):
    """`BINARY serve --demo` on a fresh folder and a free port: (the process, "host:port")."""
    folder = tempfile.mkdtemp()
    server = subprocess.Popen(
        [binary, "serve", "--bind", "127.0.0.1:0", "--demo", "--data-dir", folder],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = None
    for line in server.stdout:
        if "http://" in line:
            address = line.split("http://")[1].split()[0].rstrip("/")
            break
    # Keep reading its output so it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    return server, address


def main():
    binary, count, at_once = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    server, address = start_server(binary)
    address = "http://" + address

    def rss_mib():
        with open(f"/proc/{server.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
        return 0.0

    peak = [0.0]
    sampling = [True]

    def sample():
        while sampling[0]:
            peak[0] = max(peak[0], rss_mib())
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    time.sleep(0.5)
    idle = rss_mib()

    def register(n):
        body = json.dumps({
            "name": f"测试{n}", "phone": f"139{n:08d}", "password": "环保知识竞赛2026",
            "company_name": f"环保公司{n % 50}", "credit_code": credit_code(n % 50),
            "subdistrict": "城关街道"}).encode()
        request = urllib.request.Request(address + "/api/auth/register", data=body,
                                         headers={"content-type": "application/json"})
        sent = time.time()
        try:
            status = urllib.request.urlopen(request, timeout=120).status
        except urllib.error.HTTPError as e:
            status = e.code
        return status, time.time() - sent

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(at_once) as pool:
        replies = list(pool.map(register, range(count)))
    statuses = [status for status, _ in replies]
    durations = sorted(took for _, took in replies)
    elapsed = time.time() - started
    time.sleep(1)
    after = rss_mib()
    time.sleep(12)
    later = rss_mib()
    sampling[0] = False
    failed = sorted({s for s in statuses if s not in (201, 503)})
    p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))]
    print(f"{count} registrations, {at_once} at once: {statuses.count(201)} created, "
          f"{statuses.count(503)} told to queue (503), other statuses {failed}, in {elapsed:.1f} s "
          f"({statuses.count(201) / elapsed:.0f} created/s); a reply took p99 {p99:.2f} s, max "
          f"{durations[-1]:.2f} s; server RSS idle {idle:.1f}, peak {peak[0]:.1f}, 1 s after "
          f"{after:.1f}, 13 s after {later:.1f} MiB")
    server.terminate()
    server.wait()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
