"""What the WebSocket scenarios share (RFC 7395's and the JSON event API's): their
arguments, the close code the server sent, and a socket that a client stops reading."""
import asyncio
import socket

import websockets

import common


def parser(description):
    """The base arguments, alice's and bob's accounts, and the HTTP listener's port."""
    p = common.base_parser(description)
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    p.add_argument("--http-port", type=int, required=True)
    return p


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
