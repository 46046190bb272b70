"""Shared helpers for the XMPP interop scenarios (slixmpp clients against a live server).

Every scenario script:
  * takes --host/--port/--domain, --tls starttls|none, --mechanism, --timeout, --verbose;
  * runs its checks inside one hard overall timeout;
  * prints exactly one JSON line on stdout:
      {"scenario": NAME, "ok": BOOL, "checks": {CHECK: BOOL, ...}, "failed": [CHECK, ...],
       "info": {...}, "error": STRING-or-null}
  * prints what failed on stderr, and exits 0 only when every check passed
    (1: a check failed, 2: timeout or unexpected error, 3: bad usage).

Nothing here checks certificates: the servers under test use self-signed ones.
"""

import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
import time
import traceback
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import slixmpp
from slixmpp.plugins.xep_0004 import Form
from slixmpp.stanza import StreamFeatures
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath, StanzaPath

CLIENT_NS = "jabber:client"
ROSTER_NS = "jabber:iq:roster"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"
PUBSUB_NS = "http://jabber.org/protocol/pubsub"
DELAY_NS = "urn:xmpp:delay"
DISCO_INFO_NS = "http://jabber.org/protocol/disco#info"
FORWARD_NS = "urn:xmpp:forward:0"

STEP_TIMEOUT = 5.0  # seconds to wait for one expected stanza
QUIET_PERIOD = 1.5  # seconds to wait before concluding that something did NOT arrive


async def wait_until(records, start, pred, new, timeout=STEP_TIMEOUT):
    """First item of records[start:] for which pred holds, waiting up to `timeout` seconds
    for more; `new` is an asyncio.Event set whenever an item is appended. None on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for item in records[start:]:
            if pred(item):
                return item
        start = len(records)
        remaining = deadline - loop.time()
        if remaining <= 0:
            return None
        new.clear()
        try:
            await asyncio.wait_for(new.wait(), remaining)
        except asyncio.TimeoutError:
            pass


def nonce():
    return uuid.uuid4().hex[:12]


# --------------------------------------------------------------------------- arguments

def base_parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--domain", default="localhost")
    p.add_argument("--tls", choices=["starttls", "direct", "none"], default="starttls",
                   help="starttls: require STARTTLS (certificate not checked); direct: TLS from the first "
                        "byte (XEP-0368, a direct TLS port); none: plaintext stream")
    p.add_argument("--mechanism", default=None,
                   help="force this SASL mechanism (e.g. SCRAM-SHA-256, PLAIN); default: slixmpp's choice")
    p.add_argument("--timeout", type=float, default=20.0, help="hard overall timeout in seconds")
    p.add_argument("--verbose", action="store_true", help="slixmpp debug log (XML trace) on stderr")
    return p


def add_user_args(p, who, default_user, default_password):
    p.add_argument(f"--{who}-user", default=default_user, help=f"local part of {who}'s JID")
    p.add_argument(f"--{who}-password", default=default_password)


def two_user_parser(description):
    """base_parser with the two accounts of the two-user scenarios: alice/alicepass, bob/bobpass."""
    p = base_parser(description)
    add_user_args(p, "alice", "alice", "alicepass")
    add_user_args(p, "bob", "bob", "bobpass")
    return p


# --------------------------------------------------------------------------- results

class Scenario:
    """Collects checks and info; owns the clients so that they can be torn down."""

    def __init__(self, name, args):
        self.name = name
        self.args = args
        self.checks = {}
        self.details = {}
        self.info = {}
        self.error = None
        self.current_step = "start"
        self.clients = []

    def step(self, text):
        self.current_step = text
        logging.getLogger("scenario").info("step: %s", text)

    def check(self, name, ok, detail=None):
        """Record one check. A name checked twice must pass both times."""
        ok = bool(ok)
        if name in self.checks:
            ok = ok and self.checks[name]
        self.checks[name] = ok
        if not ok and detail is not None:
            self.details[name] = detail
        return ok

    def require(self, name, ok, detail=None):
        """Like check, but stop the scenario when it fails (later checks would be meaningless)."""
        if not self.check(name, ok, detail):
            raise StopScenario(name)
        return True

    def client(self, user, password, resource=None, **kw):
        c = Client(self, user, password, resource=resource, **kw)
        self.clients.append(c)
        return c

    @property
    def ok(self):
        return self.error is None and bool(self.checks) and all(self.checks.values())

    def result(self):
        return {
            "scenario": self.name,
            "ok": self.ok,
            "checks": self.checks,
            "failed": [k for k, v in self.checks.items() if not v],
            "info": self.info,
            "error": self.error,
        }


class StopScenario(Exception):
    pass


def run(name, parser, body, validate=None):
    """Parse arguments, run `await body(scenario)` under the hard timeout, report, exit.
    validate(args) may return an error text for a usage error (exit 2, like argparse)."""
    args = parser.parse_args()
    if validate is not None:
        problem = validate(args)
        if problem:
            parser.error(problem)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if args.verbose else logging.CRITICAL,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    sc = Scenario(name, args)
    started = time.monotonic()

    async def main():
        try:
            await asyncio.wait_for(body(sc), timeout=args.timeout)
        except asyncio.TimeoutError:
            sc.error = f"timed out after {args.timeout:g} s during step: {sc.current_step}"
        except StopScenario as e:
            pass  # the failing check is already recorded
        except Exception as e:  # noqa: BLE001 - any crash is a failed scenario, with its trace
            sc.error = f"{type(e).__name__}: {e} (during step: {sc.current_step})"
            if args.verbose:
                traceback.print_exc()
        finally:
            for c in sc.clients:
                c.hard_close()
            await asyncio.sleep(0)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(main())
    finally:
        try:
            loop.run_until_complete(asyncio.sleep(0.05))
        except Exception:  # noqa: BLE001
            pass
    sc.info["elapsed_s"] = round(time.monotonic() - started, 2)
    print(json.dumps(sc.result(), sort_keys=False, default=str), flush=True)
    if sc.error:
        print(f"{name}: ERROR {sc.error}", file=sys.stderr)
    for k, v in sc.checks.items():
        if not v:
            d = sc.details.get(k)
            print(f"{name}: FAIL {k}" + (f": {d}" if d is not None else ""), file=sys.stderr)
    if not sc.ok and not args.verbose:
        print(f"{name}: rerun with --verbose for slixmpp's XML trace", file=sys.stderr)
    if sc.error:
        sys.exit(2)
    sys.exit(0 if sc.ok else 1)


# --------------------------------------------------------------------------- XML helpers

def serialize(el, parent_ns=None):
    """Deterministic serialization of an ElementTree element: a default xmlns is written
    wherever the namespace changes, attributes are sorted, text is escaped. Two trees with
    the same names, namespaces, attributes, text and child order serialize identically."""
    tag = el.tag
    ns, local = (tag[1:].split("}", 1) if tag.startswith("{") else ("", tag))
    parts = [f"<{local}"]
    if ns != parent_ns:
        parts.append(f" xmlns='{_esc(ns, True)}'")
    for k in sorted(el.attrib):
        v = el.attrib[k]
        if k.startswith("{"):
            kns, kl = k[1:].split("}", 1)
            if kns == "http://www.w3.org/XML/1998/namespace":
                parts.append(f" xml:{kl}='{_esc(v, True)}'")
            else:
                parts.append(f" {{{kns}}}{kl}='{_esc(v, True)}'")
        else:
            parts.append(f" {k}='{_esc(v, True)}'")
    children = list(el)
    if not children and not el.text:
        parts.append("/>")
    else:
        parts.append(">")
        if el.text:
            parts.append(_esc(el.text))
        for ch in children:
            parts.append(serialize(ch, ns))
            if ch.tail:
                parts.append(_esc(ch.tail))
        parts.append(f"</{local}>")
    return "".join(parts)


def _esc(s, attr=False):
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attr:
        s = s.replace("'", "&apos;").replace('"', "&quot;")
    return s


def parse_roster(iq_xml):
    """{bare-jid: {"name", "subscription", "ask", "groups"}} from a roster result or push."""
    items = {}
    q = iq_xml.find(f"{{{ROSTER_NS}}}query")
    if q is None:
        return items
    for it in q.findall(f"{{{ROSTER_NS}}}item"):
        items[it.get("jid")] = {
            "name": it.get("name"),
            "subscription": it.get("subscription", "none"),
            "ask": it.get("ask"),
            "groups": sorted((g.text or "") for g in it.findall(f"{{{ROSTER_NS}}}group")),
        }
    return items


def bare(jid):
    return (jid or "").split("/", 1)[0]


def resource_of(jid):
    return jid.split("/", 1)[1] if jid and "/" in jid else ""


def parse_stamp(s):
    """XEP-0082 DateTime (e.g. 2024-01-02T03:04:05Z, with optional fraction/offset) -> aware datetime."""
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        raise ValueError("no time zone")
    return dt


def now_utc():
    return datetime.now(timezone.utc)


def stanza_error(xml):
    """Condition name of a stanza error child, or None."""
    err = xml.find(f"{{{CLIENT_NS}}}error")
    if err is None:
        return None
    for ch in err:
        if ch.tag.startswith(f"{{{STANZAS_NS}}}") and not ch.tag.endswith("}text"):
            return ch.tag.split("}", 1)[1]
    return "unknown"


def stanza_error_type(xml):
    """The type attribute of a stanza error (cancel, modify, …), or None."""
    err = xml.find(f"{{{CLIENT_NS}}}error") if xml is not None else None
    return err.get("type") if err is not None else None


def stanza_error_text(xml):
    """The text of a stanza error, or "" when there is none."""
    text = xml.find(f".//{{{STANZAS_NS}}}text") if xml is not None else None
    return text.text or "" if text is not None else ""


# --------------------------------------------------------------------------- client

class Client(slixmpp.ClientXMPP):
    """A slixmpp client that records every message, presence and roster push it receives,
    never answers subscription requests by itself, and reports how its login went."""

    def __init__(self, sc, user, password, resource=None, plugins=(), on_register=None):
        args = sc.args
        jid = f"{user}@{args.domain}" + (f"/{resource}" if resource else "")
        super().__init__(jid, password, sasl_mech=args.mechanism or None)
        self.sc = sc
        self.label = f"{user}/{resource or '?'}"
        # Connection: STARTTLS required, TLS from the first byte (XEP-0368), or plaintext only.
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # self-signed server certificates
        self.ssl_context = ctx
        self.enable_direct_tls = args.tls == "direct"
        fm = self.plugin["feature_mechanisms"]
        if args.tls == "direct":
            self.enable_starttls = False
            self.enable_plaintext = False
        elif args.tls == "starttls":
            self.enable_starttls = True
            self.enable_plaintext = False
        else:
            self.enable_starttls = False
            self.enable_plaintext = True
            fm.unencrypted_plain = True
            fm.unencrypted_scram = True
        self.use_ipv6 = False
        # Subscriptions are answered by the scenario only.
        self.auto_authorize = None
        self.auto_subscribe = False
        for p in plugins:
            self.register_plugin(p)
        # Recording.
        self.received = {"message": [], "presence": [], "roster_push": []}
        self.features_seen = []  # one entry per <stream:features/>
        self.auth_failures = []
        self._new = asyncio.Event()
        self._login = None
        self.register_handler(Callback("rec-message", MatchXPath(f"{{{CLIENT_NS}}}message"),
                                       lambda s: self._record("message", s)))
        self.register_handler(Callback("rec-presence", MatchXPath(f"{{{CLIENT_NS}}}presence"),
                                       lambda s: self._record("presence", s)))
        self.register_handler(Callback("rec-roster-push", StanzaPath("iq@type=set/roster"),
                                       lambda s: self._record("roster_push", s)))
        self.add_filter("in", self._features_filter)
        self.add_event_handler("session_start", lambda e: self._login_done("ok"))
        self.add_event_handler("failed_auth", lambda s: self.auth_failures.append(s["condition"]))
        self.add_event_handler("failed_all_auth", lambda e: self._login_done(
            "auth_failed" if self.auth_failures else f"no_acceptable_mechanism (offered: {self.offered_mechanisms})"))
        self.add_event_handler("no_auth", lambda e: self._login_done("no_acceptable_mechanism"))
        self.add_event_handler("connection_failed", lambda e: self._login_done(f"connection_failed: {e}"))
        self.add_event_handler("stream_error", lambda e: self._login_done(f"stream_error: {e['condition']}"))
        self.add_event_handler("disconnected", lambda e: self._login_done(f"disconnected: {e}"))
        if on_register is not None:
            self.add_event_handler("register", on_register)

    # -- recording
    def _record(self, kind, stanza):
        self.received[kind].append(stanza)
        self._new.set()

    def _features_filter(self, stanza):
        if isinstance(stanza, StreamFeatures):
            names = [ch.tag for ch in stanza.xml]
            mechs = [m.text for m in stanza.xml.iter(f"{{{SASL_NS}}}mechanism")]
            self.features_seen.append({"features": names, "mechanisms": mechs})
        return stanza

    def mark(self):
        return {k: len(v) for k, v in self.received.items()}

    async def wait_for(self, kind, pred, timeout=STEP_TIMEOUT, since=None):
        """First recorded stanza of `kind` (after mark `since`) for which pred(xml) holds, or None."""
        start = (since or {}).get(kind, 0)
        st = await wait_until(self.received[kind], start, lambda st: pred(st.xml), self._new, timeout)
        return st.xml if st is not None else None

    def matching(self, kind, pred, since=None):
        start = (since or {}).get(kind, 0)
        return [st.xml for st in self.received[kind][start:] if pred(st.xml)]

    def record_iq_sets(self, child_ns):
        """Also record, under "push", every iq type=set whose child is in namespace child_ns
        (server pushes such as XEP-0191's blocklist pushes)."""
        self.received.setdefault("push", [])
        self.register_handler(Callback(f"rec-push-{child_ns}", _XMLMatcher(
            lambda x: x.tag == f"{{{CLIENT_NS}}}iq" and x.get("type") == "set"
            and any(ch.tag.startswith(f"{{{child_ns}}}") for ch in x)),
            lambda s: self._record("push", s)))

    # -- login
    def _login_done(self, outcome):
        if self._login is not None and not self._login.done():
            self._login.set_result(outcome)

    async def login(self, timeout=10.0):
        """Connect, STARTTLS (if asked), SASL, bind. Returns "ok" or a failure description."""
        self._login = asyncio.get_running_loop().create_future()
        self.connect(self.sc.args.host, self.sc.args.port)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(self._login), timeout)
        except asyncio.TimeoutError:
            outcome = "login timed out"
        if outcome != "ok":
            self.cancel_connection_attempt()
            self.hard_close()
        return outcome

    async def login_or_fail(self, check_name=None, timeout=10.0):
        outcome = await self.login(timeout)
        name = check_name or f"login_{self.label}"
        self.sc.require(name, outcome == "ok", f"{self.label}: {outcome}"
                        + (f" (SASL failures: {self.auth_failures})" if self.auth_failures else ""))
        return self

    @property
    def mechanism_used(self):
        mech = self.plugin["feature_mechanisms"].mech
        return mech.name if mech is not None else None

    @property
    def offered_mechanisms(self):
        for f in reversed(self.features_seen):
            if f["mechanisms"]:
                return f["mechanisms"]
        return []

    @property
    def encrypted(self):
        return isinstance(self.socket, (ssl.SSLObject, ssl.SSLSocket))

    @property
    def tls_version(self):
        return self.socket.version() if self.encrypted else None

    @property
    def full_jid(self):
        return str(self.boundjid.full)

    @property
    def bare_jid(self):
        return str(self.boundjid.bare)

    # -- teardown
    async def logout(self, wait=2.0):
        """Graceful: </stream:stream>, wait for the server's close."""
        if self.transport is None:
            return
        try:
            await asyncio.wait_for(self.disconnect(wait=wait), wait + 1)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001
            self.hard_close()

    def hard_close(self, rst=False):
        """Close the TCP connection without </stream:stream> (and without TLS close_notify)."""
        self.cancel_connection_attempt()
        t = self.transport
        if t is None:
            return
        if rst:
            sock = t.get_extra_info("socket")
            if sock is not None:
                import socket as _s
                import struct
                try:
                    sock.setsockopt(_s.SOL_SOCKET, _s.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass
        t.abort()

    # -- IQ helpers (raw XML, so that what is checked is what the server sent)
    async def iq(self, itype, payload=None, to=None, timeout=STEP_TIMEOUT):
        """Send an IQ; return (type, xml) where type is 'result', 'error' or 'timeout'."""
        iq = self.Iq()
        iq["type"] = itype
        if to:
            iq["to"] = to
        if payload is not None:
            iq.set_payload(payload)
        try:
            resp = await iq.send(timeout=timeout)
            return "result", resp.xml
        except slixmpp.exceptions.IqError as e:
            return "error", e.iq.xml
        except slixmpp.exceptions.IqTimeout:
            return "timeout", None

    async def iq_raw(self, itype, payload=None, to=None, timeout=STEP_TIMEOUT):
        """Like iq(), but the answer is matched on the raw XML, not by slixmpp's IQ machinery,
        which cannot build an error whose condition is not one of RFC 6120's (it raises, and the
        IQ looks unanswered). Returns (type, xml): 'result', 'error' or 'timeout'."""
        iq = self.Iq()
        iq["type"] = itype
        iq["id"] = iid = "raw-" + nonce()
        if to:
            iq["to"] = to
        if payload is not None:
            iq.set_payload(payload)
        answer = asyncio.get_running_loop().create_future()
        name = f"raw-iq-{iid}"
        self.register_handler(Callback(name, _XMLMatcher(
            lambda x: x.tag == f"{{{CLIENT_NS}}}iq" and x.get("id") == iid and x.get("type") in ("result", "error")),
            lambda st: answer.done() or answer.set_result(st.xml)))
        self.send(iq)
        try:
            xml = await asyncio.wait_for(answer, timeout)
            return xml.get("type"), xml
        except asyncio.TimeoutError:
            return "timeout", None
        finally:
            self.remove_handler(name)

    async def roster_get(self):
        t, xml = await self.iq("get", ET.Element(f"{{{ROSTER_NS}}}query"))
        if t != "result":
            raise StopScenarioWith(self.sc, f"roster_get_{self.label}", f"roster get returned {t}")
        return parse_roster(xml)

    async def roster_set(self, jid, name=None, groups=(), remove=False):
        q = ET.Element(f"{{{ROSTER_NS}}}query")
        item = ET.SubElement(q, f"{{{ROSTER_NS}}}item", {"jid": jid})
        if remove:
            item.set("subscription", "remove")
        else:
            if name is not None:
                item.set("name", name)
            for g in groups:
                ET.SubElement(item, f"{{{ROSTER_NS}}}group").text = g
        return await self.iq("set", q)

    def presence(self, ptype=None, to=None, status=None, show=None, priority=None):
        p = self.Presence()
        if ptype:
            p["type"] = ptype
        if to:
            p["to"] = to
        if status is not None:
            p["status"] = status
        if show is not None:
            p["show"] = show
        if priority is not None:
            p["priority"] = priority
        p.send()

    def send_chat(self, to, text, extra=(), mtype="chat"):
        """A message with a body (and the given extra child elements) to `to`; returns its id
        (an error reply carries the id, not necessarily the body)."""
        m = self.Message()
        m["id"] = mid = "m-" + nonce()
        m["to"] = to
        m["type"] = mtype
        m["body"] = text
        for el in extra:
            m.append(el)
        m.send()
        return mid

    async def disco_features(self, to):
        """(iq type, set of the features) of a disco#info query to `to`."""
        t, x = await self.iq("get", ET.Element(f"{{{DISCO_INFO_NS}}}query"), to=to)
        feats = {f.get("var") for f in x.iter(f"{{{DISCO_INFO_NS}}}feature")} if t == "result" else set()
        return t, feats

    async def barrier(self):
        """Round trip on this stream: the server has processed everything sent before."""
        await self.iq("get", ET.Element(f"{{{ROSTER_NS}}}query"))


class _XMLMatcher:
    """A slixmpp matcher from a predicate on the stanza's XML."""

    def __init__(self, pred):
        self.pred = pred

    def match(self, stanza):
        return self.pred(stanza.xml)


def StopScenarioWith(sc, name, detail):
    sc.check(name, False, detail)
    return StopScenario(name)


# --------------------------------------------------------------------------- predicates

def is_presence(ptype=None, frm=None, from_bare=None):
    """ptype None = available (no type attribute)."""
    def pred(x):
        if x.get("type") != ptype:
            return False
        if frm is not None and x.get("from") != frm:
            return False
        if from_bare is not None and bare(x.get("from")) != from_bare:
            return False
        return True
    return pred


def presence_status(x):
    st = x.find(f"{{{CLIENT_NS}}}status")
    return st.text if st is not None else None


def presence_show(x):
    st = x.find(f"{{{CLIENT_NS}}}show")
    return st.text if st is not None else None


def message_body(x):
    b = x.find(f"{{{CLIENT_NS}}}body")
    return b.text if b is not None else None


def body_contains(token):
    return lambda x: (message_body(x) or "").find(token) >= 0 and x.get("type") != "error"


def roster_push_for(jid, pred=None):
    def p(x):
        items = parse_roster(x)
        return jid in items and (pred is None or pred(items[jid]))
    return p


# --------------------------------------------------------------------------- shared flows

async def ensure_mutual_subscription(sc, a, b):
    """Make a and b (logged in, initial presence sent, roster requested) subscribed both ways,
    checking every step of RFC 6121 §3.1. Returns nothing; records checks prefixed 'sub_'."""
    ajid, bjid = a.bare_jid, b.bare_jid

    # a -> subscribe b
    m_a, m_b = a.mark(), b.mark()
    a.presence("subscribe", to=bjid)
    push = await a.wait_for("roster_push", roster_push_for(bjid), since=m_a)
    sc.check("sub_a_push_pending_out", push is not None and parse_roster(push)[bjid]["ask"] == "subscribe"
             and parse_roster(push)[bjid]["subscription"] in ("none", "from"),
             f"push: {parse_roster(push).get(bjid) if push is not None else None}")
    req = await b.wait_for("presence", is_presence("subscribe", from_bare=ajid), since=m_b)
    sc.require("sub_b_receives_subscribe", req is not None, "no presence type=subscribe reached b")
    sc.check("sub_subscribe_from_is_bare", req.get("from") == ajid, f"from={req.get('from')}")

    # b approves
    m_a, m_b = a.mark(), b.mark()
    b.presence("subscribed", to=ajid)
    pb = await b.wait_for("roster_push", roster_push_for(ajid, lambda i: i["subscription"] in ("from", "both")), since=m_b)
    sc.check("sub_b_push_from", pb is not None, "b got no roster push with subscription=from")
    pa = await a.wait_for("roster_push", roster_push_for(bjid, lambda i: i["subscription"] in ("to", "both")), since=m_a)
    sc.check("sub_a_push_to", pa is not None and parse_roster(pa)[bjid]["ask"] is None,
             f"a's push: {parse_roster(pa).get(bjid) if pa is not None else None}")
    ack = await a.wait_for("presence", is_presence("subscribed", from_bare=bjid), since=m_a)
    sc.check("sub_a_receives_subscribed", ack is not None, "no presence type=subscribed reached a")
    avail = await a.wait_for("presence", is_presence(None, frm=b.full_jid), since=m_a)
    sc.check("sub_a_receives_b_presence_after_approval", avail is not None,
             "a did not get b's available presence after b approved (RFC 6121 §3.1.5)")

    # b -> subscribe a
    m_a, m_b = a.mark(), b.mark()
    b.presence("subscribe", to=ajid)
    push = await b.wait_for("roster_push", roster_push_for(ajid, lambda i: i["ask"] == "subscribe"), since=m_b)
    sc.check("sub_b_push_pending_out", push is not None and parse_roster(push)[ajid]["subscription"] == "from",
             f"push: {parse_roster(push).get(ajid) if push is not None else None}")
    req = await a.wait_for("presence", is_presence("subscribe", from_bare=bjid), since=m_a)
    sc.require("sub_a_receives_subscribe", req is not None, "no presence type=subscribe reached a")

    # a approves
    m_a, m_b = a.mark(), b.mark()
    a.presence("subscribed", to=bjid)
    pa = await a.wait_for("roster_push", roster_push_for(bjid, lambda i: i["subscription"] == "both"), since=m_a)
    sc.check("sub_a_push_both", pa is not None, "a got no roster push with subscription=both")
    pb = await b.wait_for("roster_push", roster_push_for(ajid, lambda i: i["subscription"] == "both"), since=m_b)
    sc.check("sub_b_push_both", pb is not None and parse_roster(pb)[ajid]["ask"] is None,
             f"b's push: {parse_roster(pb).get(ajid) if pb is not None else None}")
    ack = await b.wait_for("presence", is_presence("subscribed", from_bare=ajid), since=m_b)
    sc.check("sub_b_receives_subscribed", ack is not None, "no presence type=subscribed reached b")
    avail = await b.wait_for("presence", is_presence(None, frm=a.full_jid), since=m_b)
    sc.check("sub_b_receives_a_presence_after_approval", avail is not None,
             "b did not get a's available presence after a approved")


async def make_contacts(sc, a, b):
    """a and b (logged in) subscribed to each other's presence: checked on both rosters, and
    performed (ensure_mutual_subscription, from a clean slate) unless it already holds; info
    `subscription_setup` says which."""
    ra, rb = await a.roster_get(), await b.roster_get()
    both = (ra.get(b.bare_jid, {}).get("subscription") == "both" and rb.get(a.bare_jid, {}).get("subscription") == "both")
    sc.info["subscription_setup"] = "already" if both else "performed"
    if not both:
        sc.step("setup: subscription handshake")
        for c in (a, b):
            c.presence()
            await c.barrier()
        await remove_each_other(sc, a, b)
        await ensure_mutual_subscription(sc, a, b)


async def remove_each_other(sc, a, b):
    """Remove a<->b roster items on both sides (idempotent), waiting for the removal pushes."""
    for x, y in ((a, b), (b, a)):
        roster = await x.roster_get()
        if y.bare_jid in roster:
            m = x.mark()
            t, _ = await x.roster_set(y.bare_jid, remove=True)
            sc.require(f"reset_remove_{x.label}", t == "result", f"roster remove returned {t}")
            await x.wait_for("roster_push", roster_push_for(y.bare_jid, lambda i: i["subscription"] == "remove"),
                             since=m)
    await asyncio.sleep(0.3)
    ra, rb = await a.roster_get(), await b.roster_get()
    sc.require("reset_rosters_clean", b.bare_jid not in ra and a.bare_jid not in rb,
               f"a: {ra.get(b.bare_jid)}, b: {rb.get(a.bare_jid)}")


# --------------------------------------------------------------------------- pubsub / PEP

def publish_options(**fields):
    """An XEP-0060 §7.1.5 publish-options form: pubsub#NAME=value for each field."""
    form = Form()
    form["type"] = "submit"
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
    for name, value in fields.items():
        form.add_field(var=f"pubsub#{name}", value=value)
    return form.xml


def pubsub_publish(node, item_id, payload, options=None):
    """<pubsub><publish node><item id>payload</item></publish>[<publish-options>]</pubsub>."""
    pubsub = ET.Element(f"{{{PUBSUB_NS}}}pubsub")
    publish = ET.SubElement(pubsub, f"{{{PUBSUB_NS}}}publish", {"node": node})
    ET.SubElement(publish, f"{{{PUBSUB_NS}}}item", {"id": item_id}).append(payload)
    if options is not None:
        ET.SubElement(pubsub, f"{{{PUBSUB_NS}}}publish-options").append(options)
    return pubsub
