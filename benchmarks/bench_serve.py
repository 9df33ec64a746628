"""A bounded load test of `medunion serve` on 127.0.0.1, beside baselines measured in the same run.

Starts the real command (`python -m medunion serve`) on a free port in a subprocess, twice: once
recording every decision in a fresh SQLite store (the default), once with `--no-record`. Against
each it sends `--requests` decide requests of zhenghe-referral (generated cases, the same for
every run) at `--concurrency` at once with httpx, and the same number of `GET /health` (the cost of
HTTP alone). Baseline: the same cases through `governance.decide.decide` in this process, with the
explanation JSON, one at a time. Reports p50 and p99 latency, requests/s and errors (which must be
0), and the ratios. The store is checked with `records.verify` afterwards.

    .venv/bin/python benchmarks/bench_serve.py --requests 5000 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
RULESET = "zhenghe-referral"
ON = "2017-09-01"


def cases(count: int, seed: int = 14) -> list[dict[str, Any]]:
    """Generated referral cases, the same on every run (all valid: the load test counts errors)."""
    pick = random.Random(seed)
    return [{
        "referral_direction": pick.choice(["upward", "downward", "none"]),
        "within_primary_scope": pick.random() < 0.5,
        "severity": pick.choice(["ordinary", "acute", "dangerous", "difficult", "severe"]),
        "within_association": pick.random() < 0.7,
        "eligible_cost": round(pick.uniform(0, 50_000), 2),
    } for _ in range(count)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Run:
    name: str
    latencies: list[float]  # seconds, one per request
    seconds: float
    errors: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def line(self, baseline: Run | None = None) -> str:
        text = (f"  {self.name:<38} p50 {self.quantile(0.5) * 1000:7.2f} ms   p99 {self.quantile(0.99) * 1000:7.2f} ms"
                f"   {self.rate:8,.0f} req/s   errors {self.errors}")
        if baseline is not None:
            text += f"   ({baseline.rate / self.rate:5.1f}x the baseline's time per request)"
        return text


class Server:
    """`python -m medunion serve` on a free port of 127.0.0.1, stopped when the block ends."""

    def __init__(self, extra: list[str]) -> None:
        self.port = free_port()
        self.command = [sys.executable, "-m", "medunion", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                        "--rules", str(RULES), *extra]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        # the log goes to a file, never to a pipe nobody reads (a full pipe would stall the server)
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=self.log, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the server stopped: {self.log.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer /health within 60 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


async def load(url: str, bodies: list[dict[str, Any] | None], concurrency: int, name: str) -> Run:
    """Send every request (a body: POST decide; None: GET /health) with `concurrency` in flight."""
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while True:
            try:
                body = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            start = time.perf_counter()
            try:
                if body is None:
                    response = await client.get("/health")
                else:
                    response = await client.post(f"/rulesets/{RULESET}/decide", json=body)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    return Run(name, latencies, seconds, errors)


def in_process(inputs: list[dict[str, Any]]) -> Run:
    """The baseline: the same decisions with their explanation JSON, in this process, one at a time."""
    import datetime as dt

    from governance.decide import decide
    from governance.load import ruleset_in_force, ruleset_versions

    day = dt.date.fromisoformat(ON)
    ruleset = ruleset_in_force(ruleset_versions(RULESET, RULES), day)
    latencies = []
    start = time.perf_counter()
    for case in inputs:
        began = time.perf_counter()
        decide(ruleset, case, day).explanation  # noqa: B018  (the JSON the API sends is made here too)
        latencies.append(time.perf_counter() - began)
    return Run("decide() in process (baseline)", latencies, time.perf_counter() - start, 0)


def merged(runs: list[Run]) -> Run:
    return Run(runs[0].name, [x for run in runs for x in run.latencies], sum(run.seconds for run in runs),
               sum(run.errors for run in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="requests of each kind")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds the requests are split into")
    args = parser.parse_args()
    inputs = cases(args.requests)
    bodies: list[dict[str, Any] | None] = [{"on": ON, "inputs": case} for case in inputs]
    print(f"{RULESET}, {args.requests:,} requests of each kind at {args.concurrency} concurrent, in "
          f"{args.rounds} interleaved rounds; one uvicorn process per server, the client in this process; "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f} at the start")
    in_process(inputs[:200])  # compile the plan, warm the caches
    runs: dict[str, list[Run]] = {"baseline": [], "health": [], "unrecorded": [], "recorded": []}
    with tempfile.TemporaryDirectory(prefix="medunion-bench-") as folder:
        db = f"sqlite:///{Path(folder) / 'records.sqlite'}"
        with Server(["--db", db]) as recording, Server(["--no-record"]) as plain:
            for server in (recording, plain):
                asyncio.run(load(server.url, bodies[:200], args.concurrency, "warm-up"))
            size = -(-args.requests // args.rounds)
            for start in range(0, args.requests, size):
                part = slice(start, start + size)
                runs["baseline"].append(in_process(inputs[part]))
                runs["health"].append(asyncio.run(load(plain.url, [None] * len(inputs[part]), args.concurrency,
                                                       "GET /health")))
                runs["unrecorded"].append(asyncio.run(load(plain.url, bodies[part], args.concurrency,
                                                           "POST decide, --no-record")))
                runs["recorded"].append(asyncio.run(load(recording.url, bodies[part], args.concurrency,
                                                         "POST decide, recorded (default)")))
        from records import RecordStore, verify

        store = RecordStore(db, create=False)
        try:
            count = sum(1 for _ in store.iterate())
            problems = verify(store)
        finally:
            store.close()
    baseline, health, unrecorded, recorded = (merged(runs[k]) for k in ("baseline", "health", "unrecorded",
                                                                          "recorded"))
    print(baseline.line())
    print(health.line(baseline))
    print(unrecorded.line(baseline))
    print(recorded.line(baseline))
    print(f"  /health answers {health.rate / unrecorded.rate:.1f}x as many requests/s as decide (--no-record); "
          f"recording costs {unrecorded.rate / recorded.rate:.2f}x; record store: {count:,} records "
          f"(200 of them the warm-up), chain whole: {not problems}; load average {os.getloadavg()[0]:.1f} at the end")
    errors = health.errors + recorded.errors + unrecorded.errors
    print(f"errors: {errors}")
    if errors or problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
