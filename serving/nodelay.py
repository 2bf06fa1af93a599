"""Send the server's replies at once: TCP_NODELAY on the sockets that Streamlit serves from.

Streamlit 1.67 serves through uvicorn from a socket it binds itself, ``socket.socket(family)``, whose protocol
number is 0. asyncio turns Nagle's algorithm off only on sockets whose protocol is IPPROTO_TCP, so every
connection the server accepts keeps it on. A rerun's reply is several websocket messages (new_session, the
deltas, script_finished); with Nagle on, each small write after the first waits until the browser has
acknowledged the first, and a receiver that answers quickly holds its acknowledgement back for up to 40 ms.
Measured with the load generator's protocol (one session, reruns back to back): a one-widget Streamlit app
replies in 44 ms without this and in 6 ms with it; docs/serving.md has the figures for rnnviz.

Linux copies TCP_NODELAY from a listening socket to each connection it accepts, so setting it on the server's
listening sockets covers every later connection; connections already open on them (the first browser's,
accepted before any page ran) are set too. ``apply()`` does this once per process (app.py's first run calls
it); where /proc/self/fd does not exist (not Linux) it does nothing. No streamlit here.
"""
import functools
import os
import socket


def _tcp_sockets() -> list:
    """(socket, is listening) for every TCP socket this process holds open, each a duplicate to close."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return []
    found = []
    for fd in fds:
        try:
            sock = socket.socket(fileno=os.dup(fd))                 # OSError: not a socket, or already closed
        except OSError:
            continue
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            try:
                found.append((sock, bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))))
                continue
            except OSError:
                pass
        sock.close()
    return found


def serve_without_delay() -> int:
    """TCP_NODELAY on every listening TCP socket of this process and on the connections open on their ports;
    returns how many sockets were set (others, such as a database client's, are left as they are)."""
    found = _tcp_sockets()
    ports = {sock.getsockname()[1] for sock, listening in found if listening}
    n = 0
    for sock, listening in found:
        try:
            if listening or sock.getsockname()[1] in ports:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                n += 1
        except OSError:                                             # closed meanwhile
            pass
        finally:
            sock.close()
    return n


@functools.cache
def apply() -> int:
    """serve_without_delay() once per process: the first call does it and later calls return its count at once
    (two first calls at the same moment may both do it, which sets the same option twice)."""
    return serve_without_delay()
