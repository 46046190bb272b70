#!/usr/bin/env python3
"""A JSON event API client that stops reading is cut off; the others go on.

alice logs in on /api/events and then reads nothing (a 4 KiB socket receive buffer and a
receive queue of one message, so the library stops reading the socket); bob, on a second
connection, sends her chat messages until his `msg` commands are refused (once alice is cut
off her session is gone, and text-chat alone stores nothing offline). The server must cut
alice off (the caller also checks its log) while bob keeps being served.
"""
import asyncio
import json

from websockets.asyncio.client import connect

import common
import ws_peer


async def login(ws, user, password):
    await ws.recv()  # hello
    await ws.send(json.dumps({"type": "login", "user": user, "password": password, "id": "login"}))
    while True:
        obj = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if obj.get("id") == "login":
            return obj


async def body(sc):
    a = sc.args
    url = f"ws://{a.host}:{a.http_port}/api/events"
    sc.step("alice logs in, then reads nothing")
    sock = ws_peer.small_receive_buffer_socket(a.host, a.http_port)
    alice = await connect(url, open_timeout=5, max_queue=1, sock=sock)
    ok = await login(alice, a.alice_user, a.alice_password)
    sc.require("alice_logged_in", ok.get("type") == "ok", ok)

    sc.step("bob floods alice")
    bob = await connect(url, open_timeout=5, max_size=None)
    ok = await login(bob, a.bob_user, a.bob_password)
    sc.require("bob_logged_in", ok.get("type") == "ok", ok)
    payload = "x" * 3000
    sent = 0
    refused = None
    while sent < a.messages and refused is None:
        sent += 1
        await bob.send(json.dumps({"type": "msg", "to": a.alice_user, "text": f"{sent} {payload}", "id": f"m{sent}"}))
        while True:
            obj = json.loads(await asyncio.wait_for(bob.recv(), 30))
            if obj.get("id") == f"m{sent}":
                if obj.get("type") == "error":
                    refused = obj
                break
    sc.info["sent"] = sent
    sc.check("alice_gone_bob_told", refused is not None and refused.get("code") == "recipient-unavailable",
             f"after {sent} messages: {refused}")
    await bob.send(json.dumps({"type": "ping", "id": "last"}))
    while True:
        obj = json.loads(await asyncio.wait_for(bob.recv(), 30))
        if obj.get("id") == "last":
            break
    sc.check("bob_still_served", obj.get("type") == "pong", obj)
    await bob.close()
    alice.transport.abort()


if __name__ == "__main__":
    p = ws_peer.parser(__doc__)
    p.add_argument("--messages", type=int, default=4000)
    common.run("json_slow_reader", p, body)
