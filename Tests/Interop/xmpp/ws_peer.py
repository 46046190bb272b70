"""What the web scenarios share (RFC 7395's, BOSH's and the JSON event API's): their
arguments, TLS without verification, an HTTP GET, reading text messages until one
matches, the close code the server sent, and a socket that a client stops reading."""
import asyncio
import socket
import ssl
import urllib.request

import websockets

import common


def parser(description):
    """The base arguments, alice's and bob's accounts, and the HTTP listener's port."""
    p = common.base_parser(description)
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    p.add_argument("--http-port", type=int, required=True)
    return p


def unverified_tls():
    """The servers under test use self-signed certificates."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def http_get(url, context=None):
    with urllib.request.urlopen(url, timeout=5, context=context) as response:
        return response.status, response.headers.get("Content-Type"), response.read().decode()


async def recv_text(ws, parse, timeout=common.STEP_TIMEOUT):
    """The next message, which must be text, through `parse` (XML or JSON)."""
    message = await asyncio.wait_for(ws.recv(), timeout)
    if not isinstance(message, str):
        raise AssertionError(f"a binary message from the server: {message!r}")
    return parse(message)


async def recv_until(ws, parse, pred, timeout=common.STEP_TIMEOUT):
    """The first message matching `pred`, dropping the others (events interleave); an
    AssertionError naming the last ones seen when none comes in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen = []
    while True:
        remaining = deadline - loop.time()
        try:
            if remaining <= 0:
                raise asyncio.TimeoutError()
            item = await recv_text(ws, parse, remaining)
        except asyncio.TimeoutError:
            raise AssertionError(f"no matching message in time; saw {seen[-8:]}")
        seen.append(item)
        if pred(item):
            return item


async def close_code(ws, timeout=common.STEP_TIMEOUT):
    """The close code the server sent, reading (and dropping) whatever comes first."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except websockets.exceptions.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


def small_receive_buffer_socket(host, port):
    """A connected TCP socket with a 4 KiB receive buffer (set before connecting), so that
    a client that stops reading fills it at once and the server's queue grows."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, port))
    return sock
