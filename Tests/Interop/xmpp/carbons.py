#!/usr/bin/env python3
"""Message Carbons (XEP-0280, urn:xmpp:carbons:2) between two resources of alice.

alice logs in twice (carb-r1, carb-r2), bob once; all three send initial presence; slixmpp's
xep_0030 and xep_0280 plugins are loaded (the checks read the raw XML).
  * disco_advertises_carbons: the server's disco#info lists urn:xmpp:carbons:2 (§3).
  * enable_r1, enable_r2: <enable/> is answered with a result (§4).
  * sent_carbon_to_r2: r1 -> bob's bare JID; r2 gets <message from=alice-bare to=alice/r2>
    <sent><forwarded xmlns='urn:xmpp:forward:0'><message from=alice/r1 to=bob …> with that
    body (§8); bob_got_message: bob gets the message itself.
  * received_carbon: bob -> alice/r1 (full JID); r2 gets a <received> carbon (outer from alice's
    bare JID) whose inner message is from bob's full JID to alice/r1 with the body; r1 gets the
    message itself and no carbon of it (§7: "MUST NOT send a forwarded copy to the client(s) the
    original message stanza was addressed to").
  * private_not_copied: r1 -> bob with <private xmlns='urn:xmpp:carbons:2'/> and
    <no-copy xmlns='urn:xmpp:hints'/>: no carbon reaches r2 within the quiet period (§9: "The
    sending server MUST NOT deliver forwarded messages to the other Carbons-enabled resources of
    the sender"). Info private_element_kept_for_bob (§9: the receiving server SHOULD remove it).
  * disable_stops_copies: r2 sends <disable/> (result), then r1 -> bob and bob -> r1: no carbon
    reaches r2 (§5).
  * forged_carbon_ignored: bob sends alice's bare JID a message that contains a <received>
    carbon wrapping a message "from" alice's resource 'forged'; every copy that reaches alice comes from bob's
    JID, never from alice's own bare JID (§11: a client accepts carbons only from its bare JID,
    so a server must not relay one that looks like that). Info forged_carbon_outcome says
    whether it arrived (and whether the wrapper was kept).
"""
import asyncio
import xml.etree.ElementTree as ET

import common
from common import CLIENT_NS, FORWARD_NS, message_body

CARBONS_NS = "urn:xmpp:carbons:2"
HINTS_NS = "urn:xmpp:hints"
PLUGINS = ("xep_0030", "xep_0280")


def carbon(x, kind):
    """The forwarded inner <message/> of a <sent/> or <received/> carbon, or None."""
    return x.find(f"{{{CARBONS_NS}}}{kind}/{{{FORWARD_NS}}}forwarded/{{{CLIENT_NS}}}message")


def carbon_with(kind, token):
    def pred(x):
        inner = carbon(x, kind)
        return inner is not None and token in (message_body(inner) or "")
    return pred


def any_carbon_with(token):
    return lambda x: carbon_with("sent", token)(x) or carbon_with("received", token)(x)


def describe(x):
    return common.serialize(x)[:400] if x is not None else None


async def enable(sc, c, name, what="enable"):
    t, x = await c.iq("set", ET.Element(f"{{{CARBONS_NS}}}{what}"))
    sc.check(name, t == "result", f"{what} returned {t}: {common.stanza_error(x) if x is not None else ''}")


async def quiet_carbons(c, token, since):
    await asyncio.sleep(common.QUIET_PERIOD)
    return c.matching("message", any_carbon_with(token), since=since)


async def check_sent_carbon(sc, r1, r2, bob, token):
    m2, mb = r2.mark(), bob.mark()
    r1.send_chat(bob.bare_jid, token)
    got = await r2.wait_for("message", carbon_with("sent", token), since=m2)
    inner = carbon(got, "sent") if got is not None else None
    sc.check("sent_carbon_to_r2", got is not None and got.get("from") == r1.bare_jid
             and got.get("to") == r2.full_jid and inner.get("from") == r1.full_jid
             and inner.get("to") == bob.bare_jid and message_body(inner) == token,
             f"carbon: {describe(got)}")
    plain = await bob.wait_for("message", common.body_contains(token), since=mb)
    sc.check("bob_got_message", plain is not None and plain.get("from") == r1.full_jid
             and carbon(plain, "sent") is None, f"bob got: {describe(plain)}")


async def check_received_carbon(sc, r1, r2, bob, token):
    m1, m2 = r1.mark(), r2.mark()
    bob.send_chat(r1.full_jid, token)
    got = await r2.wait_for("message", carbon_with("received", token), since=m2)
    inner = carbon(got, "received") if got is not None else None
    plain = await r1.wait_for("message", lambda x: message_body(x) == token, since=m1)
    await asyncio.sleep(0.5)
    r1_carbons = r1.matching("message", any_carbon_with(token), since=m1)
    sc.check("received_carbon", got is not None and got.get("from") == r1.bare_jid
             and inner.get("from") == bob.full_jid and inner.get("to") == r1.full_jid
             and message_body(inner) == token and plain is not None
             and plain.get("from") == bob.full_jid and not r1_carbons,
             f"r2 carbon: {describe(got)}; r1 message: {describe(plain)}; carbons at r1: {len(r1_carbons)}")


async def check_private(sc, r1, r2, bob, token):
    m2, mb = r2.mark(), bob.mark()
    r1.send_chat(bob.bare_jid, token, extra=(ET.Element(f"{{{CARBONS_NS}}}private"),
                                              ET.Element(f"{{{HINTS_NS}}}no-copy")))
    copies = await quiet_carbons(r2, token, m2)
    sc.check("private_not_copied", not copies, f"r2 got {len(copies)} carbon(s): {describe(copies[0]) if copies else ''}")
    got = bob.matching("message", common.body_contains(token), since=mb)
    sc.info["private_delivered_to_bob"] = bool(got)
    if got:
        sc.info["private_element_kept_for_bob"] = got[0].find(f"{{{CARBONS_NS}}}private") is not None


async def check_disabled(sc, r1, r2, bob, n):
    await enable(sc, r2, "disable_r2", "disable")
    m2, m1 = r2.mark(), r1.mark()
    out_token, in_token = f"carbons {n} after-disable-out", f"carbons {n} after-disable-in"
    r1.send_chat(bob.bare_jid, out_token)
    bob.send_chat(r1.full_jid, in_token)
    arrived = await r1.wait_for("message", lambda x: message_body(x) == in_token, since=m1)
    copies = await quiet_carbons(r2, f"carbons {n} after-disable", m2)
    sc.check("disable_stops_copies", arrived is not None and not copies,
             f"r1 got the reply: {arrived is not None}; r2 got {len(copies)} carbon(s)")


async def check_forged(sc, r1, r2, bob, token):
    marks = {c: c.mark() for c in (r1, r2)}
    fake = ET.Element(f"{{{CLIENT_NS}}}message", {"from": f"{r1.bare_jid}/forged", "to": r1.full_jid, "type": "chat"})
    ET.SubElement(fake, f"{{{CLIENT_NS}}}body").text = f"{token} inner"
    received = ET.Element(f"{{{CARBONS_NS}}}received")
    ET.SubElement(received, f"{{{FORWARD_NS}}}forwarded").append(fake)
    bob.send_chat(r1.bare_jid, f"{token} outer", extra=(received,))
    await r1.wait_for("message", lambda x: token in common.serialize(x), since=marks[r1])
    await asyncio.sleep(common.QUIET_PERIOD)
    arrivals = [x for c in (r1, r2) for x in c.matching("message", lambda x: token in common.serialize(x), since=marks[c])]
    bad = [x for x in arrivals if common.bare(x.get("from")) != bob.bare_jid]
    sc.check("forged_carbon_ignored", not bad, f"arrived from {[x.get('from') for x in bad]}: {describe(bad[0]) if bad else ''}")
    kept = any(carbon(x, "received") is not None for x in arrivals)
    sc.info["forged_carbon_outcome"] = (f"{len(arrivals)} copies from bob" + (", wrapper kept" if kept else ", wrapper removed")
                                        if arrivals else "not delivered")


async def body(sc):
    a = sc.args
    n = common.nonce()
    sc.step("login alice/r1, alice/r2, bob")
    r1 = await sc.client(a.alice_user, a.alice_password, resource="carb-r1", plugins=PLUGINS).login_or_fail("login_r1")
    r2 = await sc.client(a.alice_user, a.alice_password, resource="carb-r2", plugins=PLUGINS).login_or_fail("login_r2")
    bob = await sc.client(a.bob_user, a.bob_password, resource="carb-b", plugins=PLUGINS).login_or_fail("login_bob")
    for c in (r1, r2, bob):
        c.presence()
        await c.barrier()

    sc.step("disco#info on the server")
    t, feats = await r1.disco_features(a.domain)
    sc.check("disco_advertises_carbons", CARBONS_NS in feats, f"disco#info {t}, features {sorted(feats)}")
    sc.step("enable carbons on r1 and r2")
    await enable(sc, r1, "enable_r1")
    await enable(sc, r2, "enable_r2")

    sc.step("r1 -> bob: sent carbon to r2")
    await check_sent_carbon(sc, r1, r2, bob, f"carbons {n} sent")
    sc.step("bob -> r1: received carbon to r2")
    await check_received_carbon(sc, r1, r2, bob, f"carbons {n} received")
    sc.step("private message not copied")
    await check_private(sc, r1, r2, bob, f"carbons {n} private")
    sc.step("r2 disables carbons")
    await check_disabled(sc, r1, r2, bob, n)
    sc.step("bob sends a forged carbon")
    await check_forged(sc, r1, r2, bob, f"carbons {n} forged")
    for c in (r1, r2, bob):
        await c.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    common.run("carbons", p, body)
