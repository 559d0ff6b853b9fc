"""Salama's whole proxy next to plain mitmdump, side by side in one run.

Prints one JSON object.  Both proxies run as real processes on loopback in
front of the same local site (bench/upstream_mix.py, its own process):

- Salama: `salama run --no-dashboard` on a fresh home whose blocklist index
  holds the default lists plus 1,000,000 synthetic domains, the bundled
  model and the SQLite journal: policy, lists, model, journal, all of it;
- mitmdump: no script, the same `stream_large_bodies` and
  `connection_strategy` as Salama sets, no per-flow output.

The load is a realistic mix (per 200 requests: 80 small pages, 60 30 KB
pages, 50 images, 8 pages of 2 MB, 2 downloads of 8 MB that must stream;
the text of every page differs from request to request)
fetched with http.client through the proxy, keep-alive, one connection per
client thread.  Phases:

- throughput: ABBA rounds at fixed concurrency; req/s and CPU-seconds per
  request of each proxy (utime+stime from /proc/<pid>/stat, all threads of
  the proxy process and of its descendants: Salama's scoring workers).  Targets: Salama/mitmdump req/s >= 0.85;
- latency: one client, 30 KB pages (new text every time), ABBA; target:
  Salama adds <= 5 ms median; then the same 30 KB page again and again
  (Salama's page cache answers), reported apart;
- responsiveness: small pages from one client, idle and while another client
  loads 2 MB pages in a loop; target: busy median <= 2x idle median;
- stream: one 8 MB download; time to first byte and the proxy's RSS growth;
- memory: N requests of the mix (default 20,000); RSS sampled every second,
  median of the last quarter within 10 % of the second quarter's;
- lab: 30 clients from 127.0.0.2-127.0.0.31 (each its own device) browsing
  the mix with 0-1 s think time for `--lab-seconds`; zero failures; p50/p99
  latency and the proxy's CPU share.

Machines here are noisy (+-30-40 % wall clock): compare the two columns of
one run, never runs with each other.  Never part of the test run.
Usage: python bench/bench_proxy.py [--quick] [--domains N] [--memory-requests N] [--lab-seconds S]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_blocklist import synthetic_domain  # noqa: E402  (bench/ is not a package)
from tests.salama_process import free_port, wait_for_port  # noqa: E402

TARGETS = {"throughput_ratio": 0.85, "added_median_ms_30k": 5.0, "busy_vs_idle_small": 2.0, "rss_growth": 0.10}
MIX = {"small": 80, "page30k": 60, "image": 50, "page2m": 8, "download": 2}
LAB_CLIENTS = 30
CLIENT_TIMEOUT_S = 15
TICK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- processes

def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (state, ppid, ...); None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def process_tree(pid: int) -> dict[int, list[str]]:
    """The process and its descendants (Salama's scoring workers are its
    children), each with its stat fields: found by parent id, as not every
    kernel has /proc/<pid>/task/<tid>/children."""
    stats = {int(name): _stat_fields(int(name)) for name in os.listdir("/proc") if name.isdigit()}
    tree = {pid: stats.get(pid)}
    parents = {pid}
    while parents:
        children = {child: fields for child, fields in stats.items() if fields and int(fields[1]) in parents}
        tree.update(children)
        parents = set(children)
    return {member: fields for member, fields in tree.items() if fields}


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of the process and of its descendants."""
    return sum(int(fields[11]) + int(fields[12]) for fields in process_tree(pid).values()) / TICK


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Proxy:
    """A running proxy process and how a client thread names the site through it."""

    name: str
    proc: subprocess.Popen
    port: int
    host_for: callable  # client number -> the Host the client asks for

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_upstream() -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "upstream_mix.py")], stdout=subprocess.PIPE, text=True)
    return proc, int(proc.stdout.readline())


def make_home(workdir: Path, domains: int) -> tuple[Path, dict]:
    """An initialised home whose index holds the default lists and `domains` synthetic ones."""
    from rules.blocklist_index import BlocklistIndex
    from rules.listformats import Entry
    from salama.home import Home

    home = Home.resolve(workdir / "home")
    subprocess.run([sys.executable, "-m", "salama", "init", "--home", str(home.root), "--admin-password", "bench-pass-1"],
                   check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    rng = random.Random(20240611)
    names: set[str] = set()
    while len(names) < domains:
        names.update(synthetic_domain(rng) for _ in range(domains - len(names)))
    index = BlocklistIndex.build([("bench", (Entry("domain", d, "sexual", False) for d in names))])
    index.save(home.index_path)
    return home.root, {"index_entries": len(index), "index_build_s": round(time.perf_counter() - started, 1)}


def start_salama(home: Path, upstream_port: int, clients: int) -> Proxy:
    port = free_port()
    hosts = [f"site{i}.test" for i in range(clients)]
    cmd = [sys.executable, "-m", "salama", "run", "--home", str(home), "--proxy-port", str(port), "--no-dashboard"]
    for h in hosts:
        cmd += ["--resolve", f"{h}=127.0.0.1:{upstream_port}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, proc)
    return Proxy("salama", proc, port, lambda i: hosts[i % clients])


def start_mitmdump(confdir: Path, upstream_port: int) -> Proxy:
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("mitmdump")), "--listen-host", "127.0.0.1", "-p", str(port),
           "--set", f"confdir={confdir}", "--set", "flow_detail=0", "--set", "connection_strategy=lazy",
           "--set", "stream_large_bodies=3072k"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, proc)
    return Proxy("mitmdump", proc, port, lambda i: f"127.0.0.1:{upstream_port}")


# ---------------------------------------------------------------- clients

class Client:
    """One browser-like client: a keep-alive connection to the proxy, absolute-form requests."""

    def __init__(self, proxy: Proxy, number: int, source: str | None = None):
        self.proxy, self.host, self.source = proxy, proxy.host_for(number), source
        self.conn: http.client.HTTPConnection | None = None

    def get(self, resource: str) -> tuple[str, float]:
        """("ok", "blocked" or "failed", seconds) for one request; a failure drops the connection."""
        started = time.perf_counter()
        try:
            if self.conn is None:
                src = (self.source, 0) if self.source else None
                self.conn = http.client.HTTPConnection("127.0.0.1", self.proxy.port, timeout=CLIENT_TIMEOUT_S, source_address=src)
            self.conn.request("GET", f"http://{self.host}/{resource}")
            response = self.conn.getresponse()
            while response.read(256 * 1024):
                pass
            outcome = "ok" if response.status == 200 else "failed"
            if response.status == 403 and response.getheader("x-salama") == "blocked":
                outcome = "blocked"  # the model judged this harmless text risky: a wrong answer, not a proxy failure
        except (OSError, http.client.HTTPException):
            self.close()
            outcome = "failed"
        return outcome, time.perf_counter() - started

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def mix_cycle(seed: int) -> list[str]:
    resources = [name for name, count in MIX.items() for _ in range(count)]
    random.Random(seed).shuffle(resources)
    return resources


@dataclass
class LoadResult:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: int = 0
    blocked: int = 0  # harmless bench pages the model blocked (counted apart, not in the latencies)
    wall_s: float = 0.0
    cpu_s: float = 0.0

    @property
    def requests(self) -> int:
        return sum(map(len, self.latencies.values()))

    def merge(self, other: "LoadResult") -> None:
        for kind, values in other.latencies.items():
            self.latencies.setdefault(kind, []).extend(values)
        self.failures += other.failures
        self.blocked += other.blocked
        self.wall_s += other.wall_s
        self.cpu_s += other.cpu_s


def run_load(proxy: Proxy, clients: int, *, seconds: float | None = None, requests: int | None = None,
             sources: list[str] | None = None, think_s: float = 0.0, resources: list[str] | None = None) -> LoadResult:
    """`clients` threads fetching the mix (or `resources`) until the time or request budget is spent."""
    result = LoadResult()
    lock = threading.Lock()
    budget = [requests if requests is not None else float("inf")]
    deadline = time.monotonic() + (seconds if seconds is not None else 3600)

    def take() -> bool:
        with lock:
            budget[0] -= 1
            return budget[0] >= 0 and time.monotonic() < deadline

    def worker(number: int) -> None:
        source = sources[number] if sources else None
        client = Client(proxy, number, source)
        cycle = resources or mix_cycle(number)
        rng = random.Random(number)
        i = number * 7
        while take():
            kind = cycle[i % len(cycle)]
            i += 1
            if kind == "download":  # on a connection of its own, as browsers do
                downloader = Client(proxy, number, source)
                outcome, spent = downloader.get(kind)
                downloader.close()
            else:
                outcome, spent = client.get(kind)
            with lock:
                if outcome == "ok":
                    result.latencies.setdefault(kind, []).append(spent)
                elif outcome == "blocked":
                    result.blocked += 1
                else:
                    result.failures += 1
            if think_s:
                time.sleep(rng.uniform(0, think_s))
        client.close()

    cpu0, wall0 = cpu_seconds(proxy.pid), time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall_s = time.perf_counter() - wall0
    result.cpu_s = cpu_seconds(proxy.pid) - cpu0
    return result


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def all_latencies(result: LoadResult) -> list[float]:
    return [v for values in result.latencies.values() for v in values]


# ---------------------------------------------------------------- phases

def abba(salama: Proxy, mitm: Proxy, rounds: int, run) -> dict[str, LoadResult]:
    """Run `run(proxy)` in ABBA order `rounds` times; results merged per proxy."""
    merged = {salama.name: LoadResult(), mitm.name: LoadResult()}
    for _ in range(rounds):
        for proxy in (salama, mitm, mitm, salama):
            merged[proxy.name].merge(run(proxy))
    return merged


def phase_throughput(salama: Proxy, mitm: Proxy, rounds: int, round_s: float, clients: int) -> dict:
    merged = abba(salama, mitm, rounds, lambda p: run_load(p, clients, seconds=round_s))
    out = {}
    for name, r in merged.items():
        out[name] = {"requests": r.requests, "failures": r.failures, "blocked": r.blocked, "req_per_s": round(r.requests / r.wall_s, 1),
                     "cpu_ms_per_request": round(1000 * r.cpu_s / max(r.requests, 1), 2)}
    s, m = out["salama"], out["mitmdump"]
    out["throughput_ratio"] = round(s["req_per_s"] / m["req_per_s"], 3)
    out["cpu_per_request_ratio"] = round(s["cpu_ms_per_request"] / m["cpu_ms_per_request"], 3)
    out["clients"], out["rounds"], out["round_s"] = clients, rounds, round_s
    return out


def phase_latency(salama: Proxy, mitm: Proxy, rounds: int, count: int, resource: str = "page30k") -> dict:
    merged = abba(salama, mitm, rounds, lambda p: run_load(p, 1, requests=count, resources=[resource]))
    medians = {name: statistics.median(all_latencies(r)) for name, r in merged.items()}
    return {"salama_median_ms": ms(medians["salama"]), "mitmdump_median_ms": ms(medians["mitmdump"]),
            "added_median_ms": ms(medians["salama"] - medians["mitmdump"]), "requests_each": 2 * rounds * count}


def busy_loader(proxy: Proxy, stop: threading.Event) -> threading.Thread:
    def loop() -> None:
        client = Client(proxy, 1)
        while not stop.is_set():
            client.get("page2m")
        client.close()

    thread = threading.Thread(target=loop)
    thread.start()
    return thread


def phase_responsiveness(proxy: Proxy, count: int) -> dict:
    idle = statistics.median(all_latencies(run_load(proxy, 1, requests=count, resources=["small"])))
    stop = threading.Event()
    loader = busy_loader(proxy, stop)
    time.sleep(1.0)  # let the big pages flow
    busy = statistics.median(all_latencies(run_load(proxy, 1, requests=count, resources=["small"])))
    stop.set()
    loader.join()
    return {"idle_median_ms": ms(idle), "busy_median_ms": ms(busy), "busy_vs_idle": round(busy / idle, 2)}


def phase_stream(proxy: Proxy) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=CLIENT_TIMEOUT_S)
    before = peak = rss_mb(proxy.pid)
    started = time.perf_counter()
    conn.request("GET", f"http://{proxy.host_for(0)}/download")
    response = conn.getresponse()
    first = response.read(64 * 1024)
    ttfb = time.perf_counter() - started
    received = len(first)
    while chunk := response.read(256 * 1024):
        received += len(chunk)
        peak = max(peak, rss_mb(proxy.pid))
    conn.close()
    return {"bytes": received, "first_bytes_ms": ms(ttfb), "total_s": round(time.perf_counter() - started, 2),
            "proxy_rss_growth_mb": round(peak - before, 1)}


def phase_memory(proxy: Proxy, requests: int, clients: int) -> dict:
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(1.0):
            samples.append(rss_mb(proxy.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    result = run_load(proxy, clients, requests=requests)
    stop.set()
    sampler.join()
    quarter = max(len(samples) // 4, 1)
    early = statistics.median(samples[quarter:2 * quarter] or samples)
    late = statistics.median(samples[-quarter:])
    return {"requests": result.requests, "failures": result.failures, "blocked": result.blocked, "seconds": round(result.wall_s, 1),
            "rss_second_quarter_mb": round(early, 1), "rss_last_quarter_mb": round(late, 1),
            "rss_max_mb": round(max(samples), 1), "rss_growth": round(late / early - 1, 3)}


def phase_lab(proxy: Proxy, seconds: float) -> dict:
    sources = [f"127.0.0.{n}" for n in range(2, 2 + LAB_CLIENTS)]
    result = run_load(proxy, LAB_CLIENTS, seconds=seconds, sources=sources, think_s=1.0)
    lat = all_latencies(result)
    per_kind = {k: {"p50_ms": ms(percentile(v, 0.5)), "p99_ms": ms(percentile(v, 0.99)), "n": len(v)}
                for k, v in sorted(result.latencies.items())}
    return {"clients": LAB_CLIENTS, "seconds": round(result.wall_s, 1), "requests": result.requests,
            "failures": result.failures, "blocked": result.blocked, "req_per_s": round(result.requests / result.wall_s, 1),
            "p50_ms": ms(percentile(lat, 0.5)), "p99_ms": ms(percentile(lat, 0.99)),
            "proxy_cpu_share": round(result.cpu_s / result.wall_s, 2), "by_resource": per_kind}


def verdicts(result: dict) -> dict:
    measured = {
        "throughput_ratio": result["throughput"]["throughput_ratio"],
        "added_median_ms_30k": result["latency_30k"]["added_median_ms"],
        "busy_vs_idle_small": result["responsiveness"]["salama"]["busy_vs_idle"],
        "rss_growth": result["memory"]["rss_growth"],
    }
    out = {k: {"target": TARGETS[k], "measured": v, "met": v >= TARGETS[k] if k == "throughput_ratio" else v <= TARGETS[k]}
           for k, v in measured.items()}
    out["lab_zero_failures"] = {"target": 0, "measured": result["lab"]["failures"], "met": result["lab"]["failures"] == 0}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short phases, to check the bench itself")
    parser.add_argument("--domains", type=int, default=1_000_000)
    parser.add_argument("--memory-requests", type=int, default=20_000)
    parser.add_argument("--lab-seconds", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=4, help="client threads in the throughput phase")
    args = parser.parse_args()
    rounds, round_s, lat_n, resp_n = (1, 4.0, 40, 40) if args.quick else (2, 12.0, 100, 150)
    if args.quick:
        args.memory_requests, args.lab_seconds = min(args.memory_requests, 2000), min(args.lab_seconds, 15.0)
    upstream, upstream_port = start_upstream()
    proxies: list[Proxy] = []
    with tempfile.TemporaryDirectory(prefix="salama-bench-proxy-") as tmp:
        try:
            home, setup = make_home(Path(tmp), args.domains)
            salama = start_salama(home, upstream_port, max(args.clients, LAB_CLIENTS))
            proxies.append(salama)
            mitm = start_mitmdump(Path(tmp) / "mitm-conf", upstream_port)
            proxies.append(mitm)
            run_load(salama, 2, requests=200)  # warm both: model loaded, pages mapped, caches filled
            run_load(mitm, 2, requests=200)
            result = {"setup": setup, "mix_per_200": MIX, "cpus": os.cpu_count()}
            progress("throughput")
            result["throughput"] = phase_throughput(salama, mitm, rounds, round_s, args.clients)
            progress("latency_30k")
            result["latency_30k"] = phase_latency(salama, mitm, rounds, lat_n)
            progress("latency_30k_same_page")  # Salama's page cache at work: reported apart, never in the targets
            result["latency_30k_same_page"] = phase_latency(salama, mitm, 1, lat_n, "same30k")
            progress("responsiveness")
            result["responsiveness"] = {p.name: phase_responsiveness(p, resp_n) for p in (salama, mitm)}
            progress("stream_8mb")
            result["stream_8mb"] = {p.name: phase_stream(p) for p in (salama, mitm)}
            progress("memory")
            result["memory"] = phase_memory(salama, args.memory_requests, args.clients)
            progress("lab")
            result["lab"] = phase_lab(salama, args.lab_seconds)
            result["targets"] = verdicts(result)
        finally:
            for proxy in proxies:
                proxy.stop()
            upstream.kill()
            upstream.wait()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
