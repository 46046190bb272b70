#!/usr/bin/env python3
"""A relay bridge (irc-bridge): the local room `dev` (dev@conference.DOMAIN, a slixmpp
occupant alice) linked to `#ext` on a real ngircd (a python `irc` client, bob) through one
bot on each side: `irc` in the room, `relay` in the channel.

alice's groupchat reaches #ext as `<Alice> text` from relay; bob's line reaches the room
as `<bob> text` from the bot occupant; `/me` crosses as an action naming the sender both
ways; nothing goes back where it came from (no echo loop).
"""
import asyncio

import common
from irc_peer import IRCPeer, add_ircd_args
from muc import is_from, login_and_enter, send_message


async def body(sc):
    a = sc.args
    room = f"dev@conference.{a.domain}"

    sc.step("alice enters dev, bob joins #ext; the bridge's bots are in both")
    alice, mark, own = await login_and_enter(sc, "alice", a.alice_password, "desk", room, "Alice")
    sc.require("alice_enters", own is not None)
    sc.check("bridge_bot_in_room", await alice.wait_for("presence", is_from(f"{room}/irc"), since=mark) is not None)
    bob = IRCPeer()
    sc.require("bob_registered", await bob.connect(a.irc_host, a.irc_port, "bob", None) is not None)
    sc.require("bob_joined", await bob.join("#ext") is not None)
    names = await bob.wait(lambda e: e.type == "namreply" and "relay" in e.arguments[-1].replace("@", "").split())
    sc.check("bridge_bot_in_channel", names is not None)

    sc.step("messages both ways, with the sender's nick")
    mark = alice.mark()
    send_message(alice, room, "groupchat", "hello ext")
    sc.check("room_to_irc", await bob.wait(lambda e: e.type == "pubmsg" and e.source.nick == "relay"
                                           and e.arguments == ["<Alice> hello ext"]) is not None)
    bob.connection.privmsg("#ext", "hi room")
    got = await alice.wait_for("message", common.body_contains("hi room"), since=mark)
    sc.check("irc_to_room", got is not None and got.get("from") == f"{room}/irc"
             and common.message_body(got) == "<bob> hi room", got is not None and common.message_body(got))
    bob.connection.action("#ext", "waves")
    action = await alice.wait_for("message", common.body_contains("waves"), since=mark)
    sc.check("irc_action", action is not None and common.message_body(action) == "/me bob waves",
             action is not None and common.message_body(action))
    send_message(alice, room, "groupchat", "/me waves back")
    sc.check("room_action", await bob.wait(lambda e: e.type == "action" and e.source.nick == "relay"
                                           and e.arguments == ["Alice waves back"]) is not None)

    sc.step("nothing comes back where it came from")
    await asyncio.sleep(0.5)
    echoes = [m for m in alice.matching("message", common.body_contains("hello ext"), since=mark)
              if m.get("from") == f"{room}/irc"]
    sc.check("no_loop_to_room", echoes == [])
    sc.check("no_loop_to_irc", not any(e.type == "pubmsg" and "hi room" in e.arguments[0] for e in bob.events))
    bob.connection.disconnect("done")
    await alice.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepw")
    add_ircd_args(p)
    common.run("bridge_irc", p, body)
