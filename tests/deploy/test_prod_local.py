"""``scripts/prod-local.sh``: the production shape on loopback, started, used and stopped.

The script starts nginx on a free port in front of two app workers, a job consumer
and the scheduler, on a fresh PostgreSQL database and a Redis database of this test's
own. A platform admin made with ``flask create-admin`` logs in through nginx like a
browser, opens an admin page, and connects a Socket.IO client over long-polling (the
transport that needs sticky sessions: its requests fail on any worker but the one
that holds the connection). Then ``stop`` must leave no process behind.

It needs nginx (``scripts/system-packages.sh test`` installs it), Redis
(``TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/0``; the test uses database 14
of that server) and PostgreSQL: prod-local is the PostgreSQL setup, so the test runs
in the PostgreSQL pass of ``make test`` and is skipped, with the reason, otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
import socketio
import sqlalchemy as sa

from conference.config import normalize_database_url

pytestmark = pytest.mark.multiprocess

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "prod-local.sh"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: A Redis database apart from the other tests': the job consumer started here takes
#: every job queued in its database.
REDIS_DB = 14
ADMIN_EMAIL = "prod-local-admin@example.org"
ADMIN_PASSWORD = "prod-local test password"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class ProdLocal:
    url: str
    run_dir: Path
    env: dict[str, str]
    worker_ports: tuple[int, int]


def _nginx() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def _redis_url() -> str:
    return sa.make_url(REDIS_URL).set(database=str(REDIS_DB)).render_as_string(False)


def _postgres_base() -> sa.URL:
    """The PostgreSQL server of this run, or a skip saying why there is none."""
    wanted = os.environ.get("TEST_DATABASE_URL", "sqlite")
    if wanted == "sqlite":
        pytest.skip("prod-local runs on PostgreSQL: this test runs in the PostgreSQL pass")
    return sa.make_url(normalize_database_url(wanted))


def _check_prerequisites() -> sa.URL:
    if _nginx() is None:
        pytest.skip("needs nginx (scripts/system-packages.sh prod installs it)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL} (TEST_REDIS_URL), which does not answer: {exc}")
    return _postgres_base()


def _free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _script(action: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), action],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _run_env(run_dir: Path) -> dict[str, str]:
    """The settings the script gave its processes (its ``env`` file)."""
    settings = {}
    for line in (run_dir / "env").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            settings[name] = value
    return settings


def _live_process_groups(groups: list[int]) -> list[str]:
    """``ps`` lines of the processes still alive in ``groups`` (zombies do not count)."""
    listing = subprocess.run(
        ["ps", "-e", "-o", "pgid=,pid=,stat=,args="], capture_output=True, text=True, check=True
    ).stdout
    left = []
    for line in listing.splitlines():
        pgid, _pid, stat, *_ = line.split(None, 3)
        if int(pgid) in groups and not stat.startswith("Z"):
            left.append(line.strip())
    return left


def _drop_database(url: str) -> None:
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def prod_local(tmp_path_factory):
    """prod-local started on free ports; stopped (again) and its database dropped after."""
    base = _check_prerequisites()
    run_dir = tmp_path_factory.mktemp("prod-local")
    port, *worker_ports = _free_ports(3)
    database = base.set(database=f"{base.database}_prodlocal_{uuid.uuid4().hex[:10]}")
    database_url = database.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "PROD_LOCAL_DIR": str(run_dir),
        "PROD_LOCAL_PORT": str(port),
        "PROD_LOCAL_WORKER_PORTS": " ".join(map(str, worker_ports)),
        "PROD_LOCAL_DATABASE_URL": database_url,
        "PROD_LOCAL_REDIS_URL": _redis_url(),
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
    }
    try:
        started = _script("start", env)
        assert started.returncode == 0, started.stdout + started.stderr
        app_env = {**os.environ, **_run_env(run_dir), "PASSWORD_HASH_PROFILE": "CHEAPEST"}
        command = [str(ROOT / ".venv/bin/flask"), "--app", "conference", "create-admin"]
        command += ["--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD]
        made = subprocess.run(
            command,
            cwd=ROOT,
            env=app_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert made.returncode == 0, made.stdout + made.stderr
        yield ProdLocal(f"http://127.0.0.1:{port}", run_dir, env, tuple(worker_ports))
    finally:
        _script("stop", env)
        _drop_database(database_url)


def _log_in(base_url: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=10)
    assert page.status_code == 200
    answer = http.post(
        f"{base_url}/login",
        data={
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
            "csrf_token": CSRF_INPUT.search(page.text).group(1),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return http


def _check_status(prod_local: ProdLocal) -> None:
    status = _script("status", prod_local.env, timeout=30)
    assert status.returncode == 0, status.stdout + status.stderr
    names = [f"web-{port}" for port in prod_local.worker_ports] + ["jobs", "scheduler", "nginx"]
    for name in names:
        assert re.search(rf"^{name}: running \(pid \d+\)$", status.stdout, re.M), status.stdout


def _check_sticky_cookie_and_static_files(prod_local: ProdLocal) -> None:
    first = requests.get(f"{prod_local.url}/login", timeout=10)
    again = requests.get(
        f"{prod_local.url}/login", cookies={"route": first.cookies["route"]}, timeout=10
    )
    static = requests.get(f"{prod_local.url}/static/js/materials.js", timeout=10)

    assert first.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", first.cookies["route"])
    assert "route" not in again.cookies
    assert static.status_code == 200
    assert static.content == (ROOT / "static/js/materials.js").read_bytes()
    # Served by nginx itself: an answer of the app carries its security headers.
    assert "Content-Security-Policy" in first.headers
    assert "Content-Security-Policy" not in static.headers


def _check_page_after_login(prod_local: ProdLocal) -> None:
    http = _log_in(prod_local.url)
    page = http.get(f"{prod_local.url}/admin/accounts", timeout=10)
    assert page.status_code == 200
    assert ADMIN_EMAIL in page.text


def _check_socketio_over_long_polling(prod_local: ProdLocal) -> None:
    http = _log_in(prod_local.url)
    handshake = http.get(
        f"{prod_local.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10
    )
    assert handshake.status_code == 200
    assert handshake.text.startswith('0{"sid":')
    assert "route" in http.cookies

    # A whole connection over long-polling: the handshake, the namespace's CONNECT (which
    # the app accepts only for a logged-in person) and its answer are separate requests
    # that must all reach the worker holding the connection: nginx hashes on the cookie.
    client = socketio.Client(http_session=http, reconnection=False)
    try:
        client.connect(prod_local.url, transports=["polling"], wait_timeout=10)
        assert client.connected
        assert client.transport() == "polling"
        assert client.get_sid() is not None
    finally:
        client.disconnect()


def _check_stop_leaves_nothing(prod_local: ProdLocal) -> None:
    groups = [int(path.read_text()) for path in (prod_local.run_dir / "pids").glob("*.pid")]
    assert len(groups) == 5

    stopped = _script("stop", prod_local.env)

    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert _live_process_groups(groups) == []
    assert list((prod_local.run_dir / "pids").glob("*.pid")) == []
    assert _script("status", prod_local.env, timeout=30).returncode != 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{prod_local.url}/login", timeout=5)


def test_prod_local_starts_serves_through_nginx_and_stops(prod_local):
    """One test, in order: the steps share one start, and the last one stops it."""
    _check_status(prod_local)
    _check_sticky_cookie_and_static_files(prod_local)
    _check_page_after_login(prod_local)
    _check_socketio_over_long_polling(prod_local)
    _check_stop_leaves_nothing(prod_local)
