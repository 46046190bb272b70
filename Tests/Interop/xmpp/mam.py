#!/usr/bin/env python3
"""Message Archive Management on the account's own archive (XEP-0313 urn:xmpp:mam:2, with
XEP-0059 result set management and XEP-0359 stanza-ids).

alice must have no other session online. The conversation is made inside a time window of its
own (the archive also holds earlier runs and other scenarios):
  T0, bob sends 2 messages while alice is offline, alice logs in (they are delivered), TMID,
  bob sends 12 messages, alice sends 3 (bodies "mam NONCE ..." with an index), all in order.
Queries (alice's own archive, no 'to'; slixmpp's xep_0030/0059/0313/0359 plugins loaded,
the raw XML read):
  * disco_account_mam: disco#info to alice's bare JID lists urn:xmpp:mam:2 ('Determining
    support').
  * stanza_id_on_delivery: each of the 12 delivered messages carries one
    <stanza-id xmlns='urn:xmpp:sid:0' by=alice-bare id=…/> (XEP-0359; XEP-0313 'Communicating
    the archive ID').
  * page_forward: start=T0, max=5, then after=<last> until complete='true': every page at most 5
    results, the 17 bodies in order, complete='true' on the last page only ('Paging through
    results': "If it is not the last page of the result set, the server MUST either omit the
    'complete' attribute, or give it a value of 'false'").
  * page_backward: <before/> empty (the last page), then before=<first> of each page: the same
    17 bodies in order once the pages are put back together, complete='true' on the earliest.
  * with_filter: with=bob's bare JID → the 17 (both directions); with=an unknown JID → none
    ('Filtering by JID').
  * start_end_filter: start=TMID → the 15 after it; start=T0 end=TMID → the 2 before it
    ('Filtering by time received': start and end are inclusive).
  * result_shape: every result is <message> (from alice's bare JID or without from) holding
    <result xmlns='urn:xmpp:mam:2' queryid=Q id=…><forwarded xmlns='urn:xmpp:forward:0'>
    <delay stamp=…/><message …/></forwarded></result>, and the result id of each message alice
    received equals the stanza-id it carried on delivery ('Query results').
  * offline_messages_archived: the 2 messages sent while alice was offline are in the archive.
  * malformed_form_bad_request: start='yesterday' → error type modify, bad-request.
  * unknown_field_rejected: a field 'foo' → feature-not-implemented ('Retrieving form fields':
    "If a client includes a form field that the server does not recognise, the server MUST
    respond with a 'feature-not-implemented' error"); info unknown_field_outcome. --accept-ignored-field also
    accepts a result (the field ignored).
    PROSODY DEVIATION: Prosody 0.12's mod_mam ignores unknown fields and answers the query
    (info unknown_field_outcome "result (the field ignored)"), so against Prosody this check
    fails unless --accept-ignored-field is given (prosody/validate.sh gives it).
  * huge_max_capped: max=100000 is answered (not a time-out) with a page of at most
    --page-bound results (info huge_max_page_size, huge_max_complete).
  * unknown_after_id_item_not_found: after='nonexistent' → item-not-found ('Requesting pages': "the
    server MUST return an item-not-found error"); the XEP's example has error type cancel,
    Prosody 0.12 sends modify (info unknown_after_id_error; the type is not judged).
  * prefs_roundtrip: <prefs/> get, set default='roster' with bob in <always/>, get again shows
    it; the original prefs are put back ('Archiving Preferences').
  * other_account_forbidden: alice querying bob's archive (to=bob's bare JID) → forbidden or
    service-unavailable (info which).
"""
import asyncio
import math
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import common
from common import CLIENT_NS, DELAY_NS, FORWARD_NS, message_body

MAM_NS = "urn:xmpp:mam:2"
RSM_NS = "http://jabber.org/protocol/rsm"
SID_NS = "urn:xmpp:sid:0"
XDATA_NS = "jabber:x:data"
PLUGINS = ("xep_0030", "xep_0059", "xep_0313", "xep_0359")
PAGE = 5
MAX_PAGES = 20


def stamp(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def next_second():
    """The next whole second T, returned once T+1 has passed: everything archived before the call
    has a time < T, everything after the return >= T+1, even where a server keeps whole seconds
    (Prosody's internal storage does), so T splits them for both start=T and end=T."""
    t = math.ceil(time.time())
    await asyncio.sleep(t - time.time() + 1.1)
    return t


def query_el(qid, fields=None, rsm=None):
    """<query queryid=qid> with a data form of `fields` (name -> value) and an RSM <set/>
    (name -> text; None = the element left empty)."""
    q = ET.Element(f"{{{MAM_NS}}}query", {"queryid": qid})
    if fields:
        x = ET.SubElement(q, f"{{{XDATA_NS}}}x", {"type": "submit"})
        ft = ET.SubElement(x, f"{{{XDATA_NS}}}field", {"var": "FORM_TYPE", "type": "hidden"})
        ET.SubElement(ft, f"{{{XDATA_NS}}}value").text = MAM_NS
        for var, value in fields.items():
            f = ET.SubElement(x, f"{{{XDATA_NS}}}field", {"var": var})
            ET.SubElement(f, f"{{{XDATA_NS}}}value").text = value
    if rsm:
        s = ET.SubElement(q, f"{{{RSM_NS}}}set")
        for name, text in rsm.items():
            ET.SubElement(s, f"{{{RSM_NS}}}{name}").text = text
    return q


class Page:
    def __init__(self, itype, iq, results):
        self.type, self.iq, self.results = itype, iq, results
        self.fin = iq.find(f"{{{MAM_NS}}}fin") if itype == "result" else None

    @property
    def complete(self):
        return self.fin is not None and self.fin.get("complete") in ("true", "1")

    def rsm(self, name):
        el = self.fin.find(f"{{{RSM_NS}}}set/{{{RSM_NS}}}{name}") if self.fin is not None else None
        return el.text if el is not None else None

    @property
    def error(self):
        return common.stanza_error(self.iq) if self.type == "error" else None

    @property
    def bodies(self):
        return [message_body(inner(r)) if inner(r) is not None else None for r in self.results]

    @property
    def ids(self):
        return [result_el(r).get("id") for r in self.results]


def result_el(msg):
    return msg.find(f"{{{MAM_NS}}}result")


def inner(msg):
    return msg.find(f"{{{MAM_NS}}}result/{{{FORWARD_NS}}}forwarded/{{{CLIENT_NS}}}message")


async def query(c, fields=None, rsm=None, to=None, timeout=common.STEP_TIMEOUT):
    """One archive query; the result messages that came before the iq's answer."""
    qid = "q-" + common.nonce()
    m = c.mark()
    t, x = await c.iq("set", query_el(qid, fields, rsm), to=to, timeout=timeout)
    is_ours = lambda r: result_el(r) is not None and result_el(r).get("queryid") == qid  # noqa: E731
    page = Page(t, x, c.matching("message", is_ours, since=m))
    page.qid = qid
    return page


async def page_through(c, fields, forward=True):
    """All pages of a query, max=PAGE each, forward (after=last) or backward (before=first)."""
    pages, cursor = [], ""
    for _ in range(MAX_PAGES):
        rsm = {"max": str(PAGE), ("after" if forward else "before"): cursor or None}
        if forward and not cursor:
            del rsm["after"]
        p = await query(c, fields, rsm)
        pages.append(p)
        if p.type != "result" or p.complete or not p.results:
            break
        cursor = p.rsm("last" if forward else "first")
    return pages


def flatten(pages, forward=True):
    ordered = pages if forward else list(reversed(pages))
    return [b for p in ordered for b in p.bodies], [r for p in ordered for r in p.results]


def paging_ok(pages, expected, forward):
    bodies, _ = flatten(pages, forward)
    complete_flags = [p.complete for p in pages]
    ok = (all(p.type == "result" and len(p.results) <= PAGE for p in pages) and bodies == expected
          and complete_flags[-1] and not any(complete_flags[:-1]))
    return ok, f"{len(pages)} pages, sizes {[len(p.results) for p in pages]}, complete {complete_flags}, " \
               f"types {[p.type for p in pages]}; bodies {bodies} expected {expected}"


def shape_ok(msg, qid, alice_bare):
    r, inn = result_el(msg), inner(msg)
    fwd = r.find(f"{{{FORWARD_NS}}}forwarded") if r is not None else None
    delay = fwd.find(f"{{{DELAY_NS}}}delay") if fwd is not None else None
    return (msg.get("from") in (None, alice_bare) and r is not None and r.get("queryid") == qid
            and bool(r.get("id")) and delay is not None and bool(delay.get("stamp")) and inn is not None)


def stanza_ids(x, by):
    return [s.get("id") for s in x.findall(f"{{{SID_NS}}}stanza-id") if s.get("by") == by]


async def make_conversation(sc, n):
    """Sends the conversation; returns (alice, bob, expected bodies, {body: stanza-id}, t0, tmid)."""
    a = sc.args
    t0 = await next_second()
    bob = await sc.client(a.bob_user, a.bob_password, resource="mam-b", plugins=PLUGINS).login_or_fail("login_bob")
    bob.presence()
    alice_bare = f"{a.alice_user}@{a.domain}"
    offline = [f"mam {n} offline {i}" for i in range(2)]
    sc.step("bob writes to offline alice")
    for b in offline:
        bob.send_chat(alice_bare, b)
    await bob.barrier()
    alice = await sc.client(a.alice_user, a.alice_password, resource="mam-a", plugins=PLUGINS).login_or_fail("login_alice")
    alice.presence()
    delivered = {}
    for b in offline:
        got = await alice.wait_for("message", lambda x, b=b: message_body(x) == b)
        delivered[b] = got
    tmid = await next_second()
    sc.step("bob writes 12, alice writes 3")
    b2a = [f"mam {n} b2a {i:02d}" for i in range(12)]
    a2b = [f"mam {n} a2b {i}" for i in range(3)]
    for b in b2a:
        bob.send_chat(alice_bare, b)
    for b in b2a:
        delivered[b] = await alice.wait_for("message", lambda x, b=b: message_body(x) == b)
    for b in a2b:
        alice.send_chat(bob.bare_jid, b)
    for b in a2b:
        await bob.wait_for("message", lambda x, b=b: message_body(x) == b)
    sc.require("conversation_delivered", all(v is not None for v in delivered.values()),
               f"not delivered to alice: {[b for b, v in delivered.items() if v is None]}")
    sids = {b: stanza_ids(x, alice_bare) for b, x in delivered.items()}
    sc.check("stanza_id_on_delivery", all(len(sids[b]) == 1 and sids[b][0] for b in b2a),
             f"stanza-ids by {alice_bare}: {[sids[b] for b in b2a]}")
    sc.info["stanza_id_on_offline_delivery"] = all(len(sids[b]) == 1 for b in offline)
    return alice, bob, offline, b2a + a2b, {b: v[0] for b, v in sids.items() if len(v) == 1}, t0, tmid


async def check_pages(sc, alice, everything, t0):
    fwd = await page_through(alice, {"start": stamp(t0)}, forward=True)
    ok, detail = paging_ok(fwd, everything, True)
    sc.check("page_forward", ok, detail)
    back = await page_through(alice, {"start": stamp(t0)}, forward=False)
    ok, detail = paging_ok(back, everything, False)
    sc.check("page_backward", ok, detail)
    return fwd


def check_shape(sc, alice, pages, sids):
    bad = [common.serialize(r)[:300] for p in pages for r in p.results if not shape_ok(r, p.qid, alice.bare_jid)]
    _, results = flatten(pages)
    archive_ids = {message_body(inner(r)): result_el(r).get("id") for r in results if inner(r) is not None}
    mismatched = {b: (sid, archive_ids.get(b)) for b, sid in sids.items() if archive_ids.get(b) != sid}
    sc.check("result_shape", results and not bad and not mismatched,
             f"{len(bad)} malformed results {bad[:2]}; stanza-id vs archive id mismatches {mismatched}")


async def check_filters(sc, alice, bob, everything, offline, t0, tmid):
    a = sc.args
    w = await query(alice, {"with": bob.bare_jid, "start": stamp(t0)}, {"max": "50"})
    other = await query(alice, {"with": f"mam-nobody@{a.domain}", "start": stamp(t0)}, {"max": "50"})
    sc.check("with_filter", w.bodies == everything and other.type == "result" and not other.results,
             f"with=bob: {w.type} {w.bodies}; with=nobody: {other.type} {len(other.results)} results")
    after = await query(alice, {"start": stamp(tmid)}, {"max": "50"})
    before = await query(alice, {"start": stamp(t0), "end": stamp(tmid)}, {"max": "50"})
    sc.check("start_end_filter", after.bodies == everything[len(offline):] and before.bodies == offline,
             f"start=TMID: {after.type} {after.bodies}; end=TMID: {before.type} {before.bodies}")


async def check_refusals(sc, alice, bob):
    p = await query(alice, {"start": "yesterday"})
    sc.check("malformed_form_bad_request", p.error == "bad-request" and common.stanza_error_type(p.iq) == "modify",
             f"{p.type} {common.stanza_error_type(p.iq) if p.iq is not None else None}/{p.error}")
    p = await query(alice, {"foo": "bar"}, {"max": "1"})
    sc.info["unknown_field_outcome"] = p.error or f"{p.type} (the field ignored)"
    allowed = p.error == "feature-not-implemented" or (sc.args.accept_ignored_field and p.type == "result")
    sc.check("unknown_field_rejected", allowed, f"{p.type} {p.error} ({len(p.results)} results); XEP-0313 "
             "'Retrieving form fields': 'the server MUST respond with a feature-not-implemented error'")
    p = await query(alice, rsm={"max": "100000"}, timeout=15)
    sc.info["huge_max_page_size"], sc.info["huge_max_complete"] = len(p.results), p.complete
    sc.check("huge_max_capped", p.type == "result" and len(p.results) <= sc.args.page_bound,
             f"{p.type}, {len(p.results)} results")
    p = await query(alice, rsm={"max": "5", "after": "nonexistent"})
    sc.info["unknown_after_id_error"] = f"{common.stanza_error_type(p.iq) if p.iq is not None else None}/{p.error}"
    sc.check("unknown_after_id_item_not_found", p.error == "item-not-found", f"{p.type} {p.error} ({len(p.results)} results)")
    p = await query(alice, rsm={"max": "1"}, to=bob.bare_jid)
    sc.info["other_account_outcome"] = p.error or p.type
    sc.check("other_account_forbidden", p.error in ("forbidden", "service-unavailable") and not p.results,
             f"{p.type} {p.error} ({len(p.results)} results)")


def parse_prefs(x):
    prefs = x.find(f"{{{MAM_NS}}}prefs") if x is not None else None
    if prefs is None:
        return None
    lists = {k: sorted(j.text for j in prefs.findall(f"{{{MAM_NS}}}{k}/{{{MAM_NS}}}jid")) for k in ("always", "never")}
    return {"default": prefs.get("default"), **lists}


def prefs_el(p):
    el = ET.Element(f"{{{MAM_NS}}}prefs", {"default": p["default"]})
    for k in ("always", "never"):
        lst = ET.SubElement(el, f"{{{MAM_NS}}}{k}")
        for j in p[k]:
            ET.SubElement(lst, f"{{{MAM_NS}}}jid").text = j
    return el


async def check_prefs(sc, alice, bob):
    t, x = await alice.iq("get", ET.Element(f"{{{MAM_NS}}}prefs"))
    original = parse_prefs(x) if t == "result" else None
    sc.info["prefs_before"] = original
    wanted = {"default": "roster", "always": [bob.bare_jid], "never": []}
    ts, xs = await alice.iq("set", prefs_el(wanted))
    t2, x2 = await alice.iq("get", ET.Element(f"{{{MAM_NS}}}prefs"))
    got = parse_prefs(x2) if t2 == "result" else None
    sc.check("prefs_roundtrip", original is not None and ts == "result" and got is not None
             and got["default"] == "roster" and bob.bare_jid in got["always"],
             f"get {t} {original}; set {ts} {common.stanza_error(xs) if ts == 'error' else ''}; get again {t2} {got}")
    if original is not None and original["default"]:
        t, _ = await alice.iq("set", prefs_el(original))
        sc.check("prefs_restored", t == "result", f"restoring {original}: {t}")


async def body(sc):
    n = common.nonce()
    alice, bob, offline, rest, sids, t0, tmid = await make_conversation(sc, n)
    everything = offline + rest
    await asyncio.sleep(0.5)
    sc.step("disco#info on alice's account")
    t, feats = await alice.disco_features(alice.bare_jid)
    sc.check("disco_account_mam", MAM_NS in feats, f"disco#info {t}, features {sorted(feats)}")
    sc.step("paging")
    fwd = await check_pages(sc, alice, everything, t0)
    check_shape(sc, alice, fwd, sids)
    archived = set(flatten(fwd)[0])
    sc.check("offline_messages_archived", all(b in archived for b in offline), f"archived: {sorted(archived)}")
    sc.step("filters")
    await check_filters(sc, alice, bob, everything, offline, t0, tmid)
    sc.step("refusals")
    await check_refusals(sc, alice, bob)
    sc.step("preferences")
    await check_prefs(sc, alice, bob)
    await alice.logout()
    await bob.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    p.add_argument("--accept-ignored-field", action="store_true",
                   help="unknown_field_rejected also accepts a server that ignores the field (Prosody 0.12)")
    p.add_argument("--page-bound", type=int, default=1000,
                   help="largest page accepted for max=100000 (huge_max_capped)")
    common.run("mam", p, body)
