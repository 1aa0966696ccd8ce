"""Sockets for the realtime tests that listen for what a change emits."""

from __future__ import annotations

import pytest

from tests.realtime.test_sockets import Socket, log_in


@pytest.fixture
def open_socket(app):
    """Open a socket for ``user`` (logged in on a new test client), with what it heard on
    connecting already drained. ``test_sockets`` has its own, more general fixture."""
    opened: list[Socket] = []

    def do(user) -> Socket:
        http = app.test_client()
        log_in(http, user)
        socket = Socket(app, http)
        socket.received()
        opened.append(socket)
        return socket

    yield do
    for socket in opened:
        if socket.connected:
            socket.close()
