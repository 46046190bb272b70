#!/usr/bin/env python3
"""A relay bridge's XMPP leg (xmpp-bridge): the local room `dev` (dev@conference.DOMAIN on
Parley, a slixmpp occupant alice) linked to dev@rooms.FAR on a real Prosody (a slixmpp
occupant carol there) through one bot on each side: `xmpp` in the local room, `relay` in
the far room, which logged in to Prosody with STARTTLS and SCRAM.

alice's groupchat reaches the far room as `<Alice> text` from relay, carol's reaches the
local room as `<carol> text` from the bot occupant; `/me` crosses as an action naming
the sender both ways; carol's XEP-0461 reply to the relayed message names alice's
original by the local room's stanza-id; alice's XEP-0308 correction names the relayed
copy's id in the far room; nothing goes back where it came from.

With --again (after a restart of Prosody), one message each way shows the bot
reconnected and rejoined. With --seed, carol only says something in the far room before the bridge exists (the
room's history, which the bridge must not relay). With --irc-port, an irc-bridge links
the same local room to #ext on an ircd where bob is: carol and bob talk through the
local room with one prefix, not two.
"""
import argparse
import asyncio
import copy
import xml.etree.ElementTree as ET

import common
from irc_peer import IRCPeer
from muc import SID, is_from, login_and_enter, send_message

REPLY = "urn:xmpp:reply:0"
CORRECT = "urn:xmpp:message-correct:0"


def stanza_id(x, by):
    for el in x.iter(f"{{{SID}}}stanza-id"):
        if el.get("by") == by:
            return el.get("id")
    return None


def child(x, ns, name):
    return x.find(f"{{{ns}}}{name}")


async def crosses(sc, name, sender, to, text, receiver, expected_from, expected_body, since, **kw):
    """`sender` says `text` in the room `to`; checks that `receiver` gets `expected_body`
    from `expected_from` (after mark `since`), and returns what it got."""
    send_message(sender, to, "groupchat", text, **kw)
    got = await receiver.wait_for("message", common.body_contains(text.removeprefix("/me ")), since=since)
    sc.check(name, got is not None and got.get("from") == expected_from and common.message_body(got) == expected_body,
             got is not None and common.message_body(got))
    return got


async def body(sc):
    a = sc.args
    room = f"dev@conference.{a.domain}"
    far_room = f"dev@rooms.{a.far_domain}"
    # carol lives on the other server: the same scenario, another host, port and domain.
    far = copy.copy(sc)
    far.args = argparse.Namespace(**{**vars(a), "port": a.far_port, "domain": a.far_domain})

    sc.step("carol enters the far room, alice the local one; the bridge's bots are in both")
    carol, cmark, cown = await login_and_enter(far, "carol", a.carol_password, "phone", far_room, "carol")
    sc.require("carol_enters", cown is not None)
    if a.seed:
        send_message(carol, far_room, "groupchat", "said before the bridge")
        sc.check("seeded", await carol.wait_for("message", common.body_contains("before the bridge"), since=cmark) is not None)
        await carol.logout()
        return
    sc.check("bridge_bot_in_far_room",
             await carol.wait_for("presence", is_from(f"{far_room}/relay"), since=cmark) is not None
             or carol.matching("presence", is_from(f"{far_room}/relay")) != [])
    alice, mark, own = await login_and_enter(sc, "alice", a.alice_password, "desk", room, "Alice")
    sc.require("alice_enters", own is not None)
    if a.again:
        sc.step("after the other server restarted: the bot is back in the far room")
        mark, cmark = alice.mark(), carol.mark()
        await crosses(sc, "again_far_to_room", carol, far_room, "after the restart",
                      alice, f"{room}/xmpp", "<carol> after the restart", mark)
        await crosses(sc, "again_room_to_far", alice, room, "welcome back",
                      carol, f"{far_room}/relay", "<Alice> welcome back", cmark)
        await alice.logout()
        await carol.logout()
        return
    sc.check("bridge_bot_in_room", await alice.wait_for("presence", is_from(f"{room}/xmpp"), since=mark) is not None)

    sc.step("messages both ways, with the sender's nick")
    mark, cmark = alice.mark(), carol.mark()
    got = await crosses(sc, "room_to_far", alice, room, "hello far", carol, f"{far_room}/relay", "<Alice> hello far",
                        cmark, id="alice-1")
    reflected = await alice.wait_for("message", lambda x: x.get("id") == "alice-1", since=mark)
    local_sid = reflected is not None and stanza_id(reflected, room)
    relayed_sid = got is not None and stanza_id(got, far_room)
    sc.check("far_copy_has_stanza_id", bool(relayed_sid))
    await crosses(sc, "far_to_room", carol, far_room, "hi local", alice, f"{room}/xmpp", "<carol> hi local", mark)
    await crosses(sc, "far_action", carol, far_room, "/me waves", alice, f"{room}/xmpp", "/me carol waves", mark)
    await crosses(sc, "room_action", alice, room, "/me waves back", carol, f"{far_room}/relay", "/me Alice waves back", cmark)

    sc.step("a reply and a correction keep their reference")
    send_message(carol, far_room, "groupchat", "nice to meet you",
                 extra=[ET.Element(f"{{{REPLY}}}reply", {"to": f"{far_room}/relay", "id": relayed_sid or "?"})])
    reply = await alice.wait_for("message", common.body_contains("nice to meet you"), since=mark)
    ref = reply is not None and child(reply, REPLY, "reply")
    sc.check("far_reply_names_local_message", ref is not None and ref is not False and bool(local_sid)
             and ref.get("id") == local_sid, ref is not None and ref is not False and (ref.get("id"), local_sid))
    send_message(alice, room, "groupchat", "hello far!", extra=[ET.Element(f"{{{CORRECT}}}replace", {"id": "alice-1"})])
    fixed = await carol.wait_for("message", common.body_contains("hello far!"), since=cmark)
    fix = fixed is not None and child(fixed, CORRECT, "replace")
    sc.check("room_correction_names_far_copy", fix is not None and fix is not False and got is not None
             and fix.get("id") == got.get("id"), fix is not None and fix is not False and (fix.get("id"), got.get("id")))

    if a.irc_port:
        sc.step("an irc-bridge on the same room: carol and bob through it, one prefix each")
        bob = IRCPeer()
        sc.require("bob_registered", await bob.connect("127.0.0.1", a.irc_port, "bob", None) is not None)
        sc.require("bob_joined", await bob.join("#ext") is not None)
        sc.check("irc_bot_in_channel", await bob.wait(
            lambda e: e.type == "namreply" and "ircrelay" in e.arguments[-1].replace("@", "").split()) is not None)
        send_message(carol, far_room, "groupchat", "hi irc")
        sc.check("far_to_irc", await bob.wait(lambda e: e.type == "pubmsg" and e.source.nick == "ircrelay"
                                              and e.arguments == ["<carol> hi irc"]) is not None,
                 [e.arguments for e in bob.events if e.type == "pubmsg"])
        bob.connection.privmsg("#ext", "hi far")
        hi_far = await carol.wait_for("message", common.body_contains("hi far"), since=cmark)
        sc.check("irc_to_far", hi_far is not None and hi_far.get("from") == f"{far_room}/relay"
                 and common.message_body(hi_far) == "<bob> hi far", hi_far is not None and common.message_body(hi_far))
        bob.connection.disconnect("done")

    sc.step("nothing comes back where it came from, and no history crossed")
    sc.check("no_history", not alice.matching("message", common.body_contains("before the bridge")))
    await asyncio.sleep(1.0)
    sc.check("no_loop_to_room", not any((common.message_body(m) or "").startswith("<Alice>") or
                                        (common.message_body(m) or "").startswith("/me Alice")
                                        for m in alice.matching("message", lambda x: x.get("from") == f"{room}/xmpp", since=mark)))
    sc.check("no_loop_to_far", not any((common.message_body(m) or "").startswith("<carol>") or
                                       (common.message_body(m) or "").startswith("/me carol")
                                       for m in carol.matching("message", lambda x: x.get("from") == f"{far_room}/relay", since=cmark)))
    await alice.logout()
    await carol.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepw")
    common.add_user_args(p, "carol", "carol", "carolpw")
    p.add_argument("--far-port", type=int, required=True, help="the other server's (Prosody's) client port")
    p.add_argument("--far-domain", default="far.test")
    p.add_argument("--seed", action="store_true", help="only leave a message in the far room's history")
    p.add_argument("--again", action="store_true", help="only one message each way (after a restart)")
    p.add_argument("--irc-port", type=int, default=0, help="an ircd where irc-bridge links #ext to the same room")
    common.run("bridge_xmpp", p, body)
