# ruff: noqa: S101, S108, S603 - a benchmark script: asserts, /tmp paths and subprocesses by design
"""``make bench`` (part): what the comment box costs a publisher's page, beside Isso.

The same article page (served by the browser tests' publisher server, no CSP)
embeds either our box (``widget.js``, the 20 newest of the bench seed's
200-comment article, served by gunicorn as ``make bench`` serves it) or Isso
0.14's embed (``embed.min.js``, the same 200 comments seeded through Isso's own
API by ../shared/bench/isso/seed.py). Chromium, driven by Playwright, loads the
page with the network throttled through the DevTools protocol to Chrome
DevTools' "Slow 4G" preset ("Fast 3G" in older versions): 562.5 ms latency,
1.44 Mbit/s down, 675 kbit/s up. No CPU throttling unless ``--cpu-slowdown N``
asks for it. The viewport is Lighthouse's mobile one, 412 x 823.

Per case, medians of ``--runs`` runs, cold cache (a fresh browser context) and
warm (the same context visiting again):

- script → first comment: from the box's script arriving (the resource timing
  ``responseEnd`` of widget.js or embed.min.js; both are async, so they run
  then) to the first frame in which a comment is rendered with a size and
  visible (ours inside the shadow root, Isso's ``.isso-comment``);
- page → first comment: the same moment from navigation start;
- requests and bytes the box adds: every request leaving for another origin
  than the page's and not answered from the cache, with its transfer size
  (headers included), from the DevTools protocol's Network events;
- long tasks (≥ 50 ms) on the main thread from the script's arrival until 1.5 s
  after the first comment, count and total (the page has no script of its own;
  its first layout, before the script arrives, is not counted);
- cumulative layout shift (``layout-shift`` entries without recent input);
  the page has no server-rendered fragment.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import ARTICLE_200, ISSO, RESULTS, free_port, get, gunicorn, say, seed  # noqa: E402
from tests.conftest import chromium_path  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS, Publisher, start_publisher  # noqa: E402

ISSO_VENV = Path(os.environ.get("ISSO_VENV", "/tmp/isso-venv"))  # setup.sh's default
ISSO_THREAD = "/bench/article-1"  # seed.py's default thread

# Chrome DevTools' "Slow 4G" (front_end/core/sdk/NetworkManager.ts): 1.6 Mbit/s
# down and 750 kbit/s up at 90%, 150 ms RTT times 3.75; throughputs in bytes/s.
SLOW_4G = {
    "offline": False,
    "latency": 150 * 3.75,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
VIEWPORT = {"width": 412, "height": 823}
SETTLE_MS = 1500  # watched after the first comment, for late tasks and shifts

# The publisher's article: the browser tests' page shape, with a plain stylesheet
# (theirs is hostile on purpose and would hide Isso's light-DOM form).
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A publisher's article</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ font-family: Georgia, serif; margin: 1rem; color: #111 }}</style>
</head><body><main><h1>A publisher's article</h1>
<p>Words of the article, then the comments.</p>
{embed}
</main></body></html>"""

# Injected before any script of the page: records what the page itself would see.
PROBE = """(() => {
  const box = (window.__box = { tasks: [], cls: 0, first: 0 });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) box.tasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) box.cls += e.value;
  }).observe({ type: "layout-shift", buffered: true });
  const comment = () =>
    document.querySelector(".comments-widget")?.shadowRoot?.querySelector("li .text") ||
    document.querySelector("#isso-root .isso-comment .isso-text");
  const shown = (node) => {
    const r = node?.getBoundingClientRect();
    return r && r.width > 0 && r.height > 0 && node.textContent.trim() &&
      node.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  };
  const look = () =>
    shown(comment()) ? (box.first = performance.now()) : requestAnimationFrame(look);
  requestAnimationFrame(look);
})();"""

# Read through the DevTools protocol, not Playwright's evaluate: Playwright
# injects its own script into the page (20 ms and more), a long task of its own.
READ = """JSON.stringify({ ...window.__box, script: performance.getEntriesByType("resource")
  .find((e) => e.name.includes(%s))?.responseEnd })"""


@dataclass
class Box:
    """One embed to measure: its snippet and the script whose arrival starts the clock."""

    name: str
    embed: str
    script: str


@dataclass
class Visit:
    script_to_first: float
    page_to_first: float
    requests: int
    kilobytes: float
    long_tasks: int
    long_ms: float
    cls: float
    sent: list[str]  # what went over the network: method, path, bytes

    def __str__(self) -> str:
        return (
            f"{self.script_to_first:.0f} ms, {self.requests} req, {self.kilobytes:.1f} KB, "
            f"{self.long_tasks} long ({self.long_ms:.0f} ms), CLS {self.cls:.3f}"
        )


@dataclass
class Requests:
    """Network events of one visit: requests to other origins than the page's."""

    page_origin: str
    sent: dict[str, str] = field(default_factory=dict)
    cached: set[str] = field(default_factory=set)
    bytes: dict[str, float] = field(default_factory=dict)

    def listen(self, cdp: Any) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict) -> None:
        url = event["request"]["url"]
        if not url.startswith((self.page_origin, "data:")):
            path = url.split("/", 3)[-1].split("?")[0]
            self.sent[event["requestId"]] = f"{event['request']['method']} /{path}"

    def _received(self, event: dict) -> None:
        if event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"):
            self.cached.add(event["requestId"])

    def _finished(self, event: dict) -> None:
        self.bytes[event["requestId"]] = event["encodedDataLength"]

    def network(self) -> list[str]:
        return [rid for rid in self.sent if rid not in self.cached]

    def clear(self) -> None:
        self.sent.clear()
        self.cached.clear()
        self.bytes.clear()


def visit(page: Any, cdp: Any, url: str, box: Box, requests: Requests) -> Visit:
    requests.clear()
    page.goto(url, wait_until="load")
    deadline = time.monotonic() + 60
    while not (seen := read(cdp, box))["first"]:
        if time.monotonic() > deadline:
            raise SystemExit(f"{box.name}: no comment shown in 60 s; page errors: {page.errors}")
        page.wait_for_timeout(100)
    page.wait_for_timeout(SETTLE_MS)
    seen = read(cdp, box)
    assert seen["script"] is not None, f"{box.script} not in the resource timing entries"
    network = requests.network()
    # Only tasks running once the script is here: the page's own first layout is not the box's.
    tasks = [duration for start, duration in seen["tasks"] if start + duration > seen["script"]]
    return Visit(
        script_to_first=seen["first"] - seen["script"],
        page_to_first=seen["first"],
        requests=len(network),
        kilobytes=sum(requests.bytes.get(rid, 0) for rid in network) / 1000,
        long_tasks=len(tasks),
        long_ms=sum(tasks),
        cls=seen["cls"],
        sent=[f"{requests.sent[rid]} {requests.bytes.get(rid, 0):,.0f} B" for rid in network],
    )


def read(cdp: Any, box: Box) -> dict:
    expression = READ % json.dumps(box.script)
    answer = cdp.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
    return json.loads(answer["result"]["value"])


def measure(
    browser: Any, url: str, box: Box, page_origin: str, cpu_slowdown: float = 1
) -> tuple[Visit, Visit]:
    """A cold visit in a fresh context, then a warm one in the same context."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.errors = []
        page.on("console", lambda note: note.type == "error" and page.errors.append(note.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.add_init_script(PROBE)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        if cpu_slowdown > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
        requests = Requests(page_origin)
        requests.listen(cdp)
        return visit(page, cdp, url, box, requests), visit(page, cdp, url, box, requests)
    finally:
        context.close()


# --- the two services -----------------------------------------------------------


@contextlib.contextmanager
def ours(work: Path, page_origin: str) -> Iterator[Box]:
    database_url = f"sqlite:///{work}/bench.db"
    say("ours: seeding the bench database (bench/run.py's seed)")
    seed(database_url)
    env = {
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_SECRET_KEY": "bench-secret-key-of-32-characters-or-more",
        "COMMENTS_ALLOWED_ORIGINS": page_origin,
    }
    with gunicorn("wsgi:app", env, work / "service.log", "/healthz") as base:
        script = "/static/js/widget.js"
        embed = f'<script src="{base}{script}" data-article-id="{ARTICLE_200}" async></script>'
        yield Box("ours", embed, script)


@contextlib.contextmanager
def isso(work: Path, page_origin: str) -> Iterator[Box]:
    """Isso 0.14 as ../shared/bench/isso runs it (gunicorn -w 4 --preload), on a free
    port, allowing the publisher's origin, seeded with the same 200 comments."""
    subprocess.run([str(ISSO / "setup.sh")], check=True, timeout=600, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = (ISSO / "isso.cfg").read_text()
    settings = re.sub(
        r"^host =\n(?:[ \t]+\S+\n)+", f"host =\n    {page_origin}\n", settings, flags=re.M
    )
    settings = re.sub(r"^public-endpoint = .*$", f"public-endpoint = {base}", settings, flags=re.M)
    (work / "isso.cfg").write_text(settings)
    env = {
        **os.environ,
        "ISSO_SETTINGS": str(work / "isso.cfg"),
        "ISSO_DBPATH": str(work / "isso.db"),
        "ISSO_GUARD": "true",
        "ISSO_ADMIN_PASSWORD": "bench-admin",
    }
    command = [str(ISSO_VENV / "bin" / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "4"]
    command += ["--preload", "--worker-tmp-dir", "/dev/shm", "isso.run"]
    with (work / "isso.log").open("ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not _answers(base + "/info"):
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"Isso did not start; see {work / 'isso.log'}")
            time.sleep(0.2)
        say("Isso: seeding 200 comments through its own API (seed.py, guard on)")
        subprocess.run(
            [sys.executable, str(ISSO / "seed.py"), "200", "--base", base, "--origin", page_origin],
            check=True,
            timeout=600,
            capture_output=True,
        )
        embed = (
            f'<script data-isso="{base}/" src="{base}/js/embed.min.js" async></script>\n'
            f'<section id="isso-thread" data-isso-id="{ISSO_THREAD}"></section>'
        )
        yield Box("Isso 0.14", embed, "/js/embed.min.js")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _answers(url: str) -> bool:
    with contextlib.suppress(OSError):
        return get(url)[0] == 200
    return False


# --- the table ------------------------------------------------------------------


def machine() -> str:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        model = found[1] if found else model
    return f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}"


def row(name: str, cache: str, visits: list[Visit]) -> str:
    def median(attribute: str) -> float:
        return statistics.median(getattr(v, attribute) for v in visits)

    tasks = ", ".join(f"{v.long_tasks} ({v.long_ms:.0f} ms)" for v in visits)
    cells = (
        name,
        cache,
        f"{median('script_to_first'):,.0f} ms",
        f"{median('page_to_first'):,.0f} ms",
        f"{median('requests'):g}",
        f"{median('kilobytes'):,.1f} KB",
        f"{median('long_tasks'):g} ({median('long_ms'):.0f} ms)",
        tasks,
        f"{median('cls'):.3f}",
    )
    return "| " + " | ".join(cells) + " |"


def table(
    results: Results,
    when: datetime,
    load: tuple,
    version: str,
    args: argparse.Namespace,
) -> str:
    cpu = (
        f"CPU slowed {args.cpu_slowdown:g} times" if args.cpu_slowdown > 1 else "no CPU throttling"
    )
    after = os.getloadavg()
    lines = [
        f"## The box's cost to the page, {when:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}; load average before {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}, "
        f"after {after[0]:.2f}, {after[1]:.2f}, {after[2]:.2f}. Chromium {version}, headless.",
        "Network: Chrome DevTools' Slow 4G (562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up) "
        f"through the DevTools protocol; {cpu}; viewport 412 x 823. "
        f"Medians of {args.runs} run(s); cold = a fresh context, warm = the same context "
        "visiting again.",
        "",
        "| box | cache | script → first comment | page → first comment | requests | transferred "
        "| long tasks ≥ 50 ms (total) | long tasks per run | CLS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, (cold, warm) in results.items():
        lines += [row(name, "cold", cold), row(name, "warm", warm)]
    lines += [
        "",
        "Targets: no long task; CLS < 0.1 (the page has no server-rendered fragment).",
        "",
        "Requests of the last run (method, path, bytes transferred with headers):",
        "",
    ]
    for name, (cold, warm) in results.items():
        lines.append(f"- {name}, cold: " + "; ".join(cold[-1].sent))
        lines.append(f"- {name}, warm: " + ("; ".join(warm[-1].sent) or "none"))
    return "\n".join(lines) + "\n"


Results = dict[str, tuple[list[Visit], list[Visit]]]


def run_all(
    args: argparse.Namespace, executable: str, work: Path, publisher: Publisher
) -> tuple[Results, str]:
    """Start both services, then visit each box's page, cold and warm, ``args.runs`` times."""
    from playwright.sync_api import sync_playwright

    results: Results = {}
    with contextlib.ExitStack() as stack:
        boxes = [stack.enter_context(ours(work, publisher.origin))]
        if not args.no_isso and (ISSO / "setup.sh").exists():
            boxes.append(stack.enter_context(isso(work, publisher.origin)))
        urls = {box.name: publisher.add(PAGE.format(embed=box.embed), "") for box in boxes}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            for box in boxes:  # a first visit each, not counted: every server warmed up
                measure(browser, urls[box.name], box, publisher.origin, args.cpu_slowdown)
            for run in range(args.runs):
                for box in boxes:  # alternate, so a burst of other work hits both
                    cold, warm = measure(
                        browser, urls[box.name], box, publisher.origin, args.cpu_slowdown
                    )
                    results.setdefault(box.name, ([], []))
                    results[box.name][0].append(cold)
                    results[box.name][1].append(warm)
                    say(f"run {run + 1}, {box.name}: cold {cold}; warm {warm}")
            version = browser.version
            browser.close()
    return results, version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="runs per box and cache (1: a smoke test)"
    )
    parser.add_argument("--no-isso", action="store_true", help="skip Isso")
    parser.add_argument(
        "--cpu-slowdown", type=float, default=1, help="DevTools CPU throttling rate (1: none)"
    )
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        sys.exit("Chromium is missing: apt-get install chromium")
    load = os.getloadavg()
    when = datetime.now(UTC)
    publisher = start_publisher()
    try:
        with tempfile.TemporaryDirectory(prefix="comments-box-cost-") as tmp:
            results, version = run_all(args, executable, Path(tmp), publisher)
    finally:
        publisher.server.shutdown()
        publisher.server.server_close()
    report = table(results, when, load, version, args)
    print()
    print(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"box-cost-{when:%Y%m%d-%H%M%S}.md"
    out.write_text(report)
    say(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
