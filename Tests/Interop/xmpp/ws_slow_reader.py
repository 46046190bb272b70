#!/usr/bin/env python3
"""A WebSocket client (RFC 7395) that stops reading is cut off, like a TCP one.

alice logs in over WebSocket with the `websockets` library, then reads nothing more (a
4 KiB socket receive buffer, and a receive queue of one message, so the library stops
reading the socket); bob, on a second WebSocket, sends her more than the server's send
queue for her and the sockets' buffers hold, until his messages come back as errors (the
server runs with offline-limit 0: once alice is cut off, nothing is stored for her). The
server must cut alice off (the caller also checks its log for it) while bob's stream keeps
working.
"""
import asyncio
import base64
import xml.etree.ElementTree as ET

from websockets.asyncio.client import connect

import common
import ws_peer
from common import CLIENT_NS, SASL_NS

FRAMING_NS = "urn:ietf:params:xml:ns:xmpp-framing"
BIND_NS = "urn:ietf:params:xml:ns:xmpp-bind"


async def login(ws, a, user, password, resource):
    """<open/>, PLAIN, <open/>, bind; returns the bound JID."""
    open_tag = f"<open xmlns='{FRAMING_NS}' to='{a.domain}' version='1.0'/>"
    await ws.send(open_tag)
    await ws.recv()
    await ws.recv()
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    await ws.send(f"<auth xmlns='{SASL_NS}' mechanism='PLAIN'>{token}</auth>")
    await ws.recv()
    await ws.send(open_tag)
    await ws.recv()
    await ws.recv()
    await ws.send(f"<iq xmlns='{CLIENT_NS}' type='set' id='b1'><bind xmlns='{BIND_NS}'><resource>{resource}</resource></bind></iq>")
    bound = ET.fromstring(await ws.recv())
    await ws.send(f"<presence xmlns='{CLIENT_NS}'/>")
    return bound.findtext(f"{{{BIND_NS}}}bind/{{{BIND_NS}}}jid")


async def body(sc):
    a = sc.args
    url = f"ws://{a.host}:{a.http_port}/xmpp-websocket"
    sc.step("alice logs in over WebSocket, then reads nothing")
    sock = ws_peer.small_receive_buffer_socket(a.host, a.http_port)
    alice = await connect(url, subprotocols=["xmpp"], open_timeout=5, max_queue=(None if a.reading else 1), sock=sock)
    alice_jid = await login(alice, a, a.alice_user, a.alice_password, "slow")
    sc.require("alice_bound", alice_jid == f"{a.alice_user}@{a.domain}/slow", alice_jid)

    sc.step("bob floods alice")
    bob = await connect(url, subprotocols=["xmpp"], open_timeout=5, max_size=None)
    await login(bob, a, a.bob_user, a.bob_password, "flood")
    payload = "x" * (a.max_stanza * 3 // 4)
    sent = 0
    bounced = False
    while sent < a.messages and not bounced:
        for _ in range(50):
            await bob.send(f"<message xmlns='{CLIENT_NS}' to='{alice_jid}' type='chat'><body>{sent} {payload}</body></message>")
            sent += 1
        # A round trip, so that bob never runs far ahead of the server.
        await bob.send(f"<iq xmlns='{CLIENT_NS}' type='get' id='p{sent}' to='{a.domain}'><ping xmlns='urn:xmpp:ping'/></iq>")
        while True:
            reply = ET.fromstring(await asyncio.wait_for(bob.recv(), 30))
            if reply.tag == f"{{{CLIENT_NS}}}message" and reply.get("type") == "error":
                bounced = True
            if reply.tag == f"{{{CLIENT_NS}}}iq" and reply.get("id") == f"p{sent}":
                break
    sc.info["sent"] = sent
    sc.check("alice_gone_bob_told", bounced, f"no error after {sent} messages")
    await bob.send(f"<iq xmlns='{CLIENT_NS}' type='get' id='last' to='{a.domain}'><ping xmlns='urn:xmpp:ping'/></iq>")
    while True:
        reply = ET.fromstring(await asyncio.wait_for(bob.recv(), 30))
        if reply.get("id") == "last":
            break
    sc.check("bob_still_served", reply.get("type") == "result")
    await bob.close()
    alice.transport.abort()


if __name__ == "__main__":
    p = ws_peer.parser(__doc__)
    p.add_argument("--messages", type=int, default=600)
    p.add_argument("--reading", action="store_true", help="alice reads (a control run)")
    p.add_argument("--max-stanza", type=int, default=16384, help="the server's max-stanza")
    common.run("ws_slow_reader", p, body)
