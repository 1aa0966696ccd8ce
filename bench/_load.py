"""The client side of the messaging benchmark: simulated people in worker processes.

Each worker process runs one asyncio loop with a python-socketio
``AsyncClient`` per person (WebSocket transport, one aiohttp session with its
own cookie jar each). The orchestrator (``bench/messaging.py``) drives the
workers through a pipe, one command at a time:

``("connect",)``
    log every person in through ``/login`` (form with its CSRF token) when the
    server is the app, then open the sockets; the bare relay gets the person's
    and the partner's ids in the connection's ``auth`` data instead.
``("closed", phase, seconds)``
    saturation: every person sends its next message as soon as the previous
    one is acknowledged (one message in flight per person).
``("paced", phase, seconds, rate)``
    a fixed offered rate (messages per second for this worker), spread over
    the people in turn, without waiting for acknowledgements.
``("close",)``
    disconnect and exit.

Every message body carries the phase and its send time (``time.monotonic``,
the same clock in every process of the machine); the partner's client turns
that into the delivery latency. Replies are plain dicts of counts, latency
lists and the worker's CPU seconds.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import aiohttp
import socketio

#: First word of every benchmark message body.
MARK = "bench"
#: Pads bodies to a typical chat line (about 90 characters).
FILLER = "see you at the coffee break after the keynote, booth 14 by the stairs"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LOGIN_CONCURRENCY = 16
#: Tries to open one socket before giving up (with a doubling pause in between).
CONNECT_ATTEMPTS = 5


@dataclass(frozen=True)
class Seat:
    """One simulated person: who they are, whom they write to, in which conversation."""

    user_id: int
    partner_id: int
    conversation_id: int
    email: str


@dataclass
class WorkerSpec:
    url: str
    seats: list[Seat]
    #: The people's password when the server is the app; None for the bare relay.
    password: str | None


@dataclass
class Phase:
    """What one worker saw during one phase."""

    name: str
    started: float
    ends: float
    sent: int = 0
    acked: int = 0
    delivered: int = 0
    delivered_in_window: int = 0
    duplicates: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    #: This process's CPU seconds from the start of the window to its close.
    cpu_in_window: float = 0.0

    def result(self) -> dict:
        return {
            "sent": self.sent,
            "acked": self.acked,
            "delivered": self.delivered,
            "delivered_in_window": self.delivered_in_window,
            "duplicates": self.duplicates,
            "latencies_ms": self.latencies_ms,
            "errors": dict(self.errors),
            "cpu_seconds": self.cpu_in_window,
        }


class Person:
    def __init__(self, seat: Seat, spec: WorkerSpec, worker: Worker):
        self.seat = seat
        self.spec = spec
        self.worker = worker
        self.http: aiohttp.ClientSession | None = None
        self.sio: socketio.AsyncClient | None = None
        self.seen: set[str] = set()

    async def login(self) -> None:
        """Log in through the form, as a browser would: GET for the CSRF token, then POST."""
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with self.http.get(f"{self.spec.url}/login") as page:
            html = await page.text()
        found = CSRF_INPUT.search(html)
        form = {"email": self.seat.email, "password": self.spec.password}
        if found:
            form["csrf_token"] = found.group(1)
        async with self.http.post(
            f"{self.spec.url}/login", data=form, allow_redirects=False
        ) as answer:
            if answer.status != 302:
                raise RuntimeError(f"login of {self.seat.email} answered {answer.status}")

    async def connect(self, refusals: Counter) -> None:
        """Log in (app) and open the socket; a refused connection is retried after a pause,
        as the browser's Socket.IO client does. Each refusal is counted in ``refusals``."""
        if self.spec.password is not None:
            await self.login()
        else:
            self.http = aiohttp.ClientSession()
        auth = None
        if self.spec.password is None:
            auth = {"user": self.seat.user_id, "partner": self.seat.partner_id}
        for attempt in range(CONNECT_ATTEMPTS):
            self.sio = socketio.AsyncClient(reconnection=False, http_session=self.http)
            self.sio.on("message", self.on_message)
            try:
                await self.sio.connect(
                    self.spec.url,
                    transports=["websocket"],
                    headers={"Origin": self.spec.url},
                    auth=auth,
                    wait_timeout=30,
                )
            except socketio.exceptions.ConnectionError as exc:
                if attempt == CONNECT_ATTEMPTS - 1:
                    raise
                refusals[str(exc)[:120]] += 1
                await asyncio.sleep(0.5 * 2**attempt)
            else:
                return

    def message(self, phase: Phase) -> dict:
        body = f"{MARK} {phase.name} {time.monotonic():.6f} {FILLER}"
        return {
            "conversation_id": self.seat.conversation_id,
            "client_id": str(uuid.uuid4()),
            "body": body,
        }

    async def on_message(self, payload: dict) -> None:
        now = time.monotonic()
        if payload.get("sender_id") == self.seat.user_id:
            return
        words = str(payload.get("body", "")).split(" ", 3)
        phase = self.worker.phase
        if len(words) < 3 or words[0] != MARK or phase is None or words[1] != phase.name:
            return
        client_id = payload.get("client_id", "")
        if client_id in self.seen:
            phase.duplicates += 1
            return
        self.seen.add(client_id)
        phase.delivered += 1
        if now <= phase.ends:
            phase.delivered_in_window += 1
        phase.latencies_ms.append((now - float(words[2])) * 1000)

    def record_ack(self, phase: Phase, ack) -> None:
        if isinstance(ack, dict) and ack.get("ok"):
            phase.acked += 1
        else:
            code = ack.get("error", "?") if isinstance(ack, dict) else repr(ack)[:40]
            phase.errors[f"ack:{code}"] += 1

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()
        if self.http is not None:
            await self.http.close()


class Worker:
    def __init__(self, spec: WorkerSpec):
        self.people = [Person(seat, spec, self) for seat in spec.seats]
        self.phase: Phase | None = None

    async def connect(self) -> dict:
        started = time.monotonic()
        gate = asyncio.Semaphore(LOGIN_CONCURRENCY)
        failures: Counter = Counter()
        refusals: Counter = Counter()

        async def one(person: Person) -> None:
            async with gate:
                try:
                    await person.connect(refusals)
                except Exception as exc:  # reported to the orchestrator, which stops
                    failures[f"{type(exc).__name__}: {exc}"[:160]] += 1

        await asyncio.gather(*(one(p) for p in self.people))
        return {
            "connected": sum(1 for p in self.people if p.sio and p.sio.connected),
            "failures": dict(failures),
            "refusals": dict(refusals),
            "seconds": time.monotonic() - started,
        }

    def begin(self, name: str, seconds: float) -> Phase:
        """Start a phase; its CPU use is read when its window closes."""
        now, cpu = time.monotonic(), time.process_time()
        phase = self.phase = Phase(name, now, now + seconds)

        def close_window() -> None:
            phase.cpu_in_window = time.process_time() - cpu

        asyncio.get_running_loop().call_later(seconds, close_window)
        return phase

    async def drain(self, phase: Phase, pending: set[asyncio.Future]) -> None:
        """Wait for outstanding acks, then until deliveries stop arriving for a second."""
        if pending:
            await asyncio.wait(pending, timeout=60)
        quiet_since, last = time.monotonic(), phase.delivered
        deadline = quiet_since + 20
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if phase.delivered != last:
                quiet_since, last = time.monotonic(), phase.delivered
            elif time.monotonic() - quiet_since >= 1.0:
                break

    async def closed_loop(self, name: str, seconds: float) -> dict:
        phase = self.begin(name, seconds)

        async def keep_sending(person: Person) -> None:
            while time.monotonic() < phase.ends and person.sio.connected:
                phase.sent += 1
                try:
                    ack = await person.sio.call("send_message", person.message(phase), timeout=60)
                except Exception as exc:
                    phase.errors[type(exc).__name__] += 1
                    continue
                person.record_ack(phase, ack)

        tasks = {asyncio.ensure_future(keep_sending(p)) for p in self.people}
        await self.drain(phase, tasks)
        return phase.result()

    async def paced(self, name: str, seconds: float, rate: float) -> dict:
        phase = self.begin(name, seconds)
        pending: set[asyncio.Future] = set()
        loop = asyncio.get_running_loop()
        total = int(seconds * rate)
        for n in range(total):
            due = phase.started + n / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            person = self.people[n % len(self.people)]
            answered = loop.create_future()
            pending.add(answered)

            def on_ack(*ack, person=person, answered=answered):
                person.record_ack(phase, ack[0] if ack else None)
                if not answered.done():
                    answered.set_result(None)

            phase.sent += 1
            try:
                await person.sio.emit("send_message", person.message(phase), callback=on_ack)
            except Exception as exc:
                phase.errors[type(exc).__name__] += 1
                answered.set_result(None)
        await self.drain(phase, pending)
        return phase.result()

    async def close(self) -> None:
        await asyncio.gather(*(p.close() for p in self.people), return_exceptions=True)


async def _serve(conn: Connection, spec: WorkerSpec) -> None:
    loop = asyncio.get_running_loop()
    worker = Worker(spec)
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        kind = command[0]
        if kind == "connect":
            conn.send(await worker.connect())
        elif kind == "closed":
            conn.send(await worker.closed_loop(command[1], command[2]))
        elif kind == "paced":
            conn.send(await worker.paced(command[1], command[2], command[3]))
        elif kind == "close":
            await worker.close()
            conn.send({"closed": True})
            return


def worker_main(conn: Connection, spec: WorkerSpec) -> None:
    """Entry point of a worker process (multiprocessing, spawn)."""
    asyncio.run(_serve(conn, spec))
