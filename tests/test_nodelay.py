"""serving.nodelay: the server's listening sockets, and the connections on them, send without Nagle's delay."""
import contextlib
import socket
import sys

import pytest

from serving import nodelay

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd (Linux)")


def nagle_off(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_the_listener_and_its_connections_are_set_and_other_sockets_are_not():
    with contextlib.ExitStack() as stack:
        def keep(sock):
            return stack.enter_context(sock)

        listener = keep(socket.socket(socket.AF_INET))             # protocol 0, as Streamlit binds its socket
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        early_client = keep(socket.create_connection(listener.getsockname()))
        early = keep(listener.accept()[0])                          # accepted before the first page ran
        assert not nagle_off(early) and not nagle_off(listener)     # what asyncio leaves on such a socket

        assert nodelay.serve_without_delay() >= 2
        late_client = keep(socket.create_connection(listener.getsockname()))
        late = keep(listener.accept()[0])

        assert nagle_off(listener) and nagle_off(early)
        assert nagle_off(late)                                      # Linux copies it from the listener
        assert not nagle_off(early_client) and not nagle_off(late_client)   # a client's socket: left alone


def test_apply_sets_the_sockets_once_per_process(monkeypatch):
    calls = []
    monkeypatch.setattr(nodelay, "serve_without_delay", lambda: calls.append(1) or 3)
    nodelay.apply.cache_clear()
    try:
        assert nodelay.apply() == 3 and nodelay.apply() == 3
        assert calls == [1]
    finally:
        nodelay.apply.cache_clear()
