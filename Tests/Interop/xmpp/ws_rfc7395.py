#!/usr/bin/env python3
"""XMPP over WebSocket (RFC 7395), spoken raw with the `websockets` library against
parleyd's /xmpp-websocket, beside a slixmpp client on the TCP listener.

Discovery through XEP-0156 host-meta.json (and the XRD host-meta), the `xmpp`
subprotocol, <open/>, SASL PLAIN (over wss, or over ws where the server allows it for the
test), a stream restart, resource binding, a message to the TCP client and its reply, <close/>.
Bad input, each on its own connection: no subprotocol (HTTP 400), a page from another
origin (HTTP 400; its own origin is accepted), a binary message (close
1003), two stanzas in one message (stream error not-well-formed, then <close/>), a message
over the server's stanza limit (close 1009). The good session is checked again after the
bad ones (other sessions are not disturbed), and with a burst of pings past the server's
inbound queue (the route waits for room before it reads on).
"""
import asyncio
import base64
import json
import xml.etree.ElementTree as ET

import websockets
from websockets.asyncio.client import connect

import common
import ws_peer
from ws_peer import close_code, http_get, unverified_tls
from common import CLIENT_NS, SASL_NS

FRAMING_NS = "urn:ietf:params:xml:ns:xmpp-framing"
STREAMS_NS = "http://etherx.jabber.org/streams"
STREAM_ERRORS_NS = "urn:ietf:params:xml:ns:xmpp-streams"
BIND_NS = "urn:ietf:params:xml:ns:xmpp-bind"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
WS_REL = "urn:xmpp:alt-connections:websocket"


async def recv_element(ws, timeout=common.STEP_TIMEOUT):
    return await ws_peer.recv_text(ws, ET.fromstring, timeout)


async def recv_until(ws, pred, timeout=common.STEP_TIMEOUT):
    return await ws_peer.recv_until(ws, ET.fromstring, pred, timeout)


async def open_stream(ws, domain):
    await ws.send(f"<open xmlns='{FRAMING_NS}' to='{domain}' version='1.0'/>")
    opened = await recv_element(ws)
    features = await recv_element(ws)
    return opened, features



async def body(sc):
    a = sc.args
    n = common.nonce()
    secure = a.scheme == "wss"
    tls = {"ssl": unverified_tls()} if secure else {}
    base = f"{'https' if secure else 'http'}://{a.host}:{a.http_port}"

    sc.step("discovery: host-meta.json and host-meta")
    status, ctype, text = http_get(base + "/.well-known/host-meta.json", tls.get("ssl"))
    links = [l for l in json.loads(text).get("links", []) if l.get("rel") == WS_REL]
    sc.require("host_meta_json_names_websocket", status == 200 and len(links) == 1, text)
    url = links[0]["href"]
    sc.info["websocket_url"] = url
    sc.check("host_meta_json_url", url == f"{a.scheme}://{a.host}:{a.http_port}/xmpp-websocket", url)
    status, ctype, text = http_get(base + "/.well-known/host-meta", tls.get("ssl"))
    xrd = ET.fromstring(text)
    hrefs = [l.get("href") for l in xrd.findall("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link") if l.get("rel") == WS_REL]
    sc.check("host_meta_xrd_names_websocket", hrefs == [url], text)

    sc.step("bob logs in over TCP (slixmpp)")
    bob = await sc.client(a.bob_user, a.bob_password, resource="tcp").login_or_fail("login_bob")
    bob.presence()
    await bob.barrier()

    sc.step("alice: WebSocket with the xmpp subprotocol, <open/>")
    ws = await connect(url, subprotocols=["xmpp"], open_timeout=5, **tls)
    sc.check("subprotocol_xmpp", ws.subprotocol == "xmpp", f"subprotocol={ws.subprotocol}")
    opened, features = await open_stream(ws, a.domain)
    sc.check("open_in_framing_namespace", opened.tag == f"{{{FRAMING_NS}}}open", ET.tostring(opened).decode())
    sc.check("open_from_domain", opened.get("from") == a.domain and opened.get("version") == "1.0")
    sc.check("features_in_streams_namespace", features.tag == f"{{{STREAMS_NS}}}features", ET.tostring(features).decode())
    sc.check("no_starttls_over_websocket", features.find(f"{{{TLS_NS}}}starttls") is None)
    mechanisms = [m.text for m in features.iter(f"{{{SASL_NS}}}mechanism")]
    sc.info["mechanisms"] = mechanisms
    sc.require("plain_offered", "PLAIN" in mechanisms, mechanisms)

    sc.step("alice: SASL PLAIN, restart, bind")
    token = base64.b64encode(f"\0{a.alice_user}\0{a.alice_password}".encode()).decode()
    await ws.send(f"<auth xmlns='{SASL_NS}' mechanism='PLAIN'>{token}</auth>")
    success = await recv_element(ws)
    sc.require("sasl_success", success.tag == f"{{{SASL_NS}}}success", ET.tostring(success).decode())
    opened, features = await open_stream(ws, a.domain)
    sc.require("bind_offered", features.find(f"{{{BIND_NS}}}bind") is not None, ET.tostring(features).decode())
    await ws.send(f"<iq xmlns='{CLIENT_NS}' type='set' id='b1'><bind xmlns='{BIND_NS}'><resource>web</resource></bind></iq>")
    bound = await recv_element(ws)
    jid = bound.findtext(f"{{{BIND_NS}}}bind/{{{BIND_NS}}}jid")
    sc.require("bound", bound.get("type") == "result" and jid == f"{a.alice_user}@{a.domain}/web", ET.tostring(bound).decode())
    await ws.send(f"<presence xmlns='{CLIENT_NS}'/>")

    sc.step("alice (WebSocket) -> bob (TCP)")
    mark = bob.mark()
    await ws.send(f"<message xmlns='{CLIENT_NS}' to='{bob.full_jid}' type='chat' id='m1'><body>hello bob {n} &amp; \u00e9</body></message>")
    got = await bob.wait_for("message", common.body_contains(f"hello bob {n} & \u00e9"), since=mark)
    sc.check("bob_receives", got is not None, "alice's message did not reach bob")
    if got is not None:
        sc.check("bob_sees_alice_full_jid", got.get("from") == jid, f"from={got.get('from')}")

    sc.step("bob (TCP) -> alice (WebSocket)")
    reply = bob.Message()
    reply["to"] = jid
    reply["type"] = "chat"
    reply["body"] = f"hello alice {n}"
    reply.send()
    message = await recv_until(
        ws, lambda e: e.tag == f"{{{CLIENT_NS}}}message" and e.findtext(f"{{{CLIENT_NS}}}body") == f"hello alice {n}")
    sc.check("alice_receives_qualified_stanza", message is not None)

    sc.step("bad input: no subprotocol")
    try:
        bad = await connect(url, open_timeout=5, **tls)
        await bad.close()
        sc.check("no_subprotocol_refused", False, "the upgrade succeeded")
    except websockets.exceptions.InvalidStatus as refused:
        sc.check("no_subprotocol_refused", refused.response.status_code == 400, f"status={refused.response.status_code}")

    sc.step("bad input: a page from another origin")
    try:
        bad = await connect(url, subprotocols=["xmpp"], origin="http://evil.example", open_timeout=5, **tls)
        await bad.close()
        sc.check("other_origin_refused", False, "the upgrade succeeded")
    except websockets.exceptions.InvalidStatus as refused:
        sc.check("other_origin_refused", refused.response.status_code == 400, f"status={refused.response.status_code}")
    same = await connect(url, subprotocols=["xmpp"], origin=f"{base}", open_timeout=5, **tls)
    sc.check("same_origin_accepted", same.subprotocol == "xmpp")
    await same.close()

    sc.step("bad input: a binary message")
    bad = await connect(url, subprotocols=["xmpp"], open_timeout=5, **tls)
    await open_stream(bad, a.domain)
    await bad.send(b"<presence/>")
    code = await close_code(bad)
    sc.check("binary_closed_1003", code == 1003, f"code={code}")

    sc.step("bad input: two stanzas in one message")
    bad = await connect(url, subprotocols=["xmpp"], open_timeout=5, **tls)
    await open_stream(bad, a.domain)
    await bad.send(f"<presence xmlns='{CLIENT_NS}'/><presence xmlns='{CLIENT_NS}'/>")
    error = await recv_element(bad)
    sc.check(
        "two_stanzas_not_well_formed",
        error.tag == f"{{{STREAMS_NS}}}error" and error.find(f"{{{STREAM_ERRORS_NS}}}not-well-formed") is not None,
        ET.tostring(error).decode())
    closing = await recv_element(bad)
    sc.check("two_stanzas_then_close", closing.tag == f"{{{FRAMING_NS}}}close", ET.tostring(closing).decode())
    code = await close_code(bad)
    sc.check("two_stanzas_closed_1000", code == 1000, f"code={code}")

    sc.step("bad input: a message over the stanza limit")
    bad = await connect(url, subprotocols=["xmpp"], open_timeout=5, max_size=None, **tls)
    await open_stream(bad, a.domain)
    await bad.send(f"<message xmlns='{CLIENT_NS}'><body>{'x' * (a.max_stanza * 2)}</body></message>")
    code = await close_code(bad)
    sc.check("oversized_closed_1009", code == 1009, f"code={code}")

    sc.step("the first session still works")
    await ws.send(f"<iq xmlns='{CLIENT_NS}' type='get' id='p1' to='{a.domain}'><ping xmlns='urn:xmpp:ping'/></iq>")
    pong = await recv_until(ws, lambda e: e.tag == f"{{{CLIENT_NS}}}iq" and e.get("id") == "p1")
    sc.check("still_alive_after_bad_input", pong.get("type") == "result", ET.tostring(pong).decode())

    sc.step("a burst past inbound-queue-limit: every ping answered, in order")
    burst = 300
    for i in range(burst):
        await ws.send(f"<iq xmlns='{CLIENT_NS}' type='get' id='burst-{i}' to='{a.domain}'><ping xmlns='urn:xmpp:ping'/></iq>")
    answered = []
    while len(answered) < burst:
        reply = await recv_until(ws, lambda e: e.tag == f"{{{CLIENT_NS}}}iq" and (e.get("id") or "").startswith("burst-"))
        answered.append(reply.get("id"))
    sc.check("burst_answered_in_order", answered == [f"burst-{i}" for i in range(burst)], f"{len(answered)} answers")

    sc.step("a client that does not wait: open, auth, open, bind and a fragmented ping at once")
    quick = await connect(url, subprotocols=["xmpp"], open_timeout=5, **tls)
    token = base64.b64encode(f"\0{a.alice_user}\0{a.alice_password}".encode()).decode()
    open_tag = f"<open xmlns='{FRAMING_NS}' to='{a.domain}' version='1.0'/>"
    await quick.send(open_tag)
    await quick.send(f"<auth xmlns='{SASL_NS}' mechanism='PLAIN'>{token}</auth>")
    await quick.send(open_tag)
    await quick.send(f"<iq xmlns='{CLIENT_NS}' type='set' id='qb'><bind xmlns='{BIND_NS}'><resource>quick</resource></bind></iq>")
    # RFC 6455 §5.4: one message in three frames.
    await quick.send(iter([f"<iq xmlns='{CLIENT_NS}' type='get' ", f"id='qp' to='{a.domain}'><ping ", "xmlns='urn:xmpp:ping'/></iq>"]))
    seen = []
    while not seen or seen[-1] != "iq:qp":
        element = await recv_element(quick)
        seen.append(element.tag.split("}")[-1] + (":" + element.get("id") if element.get("id") else ""))
    sc.check("pipelined_and_fragmented_in_order",
             [t for t in seen if not t.startswith("open")] == ["features", "success", "features", "iq:qb", "iq:qp"], seen)
    await quick.close()

    sc.step("alice: <close/>")
    await ws.send(f"<close xmlns='{FRAMING_NS}'/>")
    closing = await recv_until(ws, lambda e: e.tag == f"{{{FRAMING_NS}}}close")
    sc.check("close_answered", closing is not None)
    code = await close_code(ws)
    sc.check("closed_1000", code == 1000, f"code={code}")
    await bob.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    p.add_argument("--http-port", type=int, required=True, help="the port of xmpp-c2s's HTTP listener")
    p.add_argument("--scheme", choices=["ws", "wss"], default="ws", help="wss: the listener serves TLS")
    p.add_argument("--max-stanza", type=int, default=16384, help="the server's max-stanza")
    common.run("ws_rfc7395", p, body)
