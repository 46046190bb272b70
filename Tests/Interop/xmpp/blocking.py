#!/usr/bin/env python3
"""Blocking Command (XEP-0191, urn:xmpp:blocking) between alice (two resources) and bob.

alice logs in twice (blk-r1, blk-r2), bob once, with slixmpp's xep_0030 and xep_0191 plugins
(the checks read the raw XML); r1 first empties the blocklist (`<unblock/>`, so a failed run
leaves nothing behind), then alice and bob become contacts both ways (common.make_contacts).
  * disco_advertises_blocking: the server's disco#info lists urn:xmpp:blocking (§5.1).
  * blocklist_empty: r1's and r2's <blocklist/> requests return no item (r2 thereby becomes a
    resource that gets pushes, §5.2, §5.3).
  * block_result_and_push_to_r2: r1 blocks bob's bare JID → result, and r2 gets an iq set
    push <block><item jid=bob/></block> (from alice's bare JID or none) (§5.3).
  * bob_sees_alice_unavailable: bob then gets unavailable presence from both of alice's full
    JIDs (§5.3: "the user's server MUST send unavailable presence information to the contact").
  * bob_message_bounced: bob's chat message to alice's bare JID comes back as an error,
    service-unavailable (§5.3: "For message stanzas, the server SHOULD return an error, which
    SHOULD be <service-unavailable/>"), and neither resource of alice gets it; one to r1's full
    JID is not delivered either ("MUST NOT deliver any XML stanzas from the contact"; what came
    back is info full_jid_message_outcome: Prosody 0.12 drops it without an error, see its
    mod_blocklist's "See #690", which misses that SHOULD but is not judged here).
  * alice_send_refused: r1's message to bob gets an error not-acceptable with
    <blocked xmlns='urn:xmpp:blocking:errors'/> (§5.3 MUST), bob gets nothing.
  * blocklist_lists_bob; unblock_and_push (result, push <unblock><item jid=bob/></unblock>
    to r2, §5.4); bob_sees_alice_available_again (bob gets alice's available presence, §5.4);
    messages_flow_after_unblock (both ways).
  * unblock_all: two JIDs blocked, then an empty <unblock/> → result, push of an empty
    <unblock/> to r2, blocklist empty (§5.5).
  * bad_jid_rejected: <block><item jid='@@@'/></block> → jid-malformed or bad-request (§5.3:
    "Other standard XMPP stanza errors also apply"); bad_jid_not_listed: nothing was added.
"""
import asyncio
import xml.etree.ElementTree as ET

import common
from common import message_body

BLOCKING_NS = "urn:xmpp:blocking"
BLOCKING_ERRORS_NS = "urn:xmpp:blocking:errors"
PLUGINS = ("xep_0030", "xep_0191")


def blocking_el(action, jids=()):
    el = ET.Element(f"{{{BLOCKING_NS}}}{action}")
    for j in jids:
        ET.SubElement(el, f"{{{BLOCKING_NS}}}item", {"jid": j})
    return el


def push_items(x, action):
    """The item JIDs of a push's <block/> or <unblock/>, or None when it is not that action."""
    el = x.find(f"{{{BLOCKING_NS}}}{action}")
    return None if el is None else sorted(i.get("jid") for i in el.findall(f"{{{BLOCKING_NS}}}item"))


async def blocklist(sc, c, name):
    t, x = await c.iq("get", blocking_el("blocklist"))
    sc.require(name + "_answered", t == "result", f"blocklist get returned {t}")
    return push_items(x, "blocklist") or []


async def edit(sc, r1, r2, action, jids, name, expect_items):
    """r1 sends <block/> or <unblock/>; checks the result and r2's push carrying expect_items."""
    m2 = r2.mark()
    t, x = await r1.iq("set", blocking_el(action, jids))
    push = await r2.wait_for("push", lambda p: push_items(p, action) == sorted(expect_items), since=m2)
    sc.check(name, t == "result" and push is not None and push.get("from") in (None, r1.bare_jid),
             f"{action} returned {t} {common.stanza_error(x) if t == 'error' else ''}; push to r2: "
             f"{common.serialize(push) if push is not None else None}; all pushes: "
             f"{[common.serialize(p) for p in r2.matching('push', lambda p: True, since=m2)]}")


def got_body(token):
    return lambda x: message_body(x) == token and x.get("type") != "error"


def error_for(mid):
    return lambda x: x.get("type") == "error" and x.get("id") == mid


async def check_bob_bounced(sc, r1, r2, bob, n):
    marks = {c: c.mark() for c in (r1, r2, bob)}
    bare_token, full_token = f"blocking {n} to-bare", f"blocking {n} to-full"
    bare_id = bob.send_chat(r1.bare_jid, bare_token)
    full_id = bob.send_chat(r1.full_jid, full_token)
    err = await bob.wait_for("message", error_for(bare_id), since=marks[bob])
    await asyncio.sleep(common.QUIET_PERIOD)
    leaked = [x for c in (r1, r2) for x in c.matching("message", lambda x: f"blocking {n} to-" in (message_body(x) or ""),
                                                      since=marks[c])]
    cond = common.stanza_error(err) if err is not None else None
    sc.info["bare_jid_message_error"] = f"{common.stanza_error_type(err)}/{cond}" if err is not None else None
    sc.check("bob_message_bounced", cond == "service-unavailable" and not leaked,
             f"error to bob: {sc.info['bare_jid_message_error']}; alice got {len(leaked)} of them")
    full_err = bob.matching("message", error_for(full_id), since=marks[bob])
    sc.info["full_jid_message_outcome"] = (f"error {common.stanza_error(full_err[0])}" if full_err
                                           else "dropped without an error")


async def check_alice_refused(sc, r1, bob, n):
    token = f"blocking {n} from-alice"
    m1, mb = r1.mark(), bob.mark()
    mid = r1.send_chat(bob.bare_jid, token)
    err = await r1.wait_for("message", error_for(mid), since=m1)
    await asyncio.sleep(0.5)
    leaked = bob.matching("message", got_body(token), since=mb)
    blocked = err is not None and err.find(f"{{{common.CLIENT_NS}}}error/{{{BLOCKING_ERRORS_NS}}}blocked") is not None
    sc.check("alice_send_refused", err is not None and common.stanza_error(err) == "not-acceptable" and blocked
             and not leaked, f"error: {common.serialize(err) if err is not None else None}; bob got {len(leaked)}")


async def check_flow(sc, r1, bob, n):
    m1, mb = r1.mark(), bob.mark()
    t1, t2 = f"blocking {n} after-unblock-in", f"blocking {n} after-unblock-out"
    bob.send_chat(r1.bare_jid, t1)
    r1.send_chat(bob.bare_jid, t2)
    got1 = await r1.wait_for("message", got_body(t1), since=m1)
    got2 = await bob.wait_for("message", got_body(t2), since=mb)
    sc.check("messages_flow_after_unblock", got1 is not None and got2 is not None,
             f"bob->alice arrived: {got1 is not None}, alice->bob arrived: {got2 is not None}")


async def presences_from(bob, ptype, jids, since):
    return {j: await bob.wait_for("presence", common.is_presence(ptype, frm=j), since=since) is not None for j in jids}


async def body(sc):
    a = sc.args
    n = common.nonce()
    sc.step("login alice/r1, alice/r2, bob")
    r1 = await sc.client(a.alice_user, a.alice_password, resource="blk-r1", plugins=PLUGINS).login_or_fail("login_r1")
    r2 = await sc.client(a.alice_user, a.alice_password, resource="blk-r2", plugins=PLUGINS).login_or_fail("login_r2")
    bob = await sc.client(a.bob_user, a.bob_password, resource="blk-b", plugins=PLUGINS).login_or_fail("login_bob")
    r2.record_iq_sets(BLOCKING_NS)
    sc.step("clearing the blocklist left by an earlier run")
    t, _ = await r1.iq("set", blocking_el("unblock"))
    sc.require("reset_unblock_all", t == "result", f"<unblock/> returned {t}")
    await common.make_contacts(sc, r1, bob)
    for c in (r1, r2, bob):
        c.presence()
        await c.barrier()
    await asyncio.sleep(0.3)

    sc.step("disco#info and initial blocklists")
    t, feats = await r1.disco_features(a.domain)
    sc.check("disco_advertises_blocking", BLOCKING_NS in feats, f"disco#info {t}, features {sorted(feats)}")
    l1, l2 = await blocklist(sc, r1, "blocklist_r1"), await blocklist(sc, r2, "blocklist_r2")
    sc.check("blocklist_empty", not l1 and not l2, f"r1: {l1}, r2: {l2}")

    sc.step("r1 blocks bob")
    mb = bob.mark()
    await edit(sc, r1, r2, "block", [bob.bare_jid], "block_result_and_push_to_r2", [bob.bare_jid])
    seen = await presences_from(bob, "unavailable", (r1.full_jid, r2.full_jid), mb)
    sc.check("bob_sees_alice_unavailable", all(seen.values()), f"unavailable seen from {seen}")
    sc.step("bob writes to alice")
    await check_bob_bounced(sc, r1, r2, bob, n)
    sc.step("alice writes to bob")
    await check_alice_refused(sc, r1, bob, n)
    listed = await blocklist(sc, r1, "blocklist_after_block")
    sc.check("blocklist_lists_bob", listed == [bob.bare_jid], f"blocklist {listed}")

    sc.step("r1 unblocks bob")
    mb = bob.mark()
    await edit(sc, r1, r2, "unblock", [bob.bare_jid], "unblock_and_push", [bob.bare_jid])
    seen = await presences_from(bob, None, (r1.full_jid, r2.full_jid), mb)
    sc.check("bob_sees_alice_available_again", all(seen.values()), f"available seen from {seen}")
    await check_flow(sc, r1, bob, n)

    sc.step("block two, unblock all")
    other = f"blocktest-{n}@{a.domain}"
    await edit(sc, r1, r2, "block", [bob.bare_jid, other], "block_two", [bob.bare_jid, other])
    await edit(sc, r1, r2, "unblock", [], "unblock_all", [])
    listed = await blocklist(sc, r2, "blocklist_after_unblock_all")
    sc.check("unblock_all", not listed, f"blocklist {listed}")

    sc.step("malformed JID")
    t, x = await r1.iq("set", blocking_el("block", ["@@@"]))
    cond = common.stanza_error(x) if t == "error" else None
    sc.info["bad_jid_error"] = cond
    sc.check("bad_jid_rejected", cond in ("jid-malformed", "bad-request"), f"{t} {cond}")
    listed = await blocklist(sc, r1, "blocklist_after_bad_jid")
    sc.check("bad_jid_not_listed", not listed, f"blocklist {listed}")
    for c in (r1, r2, bob):
        await c.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    common.run("blocking", p, body)
