#!/usr/bin/env python3
"""XMPP over BOSH (XEP-0124, XEP-0206), spoken raw with the standard library's
http.client against parleyd's /http-bind, beside a slixmpp client on the TCP listener.

Discovery through XEP-0156 host-meta.json (the xbosh link); session creation (sid, wait
capped, hold=1, requests=2, xmpp:restartlogic, the stream features in the first
response); SASL PLAIN, xmpp:restart, resource binding; a message to the TCP client, and
its reply arriving through a held request; a repeated rid answered with the same bytes
(§14.3); the client's terminate (the sid is then unknown). Over https (`--scheme https`,
the server's `http-tls`) PLAIN is offered because the session is secure from the start. Beside it, a second BOSH
session (bob on another resource) that the bad input must not disturb. Bad input: an
unknown sid, a rid beyond the window (the session is then gone), a body over the size
limit (HTTP 413), malformed XML (bad-request), a page from another origin (403; its own
origin's preflight is answered).
"""
import asyncio
import base64
import http.client
import json
import random
import xml.etree.ElementTree as ET

import common
from ws_peer import http_get, unverified_tls
from common import CLIENT_NS, SASL_NS

HTTPBIND_NS = "http://jabber.org/protocol/httpbind"
XBOSH_NS = "urn:xmpp:xbosh"
STREAMS_NS = "http://etherx.jabber.org/streams"
BIND_NS = "urn:ietf:params:xml:ns:xmpp-bind"
BOSH_REL = "urn:xmpp:alt-connections:xbosh"


SECURE = False


def connect(host, port, timeout):
    if SECURE:
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=unverified_tls())
    return http.client.HTTPConnection(host, port, timeout=timeout)


def post(host, port, text, headers=None, timeout=30):
    """One POST to /http-bind on a fresh connection: (status, headers, bytes)."""
    connection = connect(host, port, timeout)
    try:
        all_headers = {"Content-Type": "text/xml; charset=utf-8"}
        all_headers.update(headers or {})
        connection.request("POST", "/http-bind", body=text.encode(), headers=all_headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def request(host, port, method, headers):
    connection = connect(host, port, 10)
    try:
        connection.request(method, "/http-bind", headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


class Session:
    """A raw BOSH client: a rid counter and a sid."""

    def __init__(self, sc, wait=5):
        self.sc = sc
        self.rid = random.randint(1 << 20, 1 << 40)
        self.sid = None
        self.wait = wait
        self.last = None

    async def send(self, payload="", attributes=""):
        """POSTs the next rid with `payload` inside <body/>; the parsed answer."""
        a = self.sc.args
        self.rid += 1
        sid = f" sid='{self.sid}'" if self.sid else ""
        text = f"<body rid='{self.rid}'{sid}{attributes} xmlns='{HTTPBIND_NS}'>{payload}</body>"
        return await self.raw(text)

    async def raw(self, text):
        a = self.sc.args
        status, headers, data = await asyncio.to_thread(post, a.host, a.http_port, text)
        self.last = (text, data)
        if status != 200:
            raise AssertionError(f"HTTP {status} for {text[:200]}")
        return ET.fromstring(data), headers, data

    async def create(self):
        a = self.sc.args
        body, headers, _ = await self.send(
            attributes=f" to='{a.domain}' wait='300' hold='1' ver='1.11' xml:lang='en'"
            f" xmpp:version='1.0' xmlns:xmpp='{XBOSH_NS}'")
        self.sid = body.get("sid")
        self.sc.require("sid", bool(self.sid), ET.tostring(body).decode())
        self.created = (body, headers)
        return body, headers

    async def until(self, pred):
        """Polls until an answer holds an element matching `pred`."""
        for _ in range(10):
            body, _, _ = await self.send()
            for child in body:
                if pred(child):
                    return child
        return None

    async def login(self, user, password, resource):
        """Creation, SASL PLAIN, restart, bind: the bound JID."""
        sc = self.sc
        body, _ = await self.create()
        features = body.find(f"{{{STREAMS_NS}}}features")
        if features is None:
            features = await self.until(lambda e: e.tag == f"{{{STREAMS_NS}}}features")
        mechanisms = [m.text for m in features.iter(f"{{{SASL_NS}}}mechanism")] if features is not None else []
        sc.require(f"{user}_plain_offered", "PLAIN" in mechanisms, mechanisms)
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        body, _, _ = await self.send(f"<auth xmlns='{SASL_NS}' mechanism='PLAIN'>{token}</auth>")
        sc.require(f"{user}_sasl_success", body.find(f"{{{SASL_NS}}}success") is not None, ET.tostring(body).decode())
        body, _, _ = await self.send(attributes=f" to='{sc.args.domain}' xml:lang='en' xmpp:restart='true' xmlns:xmpp='{XBOSH_NS}'")
        features = body.find(f"{{{STREAMS_NS}}}features")
        sc.require(f"{user}_restart_features_bind", features is not None and features.find(f"{{{BIND_NS}}}bind") is not None,
                   ET.tostring(body).decode())
        body, _, _ = await self.send(
            f"<iq xmlns='{CLIENT_NS}' type='set' id='b1'><bind xmlns='{BIND_NS}'><resource>{resource}</resource></bind></iq>")
        jid = body.findtext(f"{{{CLIENT_NS}}}iq/{{{BIND_NS}}}bind/{{{BIND_NS}}}jid")
        sc.require(f"{user}_bound", jid == f"{user}@{sc.args.domain}/{resource}", ET.tostring(body).decode())
        return jid

    async def ping(self, name):
        body, _, _ = await self.send(f"<iq xmlns='{CLIENT_NS}' type='get' id='{name}' to='{self.sc.args.domain}'><ping xmlns='urn:xmpp:ping'/></iq>")
        pong = body.find(f"{{{CLIENT_NS}}}iq")
        if pong is None:
            pong = await self.until(lambda e: e.tag == f"{{{CLIENT_NS}}}iq" and e.get("id") == name)
        return pong is not None and pong.get("type") == "result"


def terminal(body):
    return body.get("type") == "terminate", body.get("condition")


async def body(sc):
    a = sc.args
    n = common.nonce()
    global SECURE
    SECURE = a.scheme == "https"
    base = f"{a.scheme}://{a.host}:{a.http_port}"

    sc.step("discovery: host-meta.json names the BOSH endpoint")
    context = unverified_tls() if SECURE else None
    _, _, text = http_get(base + "/.well-known/host-meta.json", context)
    links = [l for l in json.loads(text).get("links", []) if l.get("rel") == BOSH_REL]
    sc.check("host_meta_names_bosh", [l["href"] for l in links] == [f"{base}/http-bind"], links)

    sc.step("bob logs in over TCP (slixmpp)")
    bob = await sc.client(a.bob_user, a.bob_password, resource="tcp").login_or_fail("login_bob")
    bob.presence()
    await bob.barrier()

    sc.step("alice: session creation, SASL PLAIN, restart, bind")
    alice = Session(sc)
    jid = await alice.login(a.alice_user, a.alice_password, "web")
    created, headers = alice.created
    sc.check("content_type", headers.get("Content-Type") == "text/xml; charset=utf-8", headers)
    sc.check("wait_capped", created.get("wait") is not None and int(created.get("wait")) <= a.max_wait, created.get("wait"))
    sc.check("hold_1_requests_2", created.get("hold") == "1" and created.get("requests") == "2", created.attrib)
    sc.check("restartlogic", created.get(f"{{{XBOSH_NS}}}restartlogic") == "true", created.attrib)
    sc.check("xmpp_version", created.get(f"{{{XBOSH_NS}}}version") == "1.0", created.attrib)
    sc.check("features_in_first_response", created.find(f"{{{STREAMS_NS}}}features") is not None, ET.tostring(created).decode())

    sc.step("a repeated rid gets the same response (§14.3)")
    text, first = alice.last
    _, _, again = await alice.raw(text)
    sc.check("retransmission_same_bytes", again == first, (first, again))

    sc.step("a second BOSH session (bob on another resource)")
    second = Session(sc)
    await second.login(a.bob_user, a.bob_password, "bosh")

    sc.step("alice (BOSH) -> bob (TCP); bob's reply through alice's held request")
    await alice.send(f"<presence xmlns='{CLIENT_NS}'/>")
    mark = bob.mark()
    held = asyncio.create_task(alice.send(
        f"<message xmlns='{CLIENT_NS}' to='{bob.full_jid}' type='chat' id='m1'><body>hello bob {n} &amp; \u00e9</body></message>"))
    got = await bob.wait_for("message", common.body_contains(f"hello bob {n} & \u00e9"), since=mark)
    sc.check("bob_receives", got is not None, "alice's message did not reach bob")
    if got is not None:
        sc.check("bob_sees_alice_full_jid", got.get("from") == jid, f"from={got.get('from')}")
    reply = bob.Message()
    reply["to"] = jid
    reply["type"] = "chat"
    reply["body"] = f"hello alice {n}"
    reply.send()
    answer, _, _ = await held
    bodies = [m.findtext(f"{{{CLIENT_NS}}}body") for m in answer.findall(f"{{{CLIENT_NS}}}message")]
    if f"hello alice {n}" not in bodies:
        message = await alice.until(lambda e: e.tag == f"{{{CLIENT_NS}}}message" and e.findtext(f"{{{CLIENT_NS}}}body") == f"hello alice {n}")
        sc.check("reply_through_held_request", False, f"the reply came on a later request: {message is not None}")
    else:
        sc.check("reply_through_held_request", True)

    sc.step("bad input: unknown sid")
    stranger = Session(sc)
    stranger.sid = "0123456789abcdef0123456789abcdef"
    answer, _, _ = await stranger.send()
    sc.check("unknown_sid_item_not_found", terminal(answer) == (True, "item-not-found"), ET.tostring(answer).decode())

    sc.step("bad input: a rid beyond the window")
    victim = Session(sc)
    await victim.create()
    victim.rid += 5
    answer, _, _ = await victim.send()
    sc.check("bad_rid_item_not_found", terminal(answer) == (True, "item-not-found"), ET.tostring(answer).decode())
    answer, _, _ = await victim.send()
    sc.check("bad_rid_session_gone", terminal(answer) == (True, "item-not-found"), ET.tostring(answer).decode())

    sc.step("bad input: a body over the size limit")
    oversized = f"<body rid='1' sid='{alice.sid}' xmlns='{HTTPBIND_NS}'><message xmlns='{CLIENT_NS}'><body>{'x' * (a.max_stanza * 2)}</body></message></body>"
    status, _, _ = await asyncio.to_thread(post, a.host, a.http_port, oversized)
    sc.check("oversized_413", status == 413, f"status={status}")

    sc.step("bad input: malformed XML")
    answer, _, _ = await stranger.raw(f"<body rid='1' xmlns='{HTTPBIND_NS}'><message>")
    sc.check("malformed_bad_request", terminal(answer) == (True, "bad-request"), ET.tostring(answer).decode())

    sc.step("bad input: a page from another origin; the same origin's preflight")
    status, _, _ = await asyncio.to_thread(
        post, a.host, a.http_port, f"<body rid='1' sid='{alice.sid}' xmlns='{HTTPBIND_NS}'/>", {"Origin": "http://evil.example"})
    sc.check("other_origin_403", status == 403, f"status={status}")
    status, headers = await asyncio.to_thread(
        request, a.host, a.http_port, "OPTIONS",
        {"Origin": base, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    sc.check("preflight_same_origin", status == 204 and headers.get("Access-Control-Allow-Origin") == base, (status, headers))
    status, _ = await asyncio.to_thread(
        request, a.host, a.http_port, "OPTIONS", {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    sc.check("preflight_other_origin_403", status == 403, f"status={status}")

    sc.step("both sessions still work")
    sc.check("alice_alive_after_bad_input", await alice.ping("p1"))
    sc.check("second_session_alive_after_bad_input", await second.ping("p2"))

    sc.step("alice terminates; the session is gone")
    answer, _, _ = await alice.send(f"<presence xmlns='{CLIENT_NS}' type='unavailable'/>", attributes=" type='terminate'")
    sc.check("terminate_answered", terminal(answer)[0], ET.tostring(answer).decode())
    answer, _, _ = await alice.send()
    sc.check("terminated_sid_unknown", terminal(answer) == (True, "item-not-found"), ET.tostring(answer).decode())
    await second.send(attributes=" type='terminate'")
    await bob.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    p.add_argument("--http-port", type=int, required=True, help="the port of xmpp-c2s's HTTP listener")
    p.add_argument("--max-stanza", type=int, default=16384, help="the server's max-stanza")
    p.add_argument("--max-wait", type=int, default=60, help="the server's bosh-max-wait")
    p.add_argument("--scheme", choices=["http", "https"], default="http", help="https: the listener serves TLS")
    common.run("bosh_xep0206", p, body)
