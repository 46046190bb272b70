#!/usr/bin/env python3
"""Hostile remote servers against server A's s2s port (written for `--a parley`).

A raw asyncio + ssl "server" plays evil.test (FED_EVIL_DOMAIN, FED_EVIL_IP = 127.0.0.4, in the
harness's hosts file): it connects to A's s2s port (FED_A_S2S_HOST:FED_A_S2S_PORT) from
127.0.0.4 as the originating server, and listens on 127.0.0.4:5269 as evil.test's
authoritative server (A connects back there for XEP-0220 db:verify, and for anything
alice@A sends to evil.test). alice@A and bob@B (Prosody, the honest neighbour) are logged in
throughout; what each case must not deliver is checked on them at the end.

Cases (`--cases`, comma-separated; default `auto`: every case except g when
require-valid-certificate is not set, only g (and the honest chat) when it is):
  out  alice@A -> user@evil.test while evil.test accepts TCP and never answers: alice gets an
       error bounce `remote-server-timeout` after about negotiation-timeout (time recorded);
  d    never negotiates: d1 TCP only, nothing sent; d2 header, STARTTLS, TLS, new header, then
       nothing; d3 dialback asked while the authority never answers db:verify; each ends with
       `<connection-timeout/>` after about negotiation-timeout;
  a    a stanza before authenticating: a1 after TLS, a2 before TLS -> a stream error
       (invalid-from or not-authorized), the connection closed, nothing delivered to alice;
  c    dialback with a key the authority calls invalid (db:verify type='invalid') ->
       db:result type='invalid', then `<not-authorized/>`, closed;
  h    evil.test claims to be b.test (stream from='b.test', db:result for b.test): A asks
       b.test's real server (Prosody) -> not valid, stream ends;
  b    evil.test authenticated by dialback (the authority answers db:verify valid): a message
       from x@evil.test reaches alice; then one from x@b.test to alice -> `<invalid-from/>`,
       closed, alice never gets it; b2: from x@b.test to bob@b.test -> invalid-from, bob never
       gets it;
  f    f1: a stanza over max-stanza after authentication; f2: non-XML after TLS; f3: an
       oversized element before authentication -> policy-violation or not-well-formed, closed;
  e    flood: authenticated evil.test writes 5000 messages at once (max-stanzas-per-second set
       low by the harness) -> `<policy-violation/>`, closed; bob@B <-> alice@A chat through
       Prosody works during and after it; then for --flood-seconds evil.test authenticates
       and floods again and again on new streams while bob and alice keep chatting: every
       flood stream is cut with policy-violation, no chat round trip fails (times in info);
  g    (run with --parley-s2s-option require-valid-certificate=true, --mode external) evil's
       incoming stream presents a self-signed certificate: g1 SASL EXTERNAL not offered and
       refused; g2 dialback with a self-signed authority refused; g3 dialback with a
       CA-signed authority (the incoming stream still self-signed) refused too (the option:
       "no dialback over an unauthenticated TLS channel"); Prosody B (CA-signed) still
       federates (bob <-> alice chat).
Always: honest bob <-> alice chat before the cases and at the end.

Each case's info holds what was sent, the exact stream error / outcome observed (condition,
text, seconds) and A's log lines about evil.test (from FED_DIR/a.log when A is parley).
"""
import asyncio
import base64
import os
import re
import ssl
import time
import xml.etree.ElementTree as ET

import fed_common
from fed_common import common
from common import message_body

NS_STREAM = "http://etherx.jabber.org/streams"
NS_STREAM_ERR = "urn:ietf:params:xml:ns:xmpp-streams"
NS_DB = "jabber:server:dialback"
NS_DB_FEATURE = "urn:xmpp:features:dialback"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"

ALL_CASES = ["out", "d", "a", "c", "h", "b", "f", "e"]


def header(frm, to, sid=None):
    return ("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
            f"xmlns:stream='{NS_STREAM}' xmlns:db='{NS_DB}' from='{frm}' to='{to}' version='1.0'"
            + (f" id='{sid}'" if sid else "") + ">")


def local(tag):
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def ns(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def show(el, limit=300):
    text = ET.tostring(el, encoding="unicode")
    return text if len(text) <= limit else text[:limit] + f"…({len(text)} chars)"


class XMLReader:
    """The events of one XMPP stream (a new reader after each restart)."""

    def __init__(self):
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.root = None

    def feed(self, data):
        self.parser.feed(data)
        out = []
        for ev, el in self.parser.read_events():
            if ev == "start":
                self.depth += 1
                if self.depth == 1:
                    self.root = el
                    out.append(("header", dict(el.attrib)))
            else:
                self.depth -= 1
                if self.depth == 1:
                    out.append(("element", el))
                    try:
                        self.root.remove(el)
                    except ValueError:
                        pass
                elif self.depth == 0:
                    out.append(("end",))
        return out


class Peer:
    """One TCP connection speaking raw XMPP, either side."""

    def __init__(self, reader, writer, label):
        self.r, self.w, self.label = reader, writer, label
        self.xml = XMLReader()
        self.events = []
        self.eof = False
        self.eof_reason = None
        self.opened = time.monotonic()
        self.closed_at = None
        self.received = 0
        self.tail = b""
        self.sent = []

    def send(self, text):
        data = text.encode() if isinstance(text, str) else text
        self.sent.append(data[:300].decode(errors="replace") + (f"…({len(data)} bytes)" if len(data) > 300 else ""))
        try:
            self.w.write(data)
        except Exception as e:  # noqa: BLE001
            self.eof, self.eof_reason = True, f"write failed: {e}"

    async def drain(self):
        try:
            await self.w.drain()
        except Exception as e:  # noqa: BLE001
            self.eof, self.eof_reason = True, f"drain failed: {e}"

    def restart(self):
        self.xml = XMLReader()

    async def next(self, timeout):
        """The next event: ("header", attrs), ("element", el), ("end",), ("parse-error", text),
        ("eof", reason); None when nothing came within `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.events:
            if self.eof:
                return ("eof", self.eof_reason)
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                data = await asyncio.wait_for(self.r.read(65536), remaining)
            except asyncio.TimeoutError:
                return None
            except (ConnectionError, ssl.SSLError, OSError) as e:
                data, self.eof_reason = b"", f"{type(e).__name__}: {e}"
            if not data:
                self.eof = True
                self.closed_at = time.monotonic()
                self.eof_reason = self.eof_reason or "EOF"
                continue
            self.received += len(data)
            self.tail = (self.tail + data)[-1500:]
            try:
                self.events += self.xml.feed(data)
            except ET.ParseError as e:
                self.events.append(("parse-error", str(e)))
        return self.events.pop(0)

    async def expect(self, pred, timeout=common.STEP_TIMEOUT):
        """Events until one matches pred (returned) or the stream ends / times out (None);
        self.skipped keeps what went by."""
        self.skipped = []
        while True:
            ev = await self.next(timeout)
            if ev is None or ev[0] in ("eof", "parse-error"):
                if ev is not None:
                    self.events.insert(0, ev)
                return None
            if pred(ev):
                return ev
            self.skipped.append(ev)
            if ev[0] == "element" and local(ev[1].tag) == "error" and ns(ev[1].tag) == NS_STREAM:
                self.events.insert(0, ev)
                return None

    async def outcome(self, timeout):
        """Waits for the stream's end: {"error": condition or None, "text", "closed", "after_s",
        "seen": [what else came]}; after_s counts from when the connection was opened."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        res = {"error": None, "text": None, "closing_tag": False, "closed": False, "seen": []}
        while True:
            ev = await self.next(max(0.0, deadline - loop.time()))
            if ev is None:
                break
            if ev[0] == "element" and local(ev[1].tag) == "error" and ns(ev[1].tag) == NS_STREAM:
                for ch in ev[1]:
                    if ns(ch.tag) == NS_STREAM_ERR and local(ch.tag) != "text":
                        res["error"] = res["error"] or local(ch.tag)
                    elif local(ch.tag) == "text":
                        res["text"] = ch.text
                res["error_at_s"] = round(time.monotonic() - self.opened, 3)
            elif ev[0] == "end":
                res["closing_tag"] = True
            elif ev[0] == "eof":
                res["closed"] = True
                res["eof"] = ev[1]
                res["after_s"] = round((self.closed_at or time.monotonic()) - self.opened, 3)
                break
            elif ev[0] == "parse-error":
                res["seen"].append(f"parse-error: {ev[1]}")
            else:
                res["seen"].append(show(ev[1]) if ev[0] == "element" else ev[0])
        if not res["closed"]:
            res["waited_s"] = round(time.monotonic() - self.opened, 3)
        return res

    def close(self):
        try:
            self.w.close()
        except Exception:  # noqa: BLE001
            pass


def tls_context(server, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    if not server:
        ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(cert, key)
    return ctx


# --------------------------------------------------------------------------- evil.test's authority

class Authority:
    """evil.test's listener on FED_EVIL_IP:5269, where A connects as the originating server:
    STARTTLS (required), dialback offered; A's own db:result is answered valid, its
    db:verify as `verify` says ("valid", "invalid", or "none": never); `silent`: accept TCP
    and never write anything. `cert`: "self" (self-signed) or "ca" (signed by the test CA)."""

    def __init__(self, sc, domain, ip, certs):
        self.sc, self.domain, self.ip, self.certs = sc, domain, ip, certs
        self.verify = "valid"
        self.silent = False
        self.cert = "self"
        self.connections = []
        self.log = []  # (t, text)
        self.verify_requests = []
        self.stanzas = []
        self.malformed = []  # what A wrote that is not a well-formed stream (after TLS)
        self.t0 = time.monotonic()

    def note(self, text):
        self.log.append(f"{time.monotonic() - self.t0:.3f} {text}")

    async def start(self, port=5269):
        self.server = await asyncio.start_server(self.handle, self.ip, port)

    def drop_all(self):
        for p in self.connections:
            p.close()
        self.connections = []

    async def handle(self, reader, writer):
        peer = Peer(reader, writer, "authority")
        self.connections.append(peer)
        peername = writer.get_extra_info("peername")
        self.note(f"connection from {peername} (silent={self.silent}, verify={self.verify}, cert={self.cert})")
        try:
            if self.silent:
                while not peer.eof:
                    ev = await peer.next(600)
                    if ev and ev[0] == "header":
                        self.note(f"silent: got a header {ev[1]}")
                self.note(f"silent: closed by A after {time.monotonic() - peer.opened:.3f} s; got {peer.tail[-200:]!r}")
                return
            await self.serve(peer)
        except Exception as e:  # noqa: BLE001
            self.note(f"authority error: {type(e).__name__}: {e}")
        finally:
            peer.close()

    async def serve(self, peer):
        ev = await peer.expect(lambda e: e[0] == "header", 10)
        if ev is None:
            self.note("no header from A")
            return
        remote = ev[1].get("from", "a.test")
        peer.send(header(self.domain, remote, common.nonce())
                  + f"<stream:features><starttls xmlns='{NS_TLS}'><required/></starttls></stream:features>")
        ev = await peer.expect(lambda e: e[0] == "element", 10)
        if ev is None or local(ev[1].tag) != "starttls":
            self.note(f"expected starttls, got {ev and show(ev[1])}")
            return
        peer.send(f"<proceed xmlns='{NS_TLS}'/>")
        await peer.drain()
        cert, key = self.certs[self.cert]
        try:
            await peer.w.start_tls(tls_context(True, cert, key))
        except Exception as e:  # noqa: BLE001
            self.note(f"TLS handshake with A failed: {type(e).__name__}: {e}")
            return
        peer.restart()
        before = peer.received
        ev = await peer.expect(lambda e: e[0] == "header", 10)
        if ev is None:
            after_tls = peer.tail[-(peer.received - before):] if peer.received > before else b""
            if peer.events[:1] and peer.events[0][0] == "parse-error":
                self.malformed.append({"parse_error": peer.events[0][1], "bytes_after_tls": after_tls.decode(errors="replace")})
            self.note(f"no header after TLS (A gave up?): {peer.events[:1]}; bytes after TLS: {after_tls!r}")
            return
        peer.send(header(self.domain, remote, common.nonce())
                  + f"<stream:features><dialback xmlns='{NS_DB_FEATURE}'><errors/></dialback></stream:features>")
        while True:
            ev = await peer.next(600)
            if ev is None or ev[0] in ("eof", "end", "parse-error"):
                self.note(f"stream from A ended: {ev}")
                return
            if ev[0] != "element":
                continue
            el = ev[1]
            kind = (ns(el.tag), local(el.tag))
            if kind == (NS_DB, "result") and el.get("type") is None:
                self.note(f"A's db:result {el.get('from')}->{el.get('to')}: answered valid")
                peer.send(f"<db:result from='{self.domain}' to='{el.get('from')}' type='valid'/>")
            elif kind == (NS_DB, "verify") and el.get("type") is None:
                req = {"from": el.get("from"), "to": el.get("to"), "id": el.get("id"), "key": el.text, "answer": self.verify}
                self.verify_requests.append(req)
                self.note(f"A's db:verify {req}")
                if self.verify in ("valid", "invalid"):
                    peer.send(f"<db:verify from='{self.domain}' to='{el.get('from')}' id='{el.get('id')}' "
                              f"type='{self.verify}'/>")
            else:
                self.stanzas.append(show(el))
                self.note(f"from A: {show(el, 200)}")


# --------------------------------------------------------------------------- evil.test as originating server

class Evil:
    def __init__(self, sc):
        a = sc.args
        self.sc, self.a = sc, a
        self.domain = a.evil_domain
        self.certs = {"self": (os.path.join(a.dir, f"{a.evil_domain}.self.crt"), os.path.join(a.dir, f"{a.evil_domain}.self.key")),
                      "ca": (os.path.join(a.dir, f"{a.evil_domain}.crt"), os.path.join(a.dir, f"{a.evil_domain}.key"))}

    async def connect(self, label):
        a = self.a
        r, w = await asyncio.open_connection(a.a_s2s_host, a.a_s2s_port, local_addr=(a.evil_ip, 0))
        return Peer(r, w, label)

    async def open_stream(self, label, tls=True, frm=None, cert="self"):
        """Header, features, STARTTLS, TLS (presenting `cert`), header, features. Returns
        (peer, features element or None, problem text or None)."""
        frm = frm or self.domain
        peer = await self.connect(label)
        peer.send(header(frm, self.a.a_domain))
        ev = await peer.expect(lambda e: e[0] == "header")
        if ev is None:
            return peer, None, f"no stream header from A ({peer.events[:1]})"
        ev = await peer.expect(lambda e: e[0] == "element" and local(e[1].tag) == "features")
        if ev is None:
            return peer, None, "no features"
        features = ev[1]
        if not tls:
            return peer, features, None
        peer.send(f"<starttls xmlns='{NS_TLS}'/>")
        ev = await peer.expect(lambda e: e[0] == "element")
        if ev is None or local(ev[1].tag) != "proceed":
            return peer, None, f"no proceed: {ev and show(ev[1])}"
        certfile, keyfile = self.certs[cert]
        try:
            await peer.w.start_tls(tls_context(False, certfile, keyfile), server_hostname=self.a.a_domain)
        except Exception as e:  # noqa: BLE001
            return peer, None, f"TLS failed: {type(e).__name__}: {e}"
        peer.restart()
        peer.send(header(frm, self.a.a_domain))
        ev = await peer.expect(lambda e: e[0] == "header")
        if ev is None:
            return peer, None, "no header after TLS"
        ev = await peer.expect(lambda e: e[0] == "element" and local(e[1].tag) == "features")
        if ev is None:
            return peer, None, "no features after TLS"
        return peer, ev[1], None

    async def dialback(self, peer, frm=None, key=None, timeout=None):
        """db:result for frm -> A's domain; the answer's type ("valid", "invalid", "error:…"),
        or the stream error / end that came instead."""
        frm = frm or self.domain
        key = key or common.nonce() * 3
        peer.send(f"<db:result from='{frm}' to='{self.a.a_domain}'>{key}</db:result>")
        ev = await peer.expect(lambda e: e[0] == "element" and ns(e[1].tag) == NS_DB and local(e[1].tag) == "result"
                               and e[1].get("type") is not None, timeout or self.a.step_timeout)
        if ev is None:
            return None
        el = ev[1]
        t = el.get("type")
        if t == "error":
            cond = [local(c.tag) for e in el for c in e if local(c.tag) != "text"] or [local(e.tag) for e in el]
            t = f"error:{','.join(cond)}"
        return t

    async def authenticated(self, label):
        """A stream of evil.test authenticated by dialback (the authority answers valid)."""
        peer, features, problem = await self.open_stream(label)
        if problem:
            return peer, f"open: {problem}"
        answer = await self.dialback(peer)
        return peer, None if answer == "valid" else f"dialback answer {answer}"


def features_summary(features):
    if features is None:
        return None
    out = []
    for ch in features:
        name = local(ch.tag)
        if name == "mechanisms":
            out.append("mechanisms:" + ",".join(m.text or "" for m in ch))
        else:
            out.append(name)
    return out


class ALog:
    """New lines of A's log (parley) about evil.test / 127.0.0.4 since the last call."""

    def __init__(self, path, ip, domain):
        self.path, self.ip, self.domain = path, ip, domain
        self.pos = self._size()

    def _size(self):
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0

    def take(self, extra=()):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return []
        self.pos += len(data)
        keys = (self.ip, self.domain, *extra)
        out = []
        for line in data.decode(errors="replace").splitlines():
            if "xmpp-s2s" in line and any(k in line for k in keys):
                line = re.sub(r"^\S+ ", "", line)
                out.append(line if len(line) <= 400 else line[:400] + "…")
        return out[-12:]


# --------------------------------------------------------------------------- the cases

def options_from_env():
    opts = {}
    for item in os.environ.get("FED_PARLEY_S2S_OPTIONS", "").split(","):
        if "=" in item:
            k, v = item.split("=", 1)
            opts[k.strip()] = v.strip()
    return opts


async def honest_chat(sc, alice, bob, label):
    """bob@B -> alice@A and back, through Prosody and A's s2s."""
    a = sc.args
    ok = True
    for sender, receiver, name in ((bob, alice, "bob_to_alice"), (alice, bob, "alice_to_bob")):
        text = f"{label} {name} {common.nonce()}"
        m = receiver.mark()
        msg = sender.Message()
        msg["to"] = receiver.full_jid
        msg["type"] = "chat"
        msg["body"] = text
        msg.send()
        got = await receiver.wait_for("message", lambda x: message_body(x) == text and x.get("type") == "chat",
                                      since=m, timeout=a.s2s_timeout)
        ok &= sc.check(f"{label}_{name}", got is not None, f"'{text}' did not arrive")
    return ok


def stream_error_check(sc, name, res, allowed):
    sc.info[name] = res
    sc.check(f"{name}_stream_error", res["error"] in allowed, f"expected one of {sorted(allowed)}, got {res}")
    sc.check(f"{name}_closed", res["closed"], f"the connection was not closed: {res}")


async def case_out(sc, env):
    """alice -> user@evil.test; evil.test accepts TCP and never answers."""
    a, alice, auth = sc.args, env["alice"], env["authority"]
    auth.drop_all()
    auth.silent = True
    await asyncio.sleep(0.3)
    m = alice.mark()
    to = f"user@{a.evil_domain}"
    text = f"out {common.nonce()}"
    msg = alice.Message()
    msg["to"] = to
    msg["type"] = "chat"
    msg["body"] = text
    msg["id"] = "out-1"
    started = time.monotonic()
    msg.send()
    T = env["negotiation_timeout"]
    got = await alice.wait_for("message", lambda x: x.get("type") == "error" and x.get("id") == "out-1",
                               since=m, timeout=T + a.step_timeout + 5)
    took = round(time.monotonic() - started, 3)
    cond = common.stanza_error(got) if got is not None else None
    sc.info["out"] = {"sent_to": to, "bounce": None if got is None else {"from": got.get("from"), "condition": cond,
                                                                        "text": common.stanza_error_text(got)},
                      "after_s": took, "negotiation_timeout": T,
                      "authority": [x for x in auth.log if "silent" in x][-3:]}
    sc.check("out_bounce_arrives", got is not None, f"no error bounce within {T + a.step_timeout + 5:g} s")
    sc.check("out_bounce_remote_server_timeout", cond == "remote-server-timeout", f"condition {cond}")
    sc.check("out_bounce_after_negotiation_timeout", got is not None and T - 0.3 <= took <= T + 3,
             f"after {took} s, negotiation-timeout {T} s")
    sc.check("out_bounce_from_recipient", got is not None and got.get("from") in (to, a.evil_domain),
             None if got is None else f"from={got.get('from')}")
    await asyncio.sleep(0.5)
    auth.drop_all()
    auth.silent = False
    sc.info["out"]["a_log"] = env["alog"].take(extra=("evil.test",))


async def case_d(sc, env):
    evil, auth, T = env["evil"], env["authority"], env["negotiation_timeout"]
    auth.verify = "none"
    window = T + 5

    async def d1():
        peer = await evil.connect("d1")
        res = await peer.outcome(window)
        peer.close()
        return res

    async def d2():
        peer, features, problem = await evil.open_stream("d2")
        if problem:
            return {"error": None, "closed": False, "problem": problem}
        res = await peer.outcome(window)
        res["features_after_tls"] = features_summary(features)
        peer.close()
        return res

    async def d3():
        peer, features, problem = await evil.open_stream("d3")
        if problem:
            return {"error": None, "closed": False, "problem": problem}
        peer.send(f"<db:result from='{evil.domain}' to='{sc.args.a_domain}'>{common.nonce() * 3}</db:result>")
        res = await peer.outcome(window)
        peer.close()
        return res

    results = await asyncio.gather(d1(), d2(), d3())
    auth.verify = "valid"
    for name, res in zip(("d1_tcp_only", "d2_after_tls", "d3_dialback_unanswered"), results):
        # d3: the dialback check times out at the same moment as the negotiation; parleyd then
        # says remote-connection-failed (RFC 6120 §4.9.3.15), or connection-timeout if the
        # negotiation timer fires first.
        allowed = {"connection-timeout", "remote-connection-failed"} if name.startswith("d3") else {"connection-timeout"}
        stream_error_check(sc, f"d_{name}", res, allowed)
        t = res.get("error_at_s", res.get("after_s"))
        sc.check(f"d_{name}_after_negotiation_timeout", t is not None and T - 0.3 <= t <= T + 2.5,
                 f"after {t} s, negotiation-timeout {T} s")
    sc.info["d_negotiation_timeout"] = T
    sc.info["d_a_log"] = env["alog"].take()


async def case_a(sc, env):
    evil, a = env["evil"], sc.args
    allowed = {"invalid-from", "not-authorized"}
    # a1: after TLS
    peer, features, problem = await evil.open_stream("a1")
    sc.require("a1_stream_opened", problem is None, problem)
    text = f"case-a1 {env['n']}"
    stanza = f"<message from='x@{evil.domain}/r' to='alice@{a.a_domain}' type='chat' id='a1'><body>{text}</body></message>"
    peer.send(stanza)
    res = await peer.outcome(a.step_timeout)
    res["sent"] = stanza
    res["features_after_tls"] = features_summary(features)
    stream_error_check(sc, "a1_stanza_after_tls", res, allowed)
    env["must_not_reach_alice"].append(text)
    peer.close()
    # a2: before TLS
    peer, features, problem = await evil.open_stream("a2", tls=False)
    sc.require("a2_stream_opened", problem is None, problem)
    text = f"case-a2 {env['n']}"
    stanza = f"<message from='x@{evil.domain}/r' to='alice@{a.a_domain}' type='chat' id='a2'><body>{text}</body></message>"
    peer.send(stanza)
    res = await peer.outcome(a.step_timeout)
    res["sent"] = stanza
    res["features_before_tls"] = features_summary(features)
    stream_error_check(sc, "a2_stanza_before_tls", res, allowed | {"policy-violation"})
    env["must_not_reach_alice"].append(text)
    peer.close()
    sc.info["a_a_log"] = env["alog"].take()


async def case_c(sc, env):
    evil, auth, a = env["evil"], env["authority"], sc.args
    auth.verify = "invalid"
    asked = len(auth.verify_requests)
    peer, features, problem = await evil.open_stream("c")
    sc.require("c_stream_opened", problem is None, problem)
    answer = await evil.dialback(peer, timeout=a.step_timeout * 2)
    res = await peer.outcome(a.step_timeout)
    auth.verify = "valid"
    res["db_result_answer"] = answer
    res["features_after_tls"] = features_summary(features)
    res["authority_verify_requests"] = auth.verify_requests[asked:]
    sc.check("c_authority_asked", len(auth.verify_requests) > asked, "A never sent db:verify to evil.test's authority")
    sc.check("c_db_result_invalid", answer == "invalid", f"db:result type={answer}")
    stream_error_check(sc, "c_invalid_key", res, {"not-authorized"})
    peer.close()
    sc.info["c_a_log"] = env["alog"].take()


async def case_h(sc, env):
    evil, a = env["evil"], sc.args
    peer, features, problem = await evil.open_stream("h", frm=a.b_domain)
    sc.require("h_stream_opened", problem is None, problem)
    answer = await evil.dialback(peer, frm=a.b_domain, timeout=a.s2s_timeout)
    res = await peer.outcome(a.step_timeout)
    res["db_result_answer"] = answer
    sc.info["h_claims_b_test"] = res
    sc.check("h_dialback_for_b_test_not_valid", answer != "valid", f"db:result type={answer}")
    sc.check("h_stream_ends", res["closed"] or res["error"] is not None, res)
    text = f"case-h {env['n']}"
    if answer == "valid":  # it would be a catastrophe: show it
        peer.send(f"<message from='x@{a.b_domain}/r' to='alice@{a.a_domain}' type='chat'><body>{text}</body></message>")
    env["must_not_reach_alice"].append(text)
    peer.close()
    sc.info["h_a_log"] = env["alog"].take(extra=(a.b_domain,))


async def case_b(sc, env):
    evil, a, alice = env["evil"], sc.args, env["alice"]
    env["authority"].verify = "valid"
    peer, problem = await evil.authenticated("b")
    sc.require("b_dialback_valid", problem is None, problem)
    legit = f"case-b legit {env['n']}"
    m = alice.mark()
    peer.send(f"<message from='x@{evil.domain}/r' to='alice@{a.a_domain}' type='chat' id='b-legit'><body>{legit}</body></message>")
    got = await alice.wait_for("message", lambda x: message_body(x) == legit, since=m)
    sc.check("b_legit_message_delivered", got is not None and got.get("from") == f"x@{evil.domain}/r",
             "the authenticated evil.test's own message did not reach alice" if got is None else f"from={got.get('from')}")
    spoof = f"case-b spoof {env['n']}"
    stanza = f"<message from='x@{a.b_domain}/r' to='alice@{a.a_domain}' type='chat' id='b-spoof'><body>{spoof}</body></message>"
    peer.send(stanza)
    res = await peer.outcome(a.step_timeout)
    res["sent"] = stanza
    stream_error_check(sc, "b_spoofed_from_b_test", res, {"invalid-from"})
    env["must_not_reach_alice"].append(spoof)
    peer.close()
    # b2: to bob@b.test
    peer, problem = await evil.authenticated("b2")
    sc.require("b2_dialback_valid", problem is None, problem)
    spoof2 = f"case-b2 spoof {env['n']}"
    stanza = f"<message from='x@{a.b_domain}/r' to='bob@{a.b_domain}' type='chat' id='b2-spoof'><body>{spoof2}</body></message>"
    peer.send(stanza)
    res = await peer.outcome(a.step_timeout)
    res["sent"] = stanza
    stream_error_check(sc, "b2_spoofed_to_bob", res, {"invalid-from"})
    env["must_not_reach_bob"].append(spoof2)
    peer.close()
    sc.info["b_a_log"] = env["alog"].take()


async def case_f(sc, env):
    evil, a = env["evil"], sc.args
    limit = env["max_stanza"]
    allowed = {"policy-violation", "not-well-formed"}
    # f1: oversized after authentication
    peer, problem = await evil.authenticated("f1")
    sc.require("f1_dialback_valid", problem is None, problem)
    text = f"case-f1 {env['n']} " + "x" * (limit + 4096)
    peer.send(f"<message from='x@{evil.domain}/r' to='alice@{a.a_domain}' type='chat' id='f1'><body>{text}</body></message>")
    res = await peer.outcome(a.step_timeout)
    res["sent_bytes"] = len(text) + 120
    res["max_stanza"] = limit
    stream_error_check(sc, "f1_oversized_stanza", res, allowed)
    env["must_not_reach_alice"].append(f"case-f1 {env['n']}")
    peer.close()
    # f2: not XML after TLS
    peer, features, problem = await evil.open_stream("f2")
    sc.require("f2_stream_opened", problem is None, problem)
    junk = "<message from='x@evil.test' to='alice@a.test'><body>a</bod></message>&bogus; <<<\x00>"
    peer.send(junk.encode())
    res = await peer.outcome(a.step_timeout)
    res["sent"] = repr(junk)
    stream_error_check(sc, "f2_not_xml", res, allowed)
    peer.close()
    # f3: oversized before authentication
    peer, features, problem = await evil.open_stream("f3")
    sc.require("f3_stream_opened", problem is None, problem)
    peer.send(f"<message from='x@{evil.domain}/r' to='alice@{a.a_domain}'><body>" + "y" * (limit + 4096) + "</body></message>")
    res = await peer.outcome(a.step_timeout)
    res["max_stanza"] = limit
    stream_error_check(sc, "f3_oversized_before_auth", res, allowed | {"invalid-from", "not-authorized"})
    peer.close()
    sc.info["f_a_log"] = env["alog"].take()


async def case_e(sc, env):
    evil, a, alice, bob = env["evil"], sc.args, env["alice"], env["bob"]
    rate = env["max_rate"]
    peer, problem = await evil.authenticated("e")
    sc.require("e_dialback_valid", problem is None, problem)
    tag = f"flood {env['n']}"
    m_alice = alice.mark()
    chunks = []
    for i in range(a.flood):
        chunks.append(f"<message from='flood@{evil.domain}/r' to='alice@{a.a_domain}' type='chat' id='f{i}'>"
                      f"<body>{tag} {i}</body></message>")
    data = "".join(chunks).encode()
    started = time.monotonic()
    peer.send(data)
    outcome_task = asyncio.ensure_future(peer.outcome(a.step_timeout * 2))
    chat_ok = await honest_chat(sc, alice, bob, "e_during_flood")
    res = await outcome_task
    await peer.drain()
    res["sent_stanzas"] = a.flood
    res["sent_bytes"] = len(data)
    res["max_stanzas_per_second"] = rate
    res["write_to_error_s"] = round(res.get("error_at_s", 0) - (started - peer.opened), 3) if "error_at_s" in res else None
    stream_error_check(sc, "e_flood", res, {"policy-violation"})
    peer.close()
    await asyncio.sleep(common.QUIET_PERIOD)
    delivered = len(alice.matching("message", lambda x: (message_body(x) or "").startswith(tag + " "), since=m_alice))
    res["delivered_to_alice"] = delivered
    sc.check("e_flood_cut_off", delivered < a.flood, f"all {delivered} flood messages were delivered")
    sc.check("e_chat_during_flood", chat_ok)
    sc.info["e_a_log"] = env["alog"].take()

    # Sustained: evil.test authenticates again and floods again, over and over, for
    # --flood-seconds, while bob and alice keep chatting (each round trip timed).
    stop = time.monotonic() + a.flood_seconds
    rounds = []

    async def flooder():
        while time.monotonic() < stop:
            p, problem = await evil.authenticated("e-sustained")
            if problem:
                rounds.append({"problem": problem})
                p.close()
                await asyncio.sleep(0.05)
                continue
            p.send(data)
            r = await p.outcome(a.step_timeout)
            rounds.append({"error": r["error"], "closed": r["closed"], "after_s": r.get("after_s")})
            p.close()

    async def chatter():
        times, failures = [], 0
        while time.monotonic() < stop:
            t0 = time.monotonic()
            if await honest_chat(sc, alice, bob, "e_sustained_chat"):
                times.append(round(time.monotonic() - t0, 3))
            else:
                failures += 1
        return times, failures

    _, (times, failures) = await asyncio.gather(flooder(), chatter())
    await asyncio.sleep(common.QUIET_PERIOD / 3)
    sc.info["e_sustained"] = {"seconds": a.flood_seconds, "flood_streams": len(rounds),
                              "stanzas_written": len(rounds) * a.flood,
                              "outcomes": sorted({f"{r.get('error')}/{'closed' if r.get('closed') else 'open'}"
                                                  if "problem" not in r else f"problem: {r['problem']}" for r in rounds}),
                              "chat_round_trips": len(times), "chat_failures": failures,
                              "chat_round_trip_median_s": sorted(times)[len(times) // 2] if times else None,
                              "chat_round_trip_max_s": max(times) if times else None}
    sc.check("e_sustained_every_flood_cut", rounds and all(r.get("error") == "policy-violation" and r.get("closed")
                                                            for r in rounds), rounds[:5])
    sc.check("e_sustained_chat_unaffected", times and failures == 0, f"{failures} chat round trips failed")
    await honest_chat(sc, alice, bob, "e_after_flood")
    sc.info["e_sustained_a_log_tail"] = env["alog"].take()[-3:]


async def case_g(sc, env):
    evil, a, auth = env["evil"], sc.args, env["authority"]
    opts = env["options"]
    sc.info["g_options"] = {k: opts.get(k) for k in ("require-valid-certificate",)}
    sc.check("g_require_valid_certificate_set", opts.get("require-valid-certificate") == "true",
             "run with --parley-s2s-option require-valid-certificate=true (and --mode external)")
    # g1: SASL EXTERNAL with a self-signed client certificate
    peer, features, problem = await evil.open_stream("g1", cert="self")
    sc.require("g1_stream_opened", problem is None, problem)
    feats = features_summary(features)
    sc.info["g_features_after_tls_self_signed"] = feats
    sc.info["g_dialback_offered_to_self_signed"] = "dialback" in feats
    sc.check("g1_external_not_offered", not any(f.startswith("mechanisms:") and "EXTERNAL" in f for f in feats), feats)
    peer.send(f"<auth xmlns='{NS_SASL}' mechanism='EXTERNAL'>{base64.b64encode(evil.domain.encode()).decode()}</auth>")
    ev = await peer.expect(lambda e: e[0] == "element" and ns(e[1].tag) == NS_SASL)
    answer = None if ev is None else show(ev[1])
    sc.info["g1_external_answer"] = answer if ev is not None else (await peer.outcome(1.0))
    sc.check("g1_external_refused", ev is not None and local(ev[1].tag) == "failure", f"answer: {sc.info['g1_external_answer']}")
    # g2: dialback on that stream, the authority self-signed
    auth.cert, auth.verify = "self", "valid"
    auth.drop_all()
    malformed = len(auth.malformed)
    answer = await evil.dialback(peer, timeout=a.step_timeout * 2)
    res = await peer.outcome(2.0) if answer != "valid" else {"still_open": True}
    res["db_result_answer"] = answer
    sc.info["g2_dialback_self_signed_authority"] = res
    sc.check("g2_dialback_refused", answer != "valid", f"db:result type={answer}")
    await asyncio.sleep(0.3)
    sc.info["g2_a_closing_its_stream_to_the_authority"] = auth.malformed[malformed:] or "well-formed"
    sc.check("g2_a_refusal_of_authority_well_formed", not auth.malformed[malformed:],
             f"A's outgoing stream, refusing the self-signed authority after TLS, wrote what is not a stream "
             f"(no stream header after the TLS restart): {auth.malformed[malformed:]}")
    peer.close()
    # g3: dialback, the incoming stream self-signed but the authority CA-signed
    auth.drop_all()
    auth.cert = "ca"
    await asyncio.sleep(0.3)
    peer, features, problem = await evil.open_stream("g3", cert="self")
    sc.require("g3_stream_opened", problem is None, problem)
    answer = await evil.dialback(peer, timeout=a.step_timeout * 2)
    info = {"db_result_answer": answer, "features_after_tls": features_summary(features),
            "authority_log": auth.log[-4:]}
    if answer == "valid":
        text = f"case-g3 {env['n']}"
        m = env["alice"].mark()
        peer.send(f"<message from='x@{evil.domain}/r' to='alice@{a.a_domain}' type='chat'><body>{text}</body></message>")
        got = await env["alice"].wait_for("message", lambda x: message_body(x) == text, since=m)
        info["message_delivered_to_alice"] = got is not None
    else:
        info.update(await peer.outcome(2.0))
    sc.info["g3_dialback_ca_signed_authority_self_signed_stream"] = info
    sc.check("g3_dialback_refused_on_unverified_stream", answer != "valid",
             f"db:result type={answer}: evil.test authenticated by dialback over a TLS channel whose certificate "
             f"does not verify, with require-valid-certificate: true")
    peer.close()
    auth.cert = "self"
    sc.info["g_a_log"] = env["alog"].take()


CASES = {"out": case_out, "d": case_d, "a": case_a, "c": case_c, "h": case_h, "b": case_b, "f": case_f, "e": case_e,
         "g": case_g}


async def body(sc):
    a = sc.args
    opts = options_from_env()
    env = {"options": opts, "n": common.nonce(), "must_not_reach_alice": [], "must_not_reach_bob": [],
           "negotiation_timeout": float(opts.get("negotiation-timeout", 30)),
           "max_stanza": int(opts.get("max-stanza", 262144)),
           "max_rate": int(opts.get("max-stanzas-per-second", 2000))}
    if a.cases == "auto":
        cases = ["g"] if opts.get("require-valid-certificate") == "true" else ALL_CASES
    else:
        cases = [c.strip() for c in a.cases.split(",") if c.strip()]
    sc.info["cases"] = cases
    sc.info["parley_s2s_options"] = opts
    sc.info["evil"] = f"{a.evil_domain} at {a.evil_ip} (authority on {a.evil_ip}:5269) -> A s2s {a.a_s2s_host}:{a.a_s2s_port}"

    sc.step("evil.test's authority listens")
    auth = Authority(sc, a.evil_domain, a.evil_ip, None)
    evil = Evil(sc)
    auth.certs = evil.certs
    auth.silent = cases[:1] == ["out"]
    await auth.start()
    env.update(authority=auth, evil=evil, alog=ALog(os.path.join(a.dir, "a.log"), a.evil_ip, a.evil_domain))

    sc.step("login alice on A, bob on B")
    alice = await fed_common.client(sc, "a", a.alice_user, a.alice_password, resource="hostile-a").login_or_fail("login_alice")
    bob = await fed_common.client(sc, "b", a.bob_user, a.bob_password, resource="hostile-b").login_or_fail("login_bob")
    for c in (alice, bob):
        c.presence()
        await c.barrier()
    env.update(alice=alice, bob=bob)
    m_alice, m_bob = alice.mark(), bob.mark()

    sc.step("honest chat before")
    await honest_chat(sc, alice, bob, "honest_before")

    for case in cases:
        sc.step(f"case {case}")
        started = time.monotonic()
        await CASES[case](sc, env)
        sc.info.setdefault("case_seconds", {})[case] = round(time.monotonic() - started, 2)

    sc.step("nothing forbidden delivered; honest chat after")
    await asyncio.sleep(common.QUIET_PERIOD)
    for who, client, texts, mark in (("alice", alice, env["must_not_reach_alice"], m_alice),
                                     ("bob", bob, env["must_not_reach_bob"], m_bob)):
        got = [message_body(x) for x in client.matching("message", lambda x: any(
            (message_body(x) or "").startswith(t) for t in texts), since=mark)] if texts else []
        sc.info[f"not_for_{who}"] = texts
        sc.check(f"nothing_forbidden_reached_{who}", not got, f"{who} received {[g[:80] for g in got]}")
    await honest_chat(sc, alice, bob, "honest_after")
    sc.info["authority_log"] = auth.log[-30:]
    auth.server.close()
    await alice.logout()
    await bob.logout()


if __name__ == "__main__":
    env = os.environ.get
    p = fed_common.parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    p.add_argument("--cases", default="auto", help=f"comma-separated of {','.join(CASES)}; auto: see above")
    p.add_argument("--evil-domain", default=env("FED_EVIL_DOMAIN", "evil.test"))
    p.add_argument("--evil-ip", default=env("FED_EVIL_IP", "127.0.0.4"))
    p.add_argument("--a-s2s-host", default=env("FED_A_S2S_HOST", "127.0.0.2"))
    p.add_argument("--a-s2s-port", type=int, default=int(env("FED_A_S2S_PORT", "5269")))
    p.add_argument("--dir", default=env("FED_DIR", "."), help="the harness's dir (certificates, a.log)")
    p.add_argument("--flood", type=int, default=5000, help="stanzas of the flood (case e)")
    p.add_argument("--flood-seconds", type=float, default=3.0,
                   help="case e: then flood again and again (new streams) this long while bob and alice chat")
    p.add_argument("--step-timeout", type=float, default=6.0, help="seconds to wait for one expected answer")
    p.set_defaults(timeout=180.0)
    fed_common.run("s2s_hostile", p, body)
