#!/usr/bin/env python3
"""XEP-0045 on the shared rooms, with real clients: slixmpp occupants (its xep_0045 plugin)
and an IRC client in the same room (`dev@conference.DOMAIN` is `#dev`).

alice enters first (self-presence 110, 100 and 201; the subject, empty), bob enters and
both see each other, carol is refused alice's nick (409 conflict), alice's groupchat
reaches bob with the room's stanza-id and returns to alice with her own id, the IRC
client on the python `irc` library (nick --irc-nick, registered with PASS on --irc-port
before the XMPP clients enter) sees both XMPP occupants JOIN and alice's PRIVMSG, and its own PRIVMSG reaches
bob as groupchat from `#dev`'s occupant JID. bob changes nick (303) and leaves (110);
a groupchat from a non-occupant is not-acceptable; history on entry honours maxstanzas
with XEP-0203 delays; disco#items on the service lists the room.
"""
import asyncio
import xml.etree.ElementTree as ET

import common
from irc_peer import IRCPeer
from muc import SID, DISCO_ITEMS, codes, is_from, enter, send_message


async def body(sc):
    a = sc.args
    service = f"conference.{a.domain}"
    room = f"dev@{service}"

    sc.step("the IRC client joins #dev")
    irc_user = IRCPeer()
    sc.require("irc_registered", await irc_user.connect(a.host, a.irc_port, a.irc_nick, a.irc_password) is not None)
    sc.require("irc_joined", await irc_user.join("#dev") is not None)

    sc.step("login")
    alice = await sc.client("alice", a.alice_password, resource="desk", plugins=["xep_0045"]).login_or_fail()
    bob = await sc.client("bob", a.bob_password, resource="phone", plugins=["xep_0045"]).login_or_fail()
    carol = await sc.client("carol", a.carol_password, resource="tab", plugins=["xep_0045"]).login_or_fail()
    for c in (alice, bob, carol):
        c.presence()
        await c.barrier()

    sc.step("alice enters")
    mark = alice.mark()
    alice.plugin["xep_0045"].join_muc(room, "Alice")
    own = await alice.wait_for("presence", is_from(f"{room}/Alice"), since=mark)
    sc.require("alice_self_presence", own is not None)
    # The room exists already (the IRC client made it), so no 201 here.
    sc.check("alice_self_codes", codes(own) == ["100", "110"], codes(own))
    sc.check("alice_sees_irc_member",
             await alice.wait_for("presence", is_from(f"{room}/{a.irc_nick}"), since=mark) is not None)
    subject = await alice.wait_for("message", lambda x: x.find(f"{{{common.CLIENT_NS}}}subject") is not None, since=mark)
    sc.check("alice_gets_subject", subject is not None)
    sc.check("irc_sees_alice_join",
             await irc_user.wait(lambda e: e.type == "join" and e.source.nick == "Alice" and e.target == "#dev") is not None)

    sc.step("bob enters, carol is refused alice's nick")
    mark_a = alice.mark()
    mark_b = bob.mark()
    bob.plugin["xep_0045"].join_muc(room, "Bob")
    sc.check("bob_sees_alice", await bob.wait_for("presence", is_from(f"{room}/Alice"), since=mark_b) is not None)
    sc.check("alice_sees_bob", await alice.wait_for("presence", is_from(f"{room}/Bob"), since=mark_a) is not None)
    mark_c = carol.mark()
    enter(carol, room, "Alice")
    refused = await carol.wait_for("presence", is_from(f"{room}/Alice", "error"), since=mark_c)
    sc.check("carol_conflict", refused is not None and common.stanza_error(refused) == "conflict",
             refused is not None and common.stanza_error(refused))

    sc.step("groupchat across XMPP and IRC")
    mark_a = alice.mark()
    mark_b = bob.mark()
    msg = alice.Message()
    msg["to"] = room
    msg["type"] = "groupchat"
    msg["body"] = "hello room"
    msg["id"] = "alice-1"
    msg.send()
    got = await bob.wait_for("message", common.body_contains("hello room"), since=mark_b)
    sc.require("bob_gets_groupchat", got is not None)
    sc.check("groupchat_from_occupant", got.get("from") == f"{room}/Alice" and got.get("type") == "groupchat")
    sid = got.find(f"{{{SID}}}stanza-id")
    sc.check("groupchat_stanza_id", sid is not None and sid.get("by") == room and len(sid.get("id", "")) > 0)
    echo = await alice.wait_for("message", common.body_contains("hello room"), since=mark_a)
    sc.check("reflected_with_own_id", echo is not None and echo.get("id") == "alice-1")
    sc.check("irc_gets_groupchat", await irc_user.wait(irc_user.said("Alice", "hello room")) is not None)
    irc_user.connection.privmsg("#dev", "hi from irc")
    from_irc = await bob.wait_for("message", common.body_contains("hi from irc"), since=mark_b)
    sc.check("xmpp_gets_irc_groupchat", from_irc is not None and from_irc.get("from") == f"{room}/{a.irc_nick}")

    sc.step("a non-occupant's groupchat")
    mark_c = carol.mark()
    send_message(carol, room, "groupchat", "let me in")
    err = await carol.wait_for("message", lambda x: x.get("type") == "error", since=mark_c)
    sc.check("non_occupant_not_acceptable", err is not None and common.stanza_error(err) == "not-acceptable",
             err is not None and common.stanza_error(err))

    sc.step("history on entry")
    mark_c = carol.mark()
    enter(carol, room, "Carol", history={"maxstanzas": "1"})
    sc.require("carol_enters", await carol.wait_for("presence", is_from(f"{room}/Carol"), since=mark_c) is not None)
    await asyncio.sleep(0.5)
    history = [h for h in carol.matching("message", lambda x: x.find(f"{{{common.DELAY_NS}}}delay") is not None, since=mark_c)]
    sc.check("history_maxstanzas", len(history) == 1 and "hi from irc" in (common.message_body(history[0]) or ""),
             [common.message_body(h) for h in history])

    sc.step("nick change and exit")
    mark_a = alice.mark()
    p = bob.Presence()
    p["to"] = f"{room}/Robert"
    p.send()
    gone = await alice.wait_for("presence", is_from(f"{room}/Bob", "unavailable"), since=mark_a)
    sc.check("nick_change_303", gone is not None and "303" in codes(gone))
    sc.check("irc_sees_nick",
             await irc_user.wait(lambda e: e.type == "nick" and e.source.nick == "Bob" and e.target == "Robert") is not None)
    mark_b = bob.mark()
    p = bob.Presence()
    p["to"] = f"{room}/Robert"
    p["type"] = "unavailable"
    p.send()
    left = await bob.wait_for("presence", is_from(f"{room}/Robert", "unavailable"), since=mark_b)
    sc.check("exit_self_110", left is not None and "110" in codes(left))

    sc.step("disco")
    t, xml = await alice.iq("get", ET.Element(f"{{{DISCO_ITEMS}}}query"), to=service)
    jids = [i.get("jid") for i in xml.iter(f"{{{DISCO_ITEMS}}}item")] if xml is not None else []
    sc.check("disco_lists_room", t == "result" and room in jids, jids)

    for c in (alice, bob, carol):
        await c.logout()
    irc_user.connection.disconnect("done")


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    for who in ("alice", "bob", "carol"):
        common.add_user_args(p, who, who, f"{who}pw")
    p.add_argument("--irc-port", type=int, required=True)
    p.add_argument("--irc-nick", default="eve")
    p.add_argument("--irc-password", default="evepw")
    common.run("muc_shared_room", p, body)
