"""Reads from a real PostgreSQL streaming replica (issue 15, deliverable 5; ADR 0015).

scripts/test.sh makes the standby (scripts/replica.sh: pg_basebackup, port 5433) and passes
its address in XUESHI_TEST_REPLICA_URL to the PostgreSQL pass. The test database is made on
the primary and streamed to the standby like everything else. The application runs as a
server of its own (``xueshi runserver`` in a child process) configured as in production:
DATABASE_URL the primary, XUESHI_REPLICA_URL the standby. The test writes on the primary,
waits until the standby has replayed it, and reads pages over HTTP. Replay is paused on the
standby to make it lag: who has just written reads the primary; anyone else may see the
replica's older state; a replica too far behind, or down, is not read.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, connections, router

from tests.certificates.test_verify_page import issued_to, revoke
from tests.support.factories import UserFactory
from xueshi.certificates.models import Certificate
from xueshi.certificates.selectors import qr_url
from xueshi.certificates.token import PATH as TOKEN_PATH
from xueshi.db import replica as replica_module
from xueshi.db.replica import PIN_COOKIE, REPLICA

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REPLICA_URL = os.environ.get("XUESHI_TEST_REPLICA_URL", "")
WAIT = 60.0
NOBODY = "postgres://postgres@127.0.0.1:9"  # the discard port: nothing listens


def _url(host: str, port: Any) -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``xueshi runserver`` on the test database, its reads of marked pages on a replica."""

    def __init__(self, tmp_path: Path, replica: str, **env: str) -> None:
        db = connection.settings_dict
        base = {k: v for k, v in os.environ.items() if not k.startswith(("XUESHI_", "DJANGO_"))}
        self.port = _free_port()
        self.log = tmp_path / "server.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xueshi", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            env={
                **base,
                "DATABASE_URL": _url(db["HOST"] or "127.0.0.1", db["PORT"] or 5432),
                "XUESHI_REPLICA_URL": replica,
                "XUESHI_VAR_DIR": str(tmp_path),
                "XUESHI_SECRET_KEY": "a-test-key-for-the-server-of-the-replica-tests",
                "XUESHI_ID_KEYS": str(settings.XUESHI_ID_KEYS),
                "XUESHI_KEYS_DIR": str(settings.XUESHI_KEYS_DIR),
                **env,
            },
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + WAIT
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert self.process.poll() is None, self.log.read_text(errors="replace")
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)

    def browser(self) -> Browser:
        return Browser(f"http://127.0.0.1:{self.port}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        connection.close()


class Browser:
    """A client with its own cookies."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return str(response.read().decode())

    def post(self, path: str, data: dict[str, str]) -> int:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def scan(self, certificate: Certificate) -> str:
        url = qr_url(certificate)
        return self.get(url[url.index(TOKEN_PATH) :])


@pytest.fixture
def standby() -> str:
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica is PostgreSQL's (DATABASE_URL=postgres://…)")
    if not REPLICA_URL:
        pytest.skip("no standby: XUESHI_TEST_REPLICA_URL (scripts/replica.sh makes one)")
    parts = dj_database_url.parse(REPLICA_URL)
    return _url(parts["HOST"], parts["PORT"] or 5432)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(replica: str, **env: str) -> Server:
        servers.append(Server(tmp_path, replica, **env))
        return servers[-1]

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


def _on_replica(standby: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    with psycopg.connect(standby, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
        return row[0] if row else None


def caught_up(standby: str) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + WAIT
    while not _on_replica(standby, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)):
        assert time.monotonic() < deadline, f"the standby did not replay {lsn} in {WAIT:.0f} s"
        time.sleep(0.05)


@contextmanager
def replay_paused(standby: str) -> Iterator[None]:
    _on_replica(standby, "SELECT pg_wal_replay_pause()::text")
    try:
        yield
    finally:
        _on_replica(standby, "SELECT pg_wal_replay_resume()::text")


def _revoked(text: str) -> bool:
    assert 'id="verify-result"' in text, text[:2000]
    return "已撤销" in text


def test_a_page_that_may_lag_reads_the_replica_who_has_just_written_the_primary(
    standby: str, serve: Callable[..., Server]
) -> None:
    certificate = issued_to("陈一")
    user = UserFactory()
    server = serve(standby)
    caught_up(standby)
    assert "陈一" in server.browser().scan(certificate)
    with replay_paused(standby):
        revoke(certificate, "错发")
        # Anyone else reads the replica, which has not replayed the revocation yet.
        assert not _revoked(server.browser().scan(certificate))
        # Who has just written (here: a sign-in attempt) reads the primary for a while.
        writer = server.browser()
        login = writer.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)
        assert token is not None
        form = {"username": user.username, "password": "wrong", "csrfmiddlewaretoken": token[1]}
        writer.post("/accounts/login/", form)
        assert writer.cookie(PIN_COOKIE) is not None
        assert _revoked(writer.scan(certificate))
    caught_up(standby)
    assert _revoked(server.browser().scan(certificate))


def test_a_replica_too_far_behind_is_not_read(standby: str, serve: Callable[..., Server]) -> None:
    certificate = issued_to("陈一")
    server = serve(standby, XUESHI_REPLICA_MAX_LAG="1", XUESHI_REPLICA_PIN_SECONDS="2")
    caught_up(standby)
    with replay_paused(standby):
        revoke(certificate, "错发")
        time.sleep(3.5)  # more than the lag allowed, and than the server's last lag check
        assert _revoked(server.browser().scan(certificate))


def test_a_replica_that_does_not_answer_is_not_read(serve: Callable[..., Server]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica is PostgreSQL's (DATABASE_URL=postgres://…)")
    certificate = issued_to("陈一")
    server = serve(f"{NOBODY}/{connection.settings_dict['NAME']}")
    text = server.browser().scan(certificate)
    assert certificate.number in text
    assert "陈一" in text


def test_writes_sessions_and_access_stay_on_the_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    """The router alone (no connection to the replica is made)."""
    monkeypatch.setitem(connections.settings, REPLICA, dict(connection.settings_dict))
    monkeypatch.setattr(replica_module, "replica_lag", lambda: 0.0)
    token = replica_module._reading.set(True)
    try:
        assert router.db_for_read(Certificate) == REPLICA
        assert router.db_for_read(Session) == "default"  # a sign-in a second old
        assert router.db_for_write(Certificate) == "default"
        monkeypatch.setattr(replica_module, "replica_lag", lambda: 11.0)  # beyond the 10 s
        assert router.db_for_read(Certificate) == "default"
    finally:
        replica_module._reading.reset(token)
    monkeypatch.setattr(replica_module, "replica_lag", lambda: 0.0)
    assert router.db_for_read(Certificate) == "default"  # pages not marked read the primary
