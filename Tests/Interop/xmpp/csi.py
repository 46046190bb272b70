#!/usr/bin/env python3
"""Client State Indication (XEP-0352, urn:xmpp:csi:0) and the server's policy for it.

alice and bob, subscribed to each other and available.
  * csi_advertised: <csi xmlns='urn:xmpp:csi:0'/> is among the stream features after
    authentication (§2).
  * inactive_holds_presence: alice sends <inactive/> (§5.1); bob changes his presence twice
    and sends a chat state alone: nothing reaches alice within the quiet period. What a
    server does while a client is inactive is its own policy (§6); Parley's (and Prosody's
    mod_csi_simple's) holds what has no body.
  * message_releases_in_order: bob sends a message with a body: alice gets the held presences
    and the chat state first, in the order bob sent them, then the message.
  * active_releases: alice sends <inactive/> again; bob changes his presence; alice sends
    <active/> (§5.2): the presence arrives.
  * nothing_lost: every stanza bob sent reached alice exactly once.
"""
import asyncio
import xml.etree.ElementTree as ET

import common
from common import message_body

CSI_NS = "urn:xmpp:csi:0"
CHATSTATES_NS = "http://jabber.org/protocol/chatstates"


def from_bob(bob, status=None):
    def pred(x):
        if common.bare(x.get("from") or "") != bob.bare_jid:
            return False
        return status is None or common.presence_status(x) == status
    return pred


async def body(sc):
    a = sc.args
    n = common.nonce()
    sc.step("login alice and bob")
    alice = await sc.client(a.alice_user, a.alice_password, resource="csi-a").login_or_fail("login_alice")
    bob = await sc.client(a.bob_user, a.bob_password, resource="csi-b").login_or_fail("login_bob")
    features = [f for seen in alice.features_seen for f in seen["features"]]
    sc.check("csi_advertised", f"{{{CSI_NS}}}csi" in features, f"features seen: {features}")
    await common.make_contacts(sc, alice, bob)
    for c in (alice, bob):
        c.presence()
        await c.barrier()
    await asyncio.sleep(0.5)

    sc.step("alice inactive; bob's presence and a chat state are held")
    alice.send_raw(f"<inactive xmlns='{CSI_NS}'/>")
    await asyncio.sleep(0.3)
    mark = alice.mark()
    bob.presence(status=f"csi {n} one")
    bob.presence(status=f"csi {n} two")
    state = ET.Element(f"{{{common.CLIENT_NS}}}message", {"to": alice.full_jid, "type": "chat"})
    ET.SubElement(state, f"{{{CHATSTATES_NS}}}composing")
    bob.send_raw(common.serialize(state))
    await asyncio.sleep(common.QUIET_PERIOD)
    early = alice.matching("presence", from_bob(bob), since=mark) + alice.matching("message", from_bob(bob), since=mark)
    sc.check("inactive_holds_presence", not early, f"{len(early)} stanza(s) reached the inactive client")

    sc.step("a message with a body releases what was held, in order")
    token = f"csi {n} hello"
    bob.send_chat(alice.full_jid, token)
    got = await alice.wait_for("message", lambda x: message_body(x) == token, since=mark)
    presences = [common.presence_status(x) for x in alice.matching("presence", from_bob(bob), since=mark)]
    states = alice.matching("message", lambda x: x.find(f"{{{CHATSTATES_NS}}}composing") is not None, since=mark)
    sc.check("message_releases_in_order", got is not None and presences == [f"csi {n} one", f"csi {n} two"] and len(states) == 1,
             f"message: {got is not None}, presences {presences}, chat states {len(states)}")

    sc.step("inactive again; <active/> releases")
    alice.send_raw(f"<inactive xmlns='{CSI_NS}'/>")
    await asyncio.sleep(0.3)
    mark = alice.mark()
    bob.presence(status=f"csi {n} three")
    await asyncio.sleep(common.QUIET_PERIOD)
    held = not alice.matching("presence", from_bob(bob, f"csi {n} three"), since=mark)
    alice.send_raw(f"<active xmlns='{CSI_NS}'/>")
    released = await alice.wait_for("presence", from_bob(bob, f"csi {n} three"), since=mark)
    sc.check("active_releases", held and released is not None, f"held while inactive: {held}, after active: {released is not None}")
    statuses = [common.presence_status(x) for x in alice.matching("presence", from_bob(bob))]
    sc.check("nothing_lost", all(statuses.count(f"csi {n} {w}") == 1 for w in ("one", "two", "three")), f"statuses {statuses}")
    for c in (alice, bob):
        await c.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    common.run("csi", p, body)
