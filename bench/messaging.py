"""Messaging benchmark: the app's Socket.IO messaging against a bare python-socketio relay.

For each async mode (threading, gevent, eventlet), the same client load runs
against two servers, each in its own process and on the same web server:

* **bare**: ``bench/_relay.py``, which forwards ``send_message`` to both
  people's rooms and acknowledges, and nothing else;
* **app**: ``python -m conference.serve``, with login over the form,
  permission checks on every message, the message committed to the database
  before it is acknowledged and emitted, and the unread count sent along.

The load is ``--pairs`` pairs of people (100 pairs, 200 connected sockets by
default), each person writing to their partner in their own conversation,
from asyncio python-socketio clients in ``--client-procs`` worker processes
(``bench/_load.py``). Per server it measures:

1. **peak**: every person sends the next message as soon as the previous one
   is acknowledged, for ``--seconds``; messages delivered to the partner per
   second is the peak throughput;
2. **at half the app's peak**: the same offered rate for both systems (half
   of the app's peak in this mode), for ``--seconds``; p50/p99 of the
   delivery latency (send time in the body to the partner's receive time),
   plus what was lost or duplicated (both must be 0).

``--ramp`` adds paced runs at 25 %..125 % of the app's peak. ``--profile``
samples the app server with py-spy during its peak phase and prints where the
time goes. The server's and the clients' CPU use is printed with every run,
to show which side was saturated (the machine may have few cores).

The last line reads, for the mode with the highest app peak::

    messaging throughput ratio app/bare: R (app X msg/s, bare Y msg/s, app p99 Z ms)

Usage::

    .venv/bin/python bench/messaging.py [--pairs 100] [--seconds 10] [--modes threading,gevent]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/conference_bench \\
        .venv/bin/python bench/messaging.py

Without ``DATABASE_URL`` the app uses a fresh SQLite file in a temporary
folder; a PostgreSQL database named in ``DATABASE_URL`` is created if missing
and its bench event reused. psycopg 3 does not support eventlet, so eventlet
runs on SQLite only. With ``--redis`` (or ``REDIS_URL`` set) both servers use
Redis as their Socket.IO message queue, as several workers would. Accounts
are hashed with argon2's CHEAPEST profile (``PASSWORD_HASH_PROFILE`` of the
server and of the seeding) so that hundreds of log-ins take seconds; rate
limits are off in the benchmark's server.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script from any folder, with or without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_babel import force_locale
from flask_migrate import upgrade

from bench._load import Seat, WorkerSpec, worker_main
from bench.common import ensure_database
from conference import create_app
from conference.config import normalize_database_url
from conference.demo import ensure_bench_event
from conference.extensions import db
from conference.models import Conversation, ConversationMember, Registration, User
from conference.services import accounts

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PASSWORD = "bench password 1"
HASH_PROFILE = "CHEAPEST"
MODES = ("threading", "gevent", "eventlet")
HALF = 0.5
#: A short paced phase before measuring: first queries, caches, connection pools.
WARMUP_SECONDS = 2
WARMUP_RATE = 50
RAMP = (0.25, 0.5, 0.75, 1.0, 1.25)


# --- data ------------------------------------------------------------------------


def seed(url: str, instance: Path, pairs: int) -> list[Seat]:
    """The bench event with ``2 * pairs`` participants, one conversation per pair.

    People come from ``conference.demo.ensure_bench_event`` (bulk inserts);
    their password is set to ``PASSWORD`` hashed with the CHEAPEST profile.
    Conversations are inserted in bulk for the pairs that do not have one.
    """
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "PASSWORD_HASH_PROFILE": HASH_PROFILE,
            "REDIS_URL": None,
        }
    )
    people = 2 * pairs
    with app.app_context(), force_locale("en"):
        upgrade()
        event, _added = ensure_bench_event(f"messaging-{people}", people)
        user_ids = db.session.scalars(
            sa.select(Registration.user_id)
            .where(Registration.event_id == event.id)
            .order_by(Registration.user_id)
        ).all()
        db.session.execute(
            sa.update(User)
            .where(User.id.in_(user_ids))
            .values(password_hash=accounts.hash_password(PASSWORD))
        )
        emails = dict(
            db.session.execute(sa.select(User.id, User.email).where(User.id.in_(user_ids))).all()
        )
        existing = {
            (low, high): conv_id
            for conv_id, low, high in db.session.execute(
                sa.select(
                    Conversation.id, Conversation.user_low_id, Conversation.user_high_id
                ).where(Conversation.user_low_id.in_(user_ids))
            ).all()
        }
        couples = [(user_ids[i], user_ids[i + 1]) for i in range(0, people, 2)]
        missing = [c for c in couples if c not in existing]
        if missing:
            table = Conversation.__table__
            rows = db.session.execute(
                sa.insert(table).returning(table.c.id, table.c.user_low_id, table.c.user_high_id),
                [{"user_low_id": a, "user_high_id": b, "event_id": event.id} for a, b in missing],
            ).all()
            for conv_id, low, high in rows:
                existing[(low, high)] = conv_id
            db.session.execute(
                sa.insert(ConversationMember.__table__),
                [
                    {"conversation_id": existing[(a, b)], "user_id": who}
                    for a, b in missing
                    for who in (a, b)
                ],
            )
        db.session.commit()
        db.engine.dispose()
    seats = []
    for a, b in couples:
        conv_id = existing[(a, b)]
        seats.append(Seat(a, b, conv_id, emails[a]))
        seats.append(Seat(b, a, conv_id, emails[b]))
    return seats


# --- servers ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A server process on a free port, its output in a log file."""

    def __init__(self, system: str, mode: str, settings: Settings):
        self.system = system
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = settings.workdir / f"{system}-{mode}.log"
        env = {**os.environ, "SOCKETIO_ASYNC_MODE": mode, "PYTHONUNBUFFERED": "1"}
        env.pop("REDIS_URL", None)
        if system == "app":
            env.update(
                DATABASE_URL=settings.database_url,
                INSTANCE_PATH=str(settings.workdir / "instance"),
                SECRET_KEY="messaging-bench",
                PASSWORD_HASH_PROFILE=HASH_PROFILE,
                RATELIMIT_ENABLED="0",
            )
            if settings.redis_url:
                env["REDIS_URL"] = settings.redis_url
            command = [sys.executable, "-m", "conference.serve", "--port", str(self.port)]
        else:
            command = [sys.executable, str(BENCH_DIR / "_relay.py"), "--port", str(self.port)]
            command += ["--mode", mode]
            if settings.redis_url:
                command += ["--redis", settings.redis_url, "--channel", f"bench-{uuid.uuid4()}"]
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise

    def _wait_until_listening(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.system} server exited; see {self.log_path}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.system} server did not listen in {timeout} s")

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- clients ---------------------------------------------------------------------


class Clients:
    """Worker processes holding the simulated people, driven in lock step."""

    def __init__(self, url: str, seats: list[Seat], password: str | None, procs: int):
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        pair_count = len(seats) // 2
        for n in range(procs):
            share = seats[2 * (pair_count * n // procs) : 2 * (pair_count * (n + 1) // procs)]
            ours, theirs = context.Pipe()
            process = context.Process(
                target=worker_main, args=(theirs, WorkerSpec(url, share, password)), daemon=True
            )
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    def ask(self, command: tuple) -> list[dict]:
        """Send ``command`` to every worker at once, then wait for all the answers."""
        for pipe in self.pipes:
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]

    def close(self) -> None:
        try:
            self.ask(("close",))
        finally:
            for process in self.processes:
                process.join(10)
                if process.is_alive():
                    process.kill()


# --- measuring -------------------------------------------------------------------


@dataclass
class Run:
    """One phase against one server, summed over the client workers."""

    seconds: float
    sent: int = 0
    acked: int = 0
    delivered: int = 0
    delivered_in_window: int = 0
    duplicates: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @classmethod
    def of(cls, seconds: float, answers: list[dict], server_cpu: float) -> Run:
        run = cls(seconds, server_cpu=server_cpu)
        for answer in answers:
            for name in ("sent", "acked", "delivered", "delivered_in_window", "duplicates"):
                setattr(run, name, getattr(run, name) + answer[name])
            run.latencies_ms.extend(answer["latencies_ms"])
            run.errors.update(answer["errors"])
            run.client_cpu += answer["cpu_seconds"]
        return run

    @property
    def throughput(self) -> float:
        return self.delivered_in_window / self.seconds

    @property
    def lost(self) -> int:
        return self.acked - self.delivered

    def percentile(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    def cpu(self) -> str:
        """CPU use during the phase's window: server process, all client workers."""
        return f"{self.server_cpu / self.seconds:>4.0%} {self.client_cpu / self.seconds:>4.0%}"

    def problems(self) -> str:
        issues = [f"{k} x{v}" for k, v in sorted(self.errors.items())]
        if self.lost:
            issues.append(f"lost {self.lost}")
        if self.duplicates:
            issues.append(f"duplicated {self.duplicates}")
        return ", ".join(issues) or "none"


@dataclass
class Settings:
    database_url: str
    backend: str
    workdir: Path
    seats: list[Seat]
    seconds: float
    client_procs: int
    redis_url: str | None
    ramp: bool
    profile: bool


@dataclass
class Result:
    mode: str
    peak: dict[str, Run] = field(default_factory=dict)
    half: dict[str, Run] = field(default_factory=dict)
    ramp: list[tuple[float, Run]] = field(default_factory=list)
    profile: str = ""


def measure(server: Server, clients: Clients, phase: str, seconds: float, rate=None) -> Run:
    """Run one phase on every client worker; the server's CPU time is read when the
    phase's window closes (not after the wait for the last deliveries)."""
    before = server.cpu()
    at_close: list[float] = []
    reader = threading.Timer(seconds, lambda: at_close.append(server.cpu()))
    reader.start()
    if rate is None:
        answers = clients.ask(("closed", phase, seconds))
    else:
        share = rate / len(clients.pipes)
        answers = clients.ask(("paced", phase, seconds, share))
    reader.join()
    return Run.of(seconds, answers, at_close[0] - before)


def run_system(system: str, mode: str, settings: Settings, result: Result) -> None:
    server = Server(system, mode, settings)
    clients = None
    try:
        password = PASSWORD if system == "app" else None
        clients = Clients(server.url, settings.seats, password, settings.client_procs)
        answers = clients.ask(("connect",))
        connected = sum(a["connected"] for a in answers)
        failures = Counter()
        for answer in answers:
            failures.update(answer["failures"])
        if connected != len(settings.seats):
            raise RuntimeError(
                f"{system}/{mode}: {connected} of {len(settings.seats)} connected: {dict(failures)}"
                f" (server log: {server.log_path})"
            )
        took = max(a["seconds"] for a in answers)
        refusals = Counter()
        for answer in answers:
            refusals.update(answer["refusals"])
        retried = f", after {refusals.total()} refusals {dict(refusals)}" if refusals else ""
        print(f"  {system}: {connected} people connected in {took:.1f} s{retried}", flush=True)
        measure(server, clients, "warmup", WARMUP_SECONDS, rate=WARMUP_RATE)
        profiler = None
        if settings.profile and system == "app":
            profiler = start_profiler(server, settings, mode)
        result.peak[system] = measure(server, clients, "peak", settings.seconds)
        if profiler is not None:
            result.profile = finish_profiler(profiler, settings.seconds)
        rate = HALF * result.peak["app"].throughput
        result.half[system] = measure(server, clients, "half", settings.seconds, rate=rate)
        if settings.ramp and system == "app":
            for share in RAMP:
                run = measure(
                    server, clients, f"ramp{share}", settings.seconds, rate=share * 2 * rate
                )
                result.ramp.append((share * 2 * rate, run))
    finally:
        if clients is not None:
            clients.close()
        server.stop()


# --- profiling -------------------------------------------------------------------


#: py-spy samples per second; every thread is read at each sample, and threading mode
#: has a thread per socket, so a higher rate falls behind.
PROFILE_RATE = 100


def start_profiler(server: Server, settings: Settings, mode: str) -> tuple[subprocess.Popen, Path]:
    """py-spy sampling the app server for the coming phase, without pausing it."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = settings.workdir / f"app-{mode}.collapsed"
    options = f"--rate {PROFILE_RATE} --format raw --nonblocking --duration {int(settings.seconds)}"
    command = [py_spy, "record", "--pid", str(server.process.pid), "--output", str(out)]
    process = subprocess.Popen(
        [*command, *options.split()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, out


def finish_profiler(profiler: tuple[subprocess.Popen, Path], seconds: float) -> str:
    """Where the app server's time went: share of samples by area, and the hottest frames."""
    process, out = profiler
    try:
        process.wait(4 * seconds + 30)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)  # py-spy writes what it has on Ctrl-C
        process.wait(30)
    if not out.exists():
        return "  (py-spy wrote no profile; it needs ptrace rights)"
    by_area: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _sep, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        by_area[area_of(frames)] += n
        for frame in set(frames):
            if "conference/" in frame:
                inclusive[frame] += n
    if not total:
        return "  (no samples)"
    lines = ["  app server CPU samples by area (innermost frame that is not the stdlib):"]
    lines += [f"    {share / total:>5.1%}  {area}" for area, share in by_area.most_common(12)]
    lines.append("  app functions, inclusive share of samples:")
    lines += [f"    {n / total:>5.1%}  {frame}" for frame, n in inclusive.most_common(15)]
    lines.append(f"  (collapsed stacks: {out})")
    return "\n".join(lines)


AREAS = (
    ("conference/", "conference (app code)"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("psycopg", "psycopg"),
    ("flask_socketio/", "Flask-SocketIO"),
    ("socketio/", "python-socketio"),
    ("engineio/", "python-engineio"),
    ("simple_websocket/", "simple-websocket"),
    ("wsproto/", "wsproto"),
    ("werkzeug/", "Werkzeug"),
    ("flask_login/", "Flask-Login"),
    ("flask_babel/", "Flask-Babel"),
    ("babel/", "Babel"),
    ("flask/", "Flask"),
    ("jinja2/", "Jinja"),
    ("pydantic", "pydantic"),
    ("redis/", "redis"),
    ("gevent/", "gevent"),
    ("eventlet/", "eventlet"),
    ("itsdangerous/", "itsdangerous"),
)


def area_of(frames: list[str]) -> str:
    """The library whose code a sample was in: the innermost frame outside the stdlib."""
    for frame in reversed(frames):
        for needle, name in AREAS:
            if needle in frame:
                return name
    inner = frames[-1]
    if "sqlite3" in inner:
        return "sqlite3"
    return "stdlib: " + inner.split(" (", 1)[-1].split(":", 1)[0].rsplit("/", 1)[-1]


# --- report ----------------------------------------------------------------------


def print_mode(result: Result) -> None:
    rate = HALF * result.peak["app"].throughput
    print(
        f"{'system':<6} {'peak msg/s':>10} {'p50':>6} {'p99':>7} {'cpu s/c':>9}   "
        f"{'@':>1}{rate:>6.0f}/s {'p50 ms':>7} {'p99 ms':>7} {'cpu s/c':>9}  problems"
    )
    for system in ("bare", "app"):
        peak, half = result.peak[system], result.half[system]
        print(
            f"{system:<6} {peak.throughput:>10.0f} {peak.percentile(50):>6.0f} "
            f"{peak.percentile(99):>7.0f} {peak.cpu():>9}   {half.throughput:>8.0f} "
            f"{half.percentile(50):>7.1f} {half.percentile(99):>7.1f} {half.cpu():>9}  "
            f"{merge_problems(peak, half)}"
        )
    print(f"ratio app/bare ({result.mode}): {ratio(result):.2f}")
    if result.ramp:
        print("app ramp:  offered/s  delivered/s  p50 ms  p99 ms   cpu s/c  problems")
        for offered, run in result.ramp:
            print(
                f"          {offered:>9.0f} {run.throughput:>12.0f} {run.percentile(50):>7.1f}"
                f" {run.percentile(99):>7.1f} {run.cpu():>9}  {run.problems()}"
            )
    if result.profile:
        print(result.profile)


def merge_problems(peak: Run, half: Run) -> str:
    """Errors, losses and duplicates of both phases, or "none"."""
    found = [(name, run.problems()) for name, run in (("peak", peak), ("half", half))]
    return "; ".join(f"{name}: {text}" for name, text in found if text != "none") or "none"


def ratio(result: Result) -> float:
    return result.peak["app"].throughput / result.peak["bare"].throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--modes", default="threading,gevent,eventlet")
    parser.add_argument("--client-procs", type=int, default=1)
    parser.add_argument("--redis", action="store_true", help="use REDIS_URL or 127.0.0.1:6379")
    parser.add_argument("--ramp", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-messaging-"))
    database_url = normalize_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'messaging.db'}"
    )
    ensure_database(database_url)
    backend = sa.make_url(database_url).get_backend_name()
    redis_url = os.environ.get("REDIS_URL") or ("redis://127.0.0.1:6379/0" if args.redis else None)
    started = time.perf_counter()
    seats = seed(database_url, workdir / "instance", args.pairs)
    settings = Settings(
        database_url=database_url,
        backend=backend,
        workdir=workdir,
        seats=seats,
        seconds=args.seconds,
        client_procs=args.client_procs,
        redis_url=redis_url,
        ramp=args.ramp,
        profile=args.profile,
    )
    print(
        f"{backend}: {len(seats)} people in {args.pairs} conversations"
        f" (seeded in {time.perf_counter() - started:.1f} s); clients in"
        f" {args.client_procs} process(es) on {os.cpu_count()} CPUs;"
        f" message queue: {'Redis' if redis_url else 'none (one server process)'};"
        f" {args.seconds:.0f} s per phase; work files in {workdir}"
    )
    print("cpu s/c: CPU use of the server process / of all client processes over the phase")
    results: list[Result] = []
    for mode in args.modes.split(","):
        if mode not in MODES:
            parser.error(f"unknown async mode {mode!r}")
        if mode == "eventlet" and backend == "postgresql":
            print("\n== eventlet: skipped, psycopg 3 does not support eventlet (SQLite only)")
            continue
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"\n== async mode {mode} (machine load average before: {load})", flush=True)
        result = Result(mode)
        try:
            run_system("app", mode, settings, result)
            run_system("bare", mode, settings, result)
        except RuntimeError as exc:
            print(f"  {mode} failed: {exc}")
            continue
        print_mode(result)
        results.append(result)
    if not results:
        sys.exit("no async mode could be measured")
    best = max(results, key=lambda r: r.peak["app"].throughput)
    app_peak, bare_peak = best.peak["app"].throughput, best.peak["bare"].throughput
    print(f"\nbest mode: {best.mode} (highest app peak, {backend})")
    print(
        f"messaging throughput ratio app/bare: {ratio(best):.2f} (app {app_peak:.0f} msg/s,"
        f" bare {bare_peak:.0f} msg/s, app p99 {best.half['app'].percentile(99):.0f} ms)"
    )


if __name__ == "__main__":
    main()
