#!/usr/bin/env python3
"""The 9:00 storm: contestants already in the exam autosave while a crowd registers at once.

    python3 tests/scripts/storm.py target/release/ecoquiz [IN_EXAM] [REGISTRATIONS] [AT_ONCE]

Starts `BINARY serve --demo` on a fresh folder; IN_EXAM contestants (default 100) register and
start the demo competition's paper one by one (not measured). Then each of them autosaves an
answer every 0.4–0.6 s (one keep-alive connection each) for 8 s alone ("quiet"), and for as
long as REGISTRATIONS registrations (default 2000, AT_ONCE = 200 at a time) take ("storm"),
and again 5 s alone after ("after"). Prints the autosave latency (p50, p99, max) and count in
each phase, and how the registrations went (created, told to queue with 503). Standard
library only; the client shares the machine with the server, so compare runs of one machine.
"""
import concurrent.futures
import http.client
import json
import random
import sys
import threading
import time

from registration_memory import credit_code, start_server


def main():
    binary = sys.argv[1]
    in_exam = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    registrations = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    at_once = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    server, address = start_server(binary)
    host, port = address.split(":")

    def call(method, path, body=None, token=None, connection=None):
        own = connection is None
        connection = connection or http.client.HTTPConnection(host, int(port), timeout=60)
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        data = response.read()
        if own:
            connection.close()
        return response.status, (json.loads(data) if data else None)

    def register(n):
        return call("POST", "/api/auth/register", {
            "name": f"考生{n}", "phone": f"137{n:08d}", "password": "环保知识竞赛2026",
            "company_name": f"环保公司{n % 50}", "credit_code": credit_code(n % 50),
            "subdistrict": "城关街道"})

    _, competitions = call("GET", "/api/competitions")
    competition = competitions["items"][0]["id"] if isinstance(competitions, dict) else competitions[0]["id"]
    contestants = []
    for n in range(in_exam):
        _, reply = register(n)
        token = reply["token"]
        status, paper = call("POST", f"/api/competitions/{competition}/attempts", {}, token)
        assert status in (200, 201), (status, paper)
        contestants.append((token, paper["attempt_id"], paper["questions"]))

    phase = ["quiet"]
    latencies = {"quiet": [], "storm": [], "after": []}
    failures = {"quiet": 0, "storm": 0, "after": 0}
    running = [True]

    def autosave(token, attempt, questions):
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        while running[0]:
            question = random.choice(questions)
            key = question["options"][random.randrange(len(question["options"]))]["key"]
            now = phase[0]
            sent = time.time()
            try:
                status, _ = call("PUT", f"/api/attempts/{attempt}/answers/{question['no']}",
                                 {"choice": [key]}, token, connection)
            except (OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection(host, int(port), timeout=60)
                status = 0
            took = time.time() - sent
            if status == 204:
                latencies[now].append(took)
            else:
                failures[now] += 1
            time.sleep(random.uniform(0.4, 0.6))

    savers = [threading.Thread(target=autosave, args=c, daemon=True) for c in contestants]
    for saver in savers:
        saver.start()
    time.sleep(8)
    phase[0] = "storm"
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(at_once) as pool:
        statuses = [s for s, _ in pool.map(lambda n: register(in_exam + n), range(registrations))]
    storm_seconds = time.time() - started
    phase[0] = "after"
    time.sleep(5)
    running[0] = False
    for saver in savers:
        saver.join()

    def summary(name):
        values = sorted(latencies[name])
        if not values:
            return f"{name}: no autosave"
        pick = lambda q: values[min(len(values) - 1, int(len(values) * q))] * 1000
        return (f"{name}: {len(values)} autosaves, p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, "
                f"max {values[-1] * 1000:.1f} ms, {failures[name]} failed")

    print(f"{in_exam} contestants autosaving (each every 0.4–0.6 s); "
          f"{registrations} registrations, {at_once} at once, took {storm_seconds:.1f} s: "
          f"{statuses.count(201)} created, {statuses.count(503)} told to queue (503), "
          f"other {sorted({s for s in statuses if s not in (201, 503)})}")
    for name in ("quiet", "storm", "after"):
        print(summary(name))
    server.terminate()
    server.wait()


if __name__ == "__main__":
    main()
