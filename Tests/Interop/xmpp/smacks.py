#!/usr/bin/env python3
"""Stream Management (XEP-0198, urn:xmpp:sm:3): acks, resumption after a dropped connection,
refused and expired resumptions, a client acking more than it was sent.

slixmpp logs in (STARTTLS/SASL/bind as usual); the SM protocol itself is written and read raw
(<enable/>, <r/>, <a/>, <resume/>), so that what is checked is what the server sent. The client
counts the message/presence/iq stanzas it gets after <enabled/> (its 'h', §4) and answers every
<r/> with it; it counts what it sends the same way. Resumption on a new TCP connection is a
stream feature handler that runs after SASL, before bind (§5, the order of events: "The parties
complete SASL negotiation … Receiving entity sends stream features, offering the SM feature.
Initiating entity requests resumption of the former stream").
alice must have no other session online; bob is her contact (common.make_contacts).
  * sm_advertised: the stream features after SASL include <sm xmlns='urn:xmpp:sm:3'/> (§2).
  * enable_resume: <enable resume='true'/> after bind → <enabled id=… resume='true'/> (§5: "If
    the receiving entity will allow the stream to be resumed, it MUST include a 'resume'
    attribute set to "true" or "1" on the <enabled/> element and MUST include an 'id'
    attribute"); info enabled_max (the optional 'max', the preferred maximum resumption time).
  * ack_counts: after the client sends 5 stanzas and <r/>, the server's <a h=…/> equals exactly
    the number of stanzas the client sent since <enable/> (§4: "When an <r/> element
    ("request") is received, the recipient MUST acknowledge it by sending an <a/> element to
    the sender containing a value of 'h' that is equal to the number of stanzas handled by the
    recipient of the <r/> element").
  * info server_requests_ack: whether the server sent <r/> itself.
  * resume_after_drop: alice (SM, resumable) and bob online; alice's TCP connection is aborted
    (no </stream:stream>, no TLS close_notify); while she is gone bob sends her full JID 3 chat
    messages; a new connection authenticates and sends <resume previd=… h=…/> with the h of
    what she had handled.
      - resumed: <resumed previd=… h=…/> comes back (§5: "If the receiving entity can resume
        the former stream, it MUST return a <resumed/> element that includes a 'previd'
        attribute set to the SM-ID of the former stream");
      - unacked_resent: the 3 messages arrive on the resumed stream, in order, each once (§5:
        "Both parties SHOULD retransmit any stanzas that were not handled during the previous
        session, based on the sequence number reported by the peer");
      - presence_kept: bob got no unavailable presence from alice's full JID between the drop
        and the resume (§7: "If the stream is not cleanly closed then the server SHOULD
        consider the stream to be unfinished … and SHOULD maintain the session on behalf of the
        client for a limited amount of time"; §5: the client "SHOULD NOT resend presence
        stanzas …, since this state will have been retained by the server");
      - same_full_jid: a message alice sends on the resumed stream reaches bob from the full JID
        of the dropped session (the resumed stream is that session).
  * resume_wrong_id: <resume previd='nonexistent' h='0'/> → <failed> holding
    <item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/> (§5: "If the receiving
    entity does not recognize the 'previd' as an earlier session (e.g., because the former
    session has timed out), it MUST return a <failed/> element, which SHOULD include an error
    condition of <item-not-found/>"); resume_wrong_id_then_bind: the client then binds a
    resource on that stream (§5: "In both of these failure cases, the receiving entity SHOULD
    allow the initiating entity to bind a resource at this point").
  * h_too_large: on a live SM stream the client sends <a h='1000000'/> (more than the server
    sent): the server closes the stream with a stream error (§6 "Error Handling": "When a remote
    entity acknowledges that it has handled a number of stanzas that is higher than the amount
    of stanzas that it was sent (by sending an 'h' value that is too high), the local entity
    SHOULD generate a stream error and close the stream"; its example is <undefined-condition/>
    with <handled-count-too-high xmlns='urn:xmpp:sm:3' h=… send-count=…/>). Info
    h_too_large_error: the condition, the text, and the <handled-count-too-high/> attributes if
    it came; h_too_large_condition fails only when neither undefined-condition nor that
    element came.
  * expired_resume_gets_offline: alice drops, bob sends her full JID 2 messages, the script
    waits --resume-timeout (how long the server keeps a detached session, default 8 s) plus
    1.5 s, then resumes → <failed> with item-not-found (expired_resume_failed, §5 as above:
    "because the former session has timed out"); the stream then binds and sends initial
    presence; nothing is lost: each of the 2 messages is delivered there once, or came back to
    bob as an error (§4: "A server SHOULD treat unacknowledged stanzas in the same way that it
    would treat a stanza sent to an unavailable resource, by either returning an error to the
    sender or committing the stanza to offline storage"). Info expired_outcome says which.

PROSODY 0.12 (mod_smacks, smacks_hibernation_time = PROSODY_SMACKS_HIBERNATION): every check
passes; 'max' is the hibernation time; it requests acks itself; resent stanzas carry a <delay/>;
an <a/> with too large an h closes the stream with undefined-condition and the text "Client
acknowledged more stanzas than sent by server", without <handled-count-too-high/> (its example
is not a requirement: info, not judged); <failed/> for an expired session carries the old h;
the unacked messages of an expired session go to offline storage, as it was the account's last
session (mod_smacks' delivery/failure handler).
"""
import asyncio
import time
import xml.etree.ElementTree as ET

import common
from common import CLIENT_NS, STANZAS_NS, message_body
from slixmpp.plugins.xep_0198 import stanza as sm_stanza
from slixmpp.stanza import StreamFeatures
from slixmpp.xmlstream import register_stanza_plugin
from slixmpp.xmlstream.handler import Callback

SM_NS = "urn:xmpp:sm:3"
STREAMS_NS = "urn:ietf:params:xml:ns:xmpp-streams"
COUNTED = {f"{{{CLIENT_NS}}}{n}" for n in ("message", "presence", "iq")}
ACK_BATCH = 5

register_stanza_plugin(StreamFeatures, sm_stanza.StreamManagement)  # so that 'sm' is a feature name


class SMClient(common.Client):
    """A client that speaks XEP-0198 raw: counts stanzas both ways once SM is enabled, answers
    <r/>, records every urn:xmpp:sm:3 element and stream error, and can resume (previd set)."""

    def __init__(self, sc, user, password, resource=None, previd=None, h=0):
        super().__init__(sc, user, password, resource=resource)
        self.received.update({"sm": [], "stream_error": []})
        self.handled = h          # stanzas received since <enabled/> (or the resumed h)
        self.sent = 0             # stanzas sent since <enable/>
        self.counting = False
        self.previd = previd
        self.resume_outcome = None
        self.acks_requested = 0
        self.disconnected_at = None
        self.add_filter("in", self._count_in)
        self.add_filter("out", self._count_out)
        self.register_handler(Callback("rec-sm", _NSMatcher(SM_NS), self._on_sm))
        self.add_event_handler("stream_error", lambda s: self._record("stream_error", s))
        self.add_event_handler("disconnected", lambda e: setattr(self, "disconnected_at", time.monotonic()))
        self.register_feature("sm", self._sm_feature, restart=True, order=9000)

    def send_sm(self, xml):
        """An SM element, in order with the stanzas queued before it (send_raw would overtake
        them: slixmpp sends stanzas through a queue once the session has started)."""
        if self._session_started:
            self.send(xml)
        else:
            self.send_raw(xml)

    def _count_in(self, stanza):
        if self.counting and stanza.xml.tag in COUNTED:
            self.handled = (self.handled + 1) % 2**32
        return stanza

    def _count_out(self, stanza):
        if self.counting and getattr(stanza, "xml", None) is not None and stanza.xml.tag in COUNTED:
            self.sent += 1
        return stanza

    def _on_sm(self, stanza):
        if stanza.xml.tag == f"{{{SM_NS}}}r":
            self.acks_requested += 1
            self.send_sm(f"<a xmlns='{SM_NS}' h='{self.handled}'/>")
        elif stanza.xml.tag in (f"{{{SM_NS}}}enabled", f"{{{SM_NS}}}resumed"):
            self.counting = True  # before the stanzas that follow in the same read are counted
        self._record("sm", stanza)

    async def _sm_feature(self, features):
        """Before bind: resume when asked to (previd), else let bind go on."""
        if self.previd is None or "bind" in self.features:
            return False
        m = self.mark()
        self.send_raw(f"<resume xmlns='{SM_NS}' previd='{common._esc(self.previd, True)}' h='{self.handled}'/>")
        got = await self.wait_for("sm", lambda x: x.tag in (f"{{{SM_NS}}}resumed", f"{{{SM_NS}}}failed"), since=m)
        self.resume_outcome = got
        if got is not None and got.tag == f"{{{SM_NS}}}resumed":
            self.counting = True
            self.boundjid = self.requested_jid  # the resumed session's full JID (checked by same_full_jid)
            self.event("session_resumed", got)
            self._login_done("ok")  # login_sm reports "resumed"
            return True
        return False  # failed: go on with bind on this stream

    async def enable(self, resume=True):
        """<enable/>; the <enabled/> or <failed/> answer, or None."""
        m = self.mark()
        self.sent = 0
        self.send_sm(f"<enable xmlns='{SM_NS}'" + (" resume='true'" if resume else "") + "/>")
        return await self.wait_for("sm", lambda x: x.tag in (f"{{{SM_NS}}}enabled", f"{{{SM_NS}}}failed"), since=m)

    async def request_ack(self):
        m = self.mark()
        self.send_sm(f"<r xmlns='{SM_NS}'/>")
        return await self.wait_for("sm", lambda x: x.tag == f"{{{SM_NS}}}a", since=m)

    @property
    def resumed(self):
        return self.resume_outcome is not None and self.resume_outcome.tag == f"{{{SM_NS}}}resumed"


class _NSMatcher:
    def __init__(self, ns):
        self.prefix = f"{{{ns}}}"

    def match(self, stanza):
        return stanza.xml.tag.startswith(self.prefix)


def sm_advertised(c):
    return any(f"{{{SM_NS}}}sm" in f["features"] for f in c.features_seen)


def truthy(v):
    return v in ("true", "1")


def describe(x):
    return common.serialize(x)[:300] if x is not None else None


def failed_condition(x):
    if x is None or x.tag != f"{{{SM_NS}}}failed":
        return None
    for ch in x:
        if ch.tag.startswith(f"{{{STANZAS_NS}}}"):
            return ch.tag.split("}", 1)[1]
    return "none"


def bodies_from(c, prefix, since):
    return [message_body(x) for x in c.matching("message", lambda x: (message_body(x) or "").startswith(prefix)
                                                 and x.get("type") != "error", since=since)]


async def login_sm(sc, resource, previd=None, h=0):
    a = sc.args
    c = SMClient(sc, a.alice_user, a.alice_password, resource=resource, previd=previd, h=h)
    sc.clients.append(c)
    outcome = await c.login()
    return c, ("resumed" if outcome == "ok" and c.resumed else outcome)


async def enable_or_fail(sc, c, name):
    en = await c.enable()
    sc.require(name, en is not None and en.tag == f"{{{SM_NS}}}enabled" and en.get("id")
               and truthy(en.get("resume")), f"answer: {describe(en)}")
    return en


async def check_enable_and_acks(sc, alice):
    sc.check("sm_advertised", sm_advertised(alice), f"features: {alice.features_seen}")
    en = await enable_or_fail(sc, alice, "enable_resume")
    sc.check("enable_resume", True)
    sc.info["enabled_max"] = en.get("max")
    sc.info["enabled_location"] = en.get("location")
    for i in range(ACK_BATCH - 2):
        await alice.iq("get", ET.Element("{urn:xmpp:ping}ping"), to=sc.args.domain)
    alice.send_chat(alice.full_jid, "smacks ack 1")
    alice.send_chat(alice.full_jid, "smacks ack 2")
    a = await alice.request_ack()
    sc.info["ack_batch_sent"] = alice.sent
    sc.check("ack_counts", a is not None and a.get("h") == str(alice.sent) and alice.sent == ACK_BATCH,
             f"sent {alice.sent} stanzas after <enable/>, server's ack: {describe(a)}")
    return en


async def check_resume(sc, alice, bob, en, n):
    full = alice.full_jid
    await alice.barrier()
    await asyncio.sleep(0.3)
    old_h = alice.handled
    mb = bob.mark()
    sc.step("resume: alice's connection dropped")
    alice.hard_close()
    await asyncio.sleep(1.0)
    tokens = [f"smacks {n} gap {i}" for i in range(3)]
    for t in tokens:
        bob.send_chat(full, t)
    await bob.barrier()
    await asyncio.sleep(0.5)
    sc.step("resume: new connection, <resume/>")
    new, outcome = await login_sm(sc, alice.boundjid.resource, previd=en.get("id"), h=old_h)
    got = new.resume_outcome
    sc.info["resume_outcome"] = describe(got) if got is not None else outcome
    sc.require("resumed", outcome == "resumed" and got.get("previd") == en.get("id") and got.get("h") is not None,
               f"login outcome {outcome}, answer {describe(got)}")
    await asyncio.sleep(common.QUIET_PERIOD)
    got_bodies = bodies_from(new, f"smacks {n} gap", None)
    sc.check("unacked_resent", got_bodies == tokens, f"resumed stream got {got_bodies}")
    gone = bob.matching("presence", common.is_presence("unavailable", frm=full), since=mb)
    sc.check("presence_kept", not gone, f"bob got {len(gone)} unavailable presence(s) from {full}")
    mb = bob.mark()
    token = f"smacks {n} after-resume"
    new.send_chat(bob.bare_jid, token)
    arrived = await bob.wait_for("message", common.body_contains(token), since=mb)
    sc.check("same_full_jid", arrived is not None and arrived.get("from") == full,
             f"bob got {describe(arrived)}; dropped session was {full}")
    a2 = await new.request_ack()
    sc.info["resumed_stream_ack"] = a2.get("h") if a2 is not None else None
    await new.logout()


async def check_wrong_id(sc):
    c, outcome = await login_sm(sc, "sm-wrong", previd="nonexistent", h=0)
    got = c.resume_outcome
    sc.info["wrong_id_failed"] = describe(got)
    sc.check("resume_wrong_id", failed_condition(got) == "item-not-found", f"answer: {describe(got)}")
    sc.check("resume_wrong_id_then_bind", outcome == "ok" and c.boundjid.resource != "",
             f"login outcome after <failed/>: {outcome}")
    if outcome == "ok":
        await c.logout()


async def check_h_too_large(sc):
    c, outcome = await login_sm(sc, "sm-h")
    sc.require("login_h_too_large", outcome == "ok", outcome)
    await enable_or_fail(sc, c, "enable_h_too_large")
    m = c.mark()
    c.send_sm(f"<a xmlns='{SM_NS}' h='1000000'/>")
    err = await c.wait_for("stream_error", lambda x: True, since=m)
    for _ in range(30):
        if c.disconnected_at is not None:
            break
        await asyncio.sleep(0.1)
    info = None
    if err is not None:
        cond = [ch.tag.split("}", 1)[1] for ch in err if ch.tag.startswith(f"{{{STREAMS_NS}}}") and not ch.tag.endswith("}text")]
        text = err.find(f"{{{STREAMS_NS}}}text")
        too_high = err.find(f".//{{{SM_NS}}}handled-count-too-high")
        info = {"condition": cond[0] if cond else None, "text": text.text if text is not None else None,
                "handled_count_too_high": None if too_high is None else dict(too_high.attrib)}
    sc.info["h_too_large_error"] = info
    sc.info["h_too_large_closed"] = c.disconnected_at is not None
    sc.check("h_too_large", err is not None and c.disconnected_at is not None,
             f"stream error: {describe(err)}; connection closed: {c.disconnected_at is not None}")
    if info is not None and info["condition"] != "undefined-condition" and info["handled_count_too_high"] is None:
        sc.check("h_too_large_condition", False, f"condition {info['condition']}, no <handled-count-too-high/>")


async def check_expired(sc, bob, n):
    a = sc.args
    c, outcome = await login_sm(sc, "sm-exp")
    sc.require("login_expired", outcome == "ok", outcome)
    c.presence()
    await c.barrier()
    en = await enable_or_fail(sc, c, "enable_expired")
    await c.barrier()
    full, h = c.full_jid, c.handled
    mb = bob.mark()
    c.hard_close()
    await asyncio.sleep(1.0)
    tokens = [f"smacks {n} expired {i}" for i in range(2)]
    ids = {bob.send_chat(full, t): t for t in tokens}
    await bob.barrier()
    sc.step(f"expired: waiting {a.resume_timeout:g} s and more")
    await asyncio.sleep(a.resume_timeout + 1.5)
    sc.step("expired: resume")
    new, outcome = await login_sm(sc, "sm-exp", previd=en.get("id"), h=h)
    got = new.resume_outcome
    sc.info["expired_failed"] = describe(got)
    sc.check("expired_resume_failed", failed_condition(got) == "item-not-found", f"answer: {describe(got)}")
    sc.require("expired_then_bind", outcome == "ok", f"login outcome after <failed/>: {outcome}")
    m = new.mark()
    new.presence()
    await asyncio.sleep(common.QUIET_PERIOD)
    got_msgs = new.matching("message", lambda x: (message_body(x) or "").startswith(f"smacks {n} expired"), since=m)
    bodies = [message_body(x) for x in got_msgs if x.get("type") != "error"]
    bounced = bob.matching("message", lambda x: x.get("type") == "error" and x.get("id") in ids, since=mb)
    delayed = all(x.find(f"{{{common.DELAY_NS}}}delay") is not None for x in got_msgs)
    sc.info["expired_outcome"] = (f"{len(bodies)} delivered after the fresh login" + (" with <delay/>" if delayed and bodies else "")
                                  + (f"; {len(bounced)} error(s) to bob: {[common.stanza_error(x) for x in bounced]}" if bounced else ""))
    accounted = sorted(bodies + [ids[x.get("id")] for x in bounced])
    sc.check("expired_resume_gets_offline", accounted == sorted(tokens), sc.info["expired_outcome"])
    await new.logout()


async def body(sc):
    a = sc.args
    n = common.nonce()
    sc.step("login alice (sm-a) and bob")
    alice, outcome = await login_sm(sc, "sm-a")
    sc.require("login_alice", outcome == "ok", outcome)
    bob = await sc.client(a.bob_user, a.bob_password, resource="sm-b").login_or_fail("login_bob")
    await common.make_contacts(sc, alice, bob)
    for c in (alice, bob):
        c.presence()
        await c.barrier()
    sc.step("enable and acks")
    en = await check_enable_and_acks(sc, alice)
    sc.step("resume after a drop")
    await check_resume(sc, alice, bob, en, n)
    sc.info["server_requests_ack"] = any(c.acks_requested for c in sc.clients if isinstance(c, SMClient))
    sc.step("resume with an unknown id")
    await check_wrong_id(sc)
    sc.step("h too large")
    await check_h_too_large(sc)
    sc.step("expired resumption")
    await check_expired(sc, bob, n)
    sc.info["server_requests_ack"] = any(c.acks_requested for c in sc.clients if isinstance(c, SMClient))
    await bob.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    p.add_argument("--resume-timeout", type=float, default=8.0,
                   help="how long the server keeps a detached session (s); the expired check waits longer")
    p.set_defaults(timeout=60.0)
    common.run("smacks", p, body)
