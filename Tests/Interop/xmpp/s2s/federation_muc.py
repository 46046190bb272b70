#!/usr/bin/env python3
"""Federated multi-user chat (XEP-0045 across servers): alice@A and bob@B in each other's rooms.

Run through federate.sh (the servers come in FED_* variables), or by hand with --a-…/--b-… .

 1. room on A: alice enters dev@conference.A as Alice (creates it; a 201 room is unlocked with
    the instant-room form), bob@B enters as Bob across the servers (waiting up to
    --s2s-timeout: B -> conference.A and back are new s2s streams); bob's self-presence
    (110), each sees the other; groupchat both ways: from room/nick, body (non-ASCII) and the
    custom payload unchanged, the sender gets its own echo; the occupant lists (nicks seen
    through presence) are {Alice, Bob} on both sides;
 2. room on B: bob enters lobby@conference.B as Bob (creates it), alice@A enters as Alice across;
    the same checks there;
 3. alice leaves lobby (bob sees Alice unavailable, alice gets her own 110 unavailable), bob
    leaves dev (alice sees Bob unavailable).
Info: disco#items of each room as its occupant sees it (occupants listed or not is the
server's choice), the time of bob's first entry across.

--irc-port (and --irc-nick) are a hook for later: an IRC user on Parley's IRC port in the room
on A. Unused for now (info `irc`: "not used").
"""
import time
import xml.etree.ElementTree as ET

import fed_common
from fed_common import common
from common import CLIENT_NS, message_body, serialize
from muc import MUC_USER, DISCO_ITEMS, codes, config_form, enter

TEST_NS = "urn:example:parley:test"
PAYLOAD = f"<x xmlns='{TEST_NS}'><item n='1'>v</item></x>"


def available_from(jid):
    return lambda x: x.get("from") == jid and x.get("type") is None


def occupants(client, room, since=None):
    """Nicks of `room` whose latest presence (after `since`) at `client` is available."""
    state = {}
    # COMPAT (ejabberd 23.01): the room itself sends a presence from its bare JID (with its
    # XEP-0115 caps, `<c node='http://www.process-one.net/en/ejabberd/'/>`) to each occupant,
    # and an unavailable one when the occupant leaves; that is not an occupant (no nick).
    for x in client.matching("presence", lambda x: common.bare(x.get("from")) == room
                             and common.resource_of(x.get("from")) != "", since=since):
        state[common.resource_of(x.get("from"))] = x.get("type") != "unavailable"
    return sorted(n for n, here in state.items() if here)


async def join(sc, client, room, nick, label, timeout):
    """client enters room as nick; returns its self-presence (required). Unlocks a new room."""
    m = client.mark()
    enter(client, room, nick, history={"maxstanzas": "0"})
    own = await client.wait_for("presence", lambda x: x.get("from") == f"{room}/{nick}", since=m, timeout=timeout)
    sc.require(f"{label}_self_presence", own is not None and own.get("type") != "error",
               "no self-presence" if own is None else f"error: {common.stanza_error(own)}")
    sc.check(f"{label}_self_presence_110", "110" in codes(own), codes(own))
    if "201" in codes(own):  # a new room: take the instant configuration (XEP-0045 §10.1.2)
        t, _ = await client.iq("set", config_form([]), to=room, timeout=timeout)
        sc.info[f"{label}_created_instant_room"] = t
    return m


async def groupchat(sc, sender, sender_nick, receiver, room, label, n):
    body_text = f"{label} {n}: gr\u00fc\u00dfe \u4f60\u597d \u2764"
    m_r, m_s = receiver.mark(), sender.mark()
    msg = sender.Message()
    msg["to"] = room
    msg["type"] = "groupchat"
    msg["body"] = body_text
    msg.append(ET.fromstring(PAYLOAD))
    msg.send()
    pred = lambda x: x.get("type") == "groupchat" and message_body(x) == body_text  # noqa: E731
    got = await receiver.wait_for("message", pred, since=m_r)
    sc.require(f"{label}_received", got is not None, "the groupchat did not arrive")
    sc.check(f"{label}_from_occupant", got.get("from") == f"{room}/{sender_nick}", f"from={got.get('from')}")
    want = serialize(ET.fromstring(PAYLOAD), CLIENT_NS)
    have = [serialize(e, CLIENT_NS) for e in got if e.tag.startswith(f"{{{TEST_NS}}}")]
    sc.check(f"{label}_payload_unchanged", have == [want], f"sent {want} received {have}")
    echo = await sender.wait_for("message", pred, since=m_s)
    sc.check(f"{label}_echo_to_sender", echo is not None and echo.get("from") == f"{room}/{sender_nick}",
             "no echo" if echo is None else f"from={echo.get('from')}")


async def room_round(sc, host_client, host_nick, guest, guest_nick, room, tag, n):
    """host_client (local to the room) is in it already; guest enters across servers."""
    a = sc.args
    m_host = host_client.mark()
    started = time.monotonic()
    m_guest = await join(sc, guest, room, guest_nick, f"{tag}_{guest_nick.lower()}", a.s2s_timeout)
    sc.info[f"{tag}_guest_entry_s"] = round(time.monotonic() - started, 3)
    sc.check(f"{tag}_guest_sees_host", await guest.wait_for("presence", available_from(f"{room}/{host_nick}"),
                                                            since=m_guest) is not None)
    sc.check(f"{tag}_host_sees_guest", await host_client.wait_for("presence", available_from(f"{room}/{guest_nick}"),
                                                                  since=m_host) is not None)
    await groupchat(sc, host_client, host_nick, guest, room, f"{tag}_{host_nick.lower()}_to_{guest_nick.lower()}", n)
    await groupchat(sc, guest, guest_nick, host_client, room, f"{tag}_{guest_nick.lower()}_to_{host_nick.lower()}", n)
    want = sorted([host_nick, guest_nick])
    for c, label in ((host_client, host_nick), (guest, guest_nick)):
        seen = occupants(c, room)
        sc.info[f"{tag}_occupants_seen_by_{label.lower()}"] = seen
        sc.check(f"{tag}_occupants_seen_by_{label.lower()}", seen == want, f"{seen}, expected {want}")
        t, xml = await c.iq("get", ET.Element(f"{{{DISCO_ITEMS}}}query"), to=room, timeout=a.s2s_timeout)
        sc.info[f"{tag}_disco_items_for_{label.lower()}"] = (
            [i.get("jid") or i.get("name") for i in xml.iter(f"{{{DISCO_ITEMS}}}item")] if t == "result"
            else f"{t}: {common.stanza_error(xml) if xml is not None else None}")


async def leave(sc, client, nick, other, room, label):
    m_c, m_o = client.mark(), other.mark()
    p = client.Presence()
    p["to"] = f"{room}/{nick}"
    p["type"] = "unavailable"
    p.send()
    own = await client.wait_for("presence", lambda x: x.get("from") == f"{room}/{nick}"
                                and x.get("type") == "unavailable", since=m_c)
    sc.check(f"{label}_own_exit", own is not None and "110" in codes(own), "none" if own is None else codes(own))
    seen = await other.wait_for("presence", lambda x: x.get("from") == f"{room}/{nick}"
                                and x.get("type") == "unavailable", since=m_o)
    sc.check(f"{label}_seen_by_other", seen is not None, "the other occupant did not see the exit")


async def body(sc):
    a = sc.args
    n = common.nonce()
    dev = f"dev@{a.a_muc or 'conference.' + a.a_domain}"
    lobby = f"lobby@{a.b_muc or 'conference.' + a.b_domain}"
    sc.info["rooms"] = [dev, lobby]
    sc.info["irc"] = "not used" if a.irc_port is None else f"--irc-port {a.irc_port} given but not used yet"

    sc.step("login alice on A, bob on B")
    alice = await fed_common.client(sc, "a", a.alice_user, a.alice_password, resource="muc-a",
                                    plugins=["xep_0045"]).login_or_fail("login_alice")
    bob = await fed_common.client(sc, "b", a.bob_user, a.bob_password, resource="muc-b",
                                  plugins=["xep_0045"]).login_or_fail("login_bob")
    for c in (alice, bob):
        c.presence()
        await c.barrier()

    # IRC hook (later): an IRC client on Parley (A) joins #dev here, before the XMPP users.

    sc.step(f"alice enters {dev} (room on A)")
    await join(sc, alice, dev, "Alice", "dev_alice", common.STEP_TIMEOUT * 2)
    sc.step(f"bob@B enters {dev} across servers")
    await room_round(sc, alice, "Alice", bob, "Bob", dev, "dev", n)

    sc.step(f"bob enters {lobby} (room on B)")
    await join(sc, bob, lobby, "Bob", "lobby_bob", common.STEP_TIMEOUT * 2)
    sc.step(f"alice@A enters {lobby} across servers")
    await room_round(sc, bob, "Bob", alice, "Alice", lobby, "lobby", n)

    sc.step("leaving")
    await leave(sc, alice, "Alice", bob, lobby, "lobby_alice_leaves")
    await leave(sc, bob, "Bob", alice, dev, "dev_bob_leaves")
    await alice.logout()
    await bob.logout()


if __name__ == "__main__":
    p = fed_common.parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    p.add_argument("--a-muc", default=None, help="A's MUC service (default conference.A-DOMAIN)")
    p.add_argument("--b-muc", default=None, help="B's MUC service (default conference.B-DOMAIN)")
    p.add_argument("--irc-port", type=int, default=None,
                   help="hook for later: Parley's IRC port on A (an IRC user in #dev); unused for now")
    p.add_argument("--irc-nick", default="carol_irc", help="with --irc-port (unused for now)")
    fed_common.run("federation_muc", p, body)
