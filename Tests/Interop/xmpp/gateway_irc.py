#!/usr/bin/env python3
"""The IRC gateway (irc-gateway, biboumi's addressing) against a real ircd: a slixmpp
user (alice) in `#dev%NETWORK@irc.DOMAIN` and a python `irc` client (bob) on the network.

bob joins #dev first; alice enters through the gateway (one IRC connection of hers, TLS to
the network): she sees bob, her own presence with 110, and the subject; a second resource
of hers enters through the same IRC connection. Messages go both ways with her own id on
the reflection, `/me` is CTCP ACTION, bob's topic is alice's subject, private messages go
both ways (`bob%NETWORK@irc.DOMAIN`), a XEP-0410 self-ping is answered, bob's nick change
is a 303.

--ircd ngircd: ngircd makes bob operator, so bob is a moderator, voicing alice makes her a
member, and alice, made operator, kicks bob from XMPP (a 307 in the room).
--ircd inspircd: InspIRCd has IRCv3 echo-message, msgid, message-tags and away-notify:
alice's reflection is the network's echo, once, with its msgid as stanza-id; bob's
`+draft/reply` is a XEP-0461 reply; bob's AWAY is a presence with show away.
--ready-file: the test restarts the ircd midway; alice's room says 332, then she is back in
it without doing anything. Alice's exit is a QUIT on IRC (her last channel there).
"""
import asyncio
import xml.etree.ElementTree as ET

import common
from irc_peer import IRCPeer, add_ircd_args
from muc import MUC_ADMIN, MUC_USER, SID, codes, is_from, login_and_enter, send_message

PING = "urn:xmpp:ping"
CORRECT = "urn:xmpp:message-correct:0"
REPLY = "urn:xmpp:reply:0"


def item(x):
    """The muc#user item of a presence, or None."""
    return x.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")


async def body(sc):
    a = sc.args
    gateway = f"irc.{a.domain}"
    room = f"#dev%{a.network}@{gateway}"

    sc.step("bob joins #dev on the network")
    bob = IRCPeer()
    sc.require("bob_registered", await bob.connect(a.irc_host, a.irc_port, "bob", None) is not None)
    sc.require("bob_joined", await bob.join("#dev") is not None)

    sc.step("alice enters through the gateway")
    alice, mark, own = await login_and_enter(sc, "alice", a.alice_password, "desk", room, "alice")
    sc.require("alice_self_presence", own is not None and own.get("type") is None,
               own is not None and ET.tostring(own))
    sc.check("alice_self_110", "110" in codes(own), codes(own))
    op = alice.matching("presence", is_from(f"{room}/bob"), since=mark)
    if a.ircd == "ngircd":  # ngircd makes a channel's creator its operator
        sc.check("bob_is_moderator", len(op) == 1 and item(op[0]) is not None and item(op[0]).get("role") == "moderator",
                 [ET.tostring(p) for p in op])
    subject = await alice.wait_for("message", lambda x: x.find(f"{{{common.CLIENT_NS}}}subject") is not None, since=mark)
    sc.check("alice_gets_subject", subject is not None)
    sc.check("bob_sees_alice_join", await bob.wait(bob.joined("alice", "#dev")) is not None)

    sc.step("a second resource of alice's shares her IRC connection")
    phone, mark_p, own_p = await login_and_enter(sc, "alice", a.alice_password, "phone", room, "alice")
    sc.check("phone_self_110", own_p is not None and "110" in codes(own_p))
    sc.check("phone_sees_bob", await phone.wait_for("presence", is_from(f"{room}/bob"), since=mark_p) is not None)
    bob.connection.privmsg("#dev", "to both")
    sc.check("both_resources_get_it",
             await phone.wait_for("message", common.body_contains("to both"), since=mark_p) is not None
             and await alice.wait_for("message", common.body_contains("to both"), since=mark) is not None)
    p = phone.Presence()
    p["to"] = f"{room}/alice"
    p["type"] = "unavailable"
    p.send()
    sc.check("phone_exit_110", await phone.wait_for("presence", is_from(f"{room}/alice", "unavailable"), since=mark_p)
             is not None)
    await phone.logout()
    # One connection: bob never saw a second JOIN, nor a PART when the phone left.
    joins = [e for e in bob.events if e.type == "join" and e.source.nick.startswith("alice")]
    sc.check("one_irc_connection", len(joins) == 1 and not any(
        e.type in ("part", "quit") and e.source.nick.startswith("alice") for e in bob.events), [str(e) for e in joins])

    sc.step("groupchat both ways, /me as ACTION")
    mark = mark_hello = alice.mark()
    send_message(alice, room, "groupchat", "hello irc", id="alice-hello")
    sc.check("bob_gets_groupchat", await bob.wait(lambda e: e.type == "pubmsg" and e.source.nick == "alice"
                                                  and e.arguments == ["hello irc"]) is not None)
    reflected = await alice.wait_for("message", common.body_contains("hello irc"), since=mark)
    sc.check("alice_gets_reflection", reflected is not None and reflected.get("from") == f"{room}/alice"
             and reflected.get("id") == "alice-hello", reflected is not None and ET.tostring(reflected))
    bob.connection.privmsg("#dev", "hi xmpp")
    got = await alice.wait_for("message", common.body_contains("hi xmpp"), since=mark)
    sc.check("alice_gets_irc_message", got is not None and got.get("from") == f"{room}/bob"
             and got.get("type") == "groupchat")
    send_message(alice, room, "groupchat", "/me waves")
    action = await bob.wait(lambda e: e.type == "action" and e.source.nick == "alice")
    sc.check("me_is_ctcp_action", action is not None and action.arguments == ["waves"])

    sc.step("a correction is one marked line; a message too long for IRC is refused; latin-1 from IRC is read")
    mark = alice.mark()
    send_message(alice, room, "groupchat", "hello irc, fixed",
                 [ET.Element(f"{{{CORRECT}}}replace", {"id": "alice-hello"})])
    sc.check("correction_is_marked_line", await bob.wait(lambda e: e.type == "pubmsg" and e.source.nick == "alice"
                                                         and e.arguments == ["(correction) hello irc, fixed"]) is not None)
    send_message(alice, room, "groupchat", "\n".join(f"line {i}" for i in range(30)), id="too-long")
    refused = await alice.wait_for("message", lambda x: x.get("type") == "error" and x.get("id") == "too-long", since=mark)
    sc.check("too_long_refused", refused is not None and common.stanza_error(refused) == "not-acceptable",
             refused is not None and ET.tostring(refused))
    bob.connection.transmit_encoding = "latin-1"
    bob.connection.privmsg("#dev", "caf\u00e9 cr\u00e8me")
    bob.connection.transmit_encoding = "utf-8"
    latin = await alice.wait_for("message", common.body_contains("cr\u00e8me"), since=mark)
    sc.check("latin1_line_decoded", latin is not None and common.message_body(latin) == "caf\u00e9 cr\u00e8me",
             latin is not None and common.message_body(latin))
    sc.check("long_message_not_on_irc", not any(e.type == "pubmsg" and e.arguments[:1] == ["line 0"] for e in bob.events))

    sc.step("topic, private messages")
    mark = alice.mark()
    if a.ircd == "ngircd":  # InspIRCd's channels are +t, and bob is no operator there
        bob.connection.topic("#dev", "the dev channel")
        topic = await alice.wait_for(
            "message", lambda x: (x.findtext(f"{{{common.CLIENT_NS}}}subject") or "") == "the dev channel", since=mark)
        sc.check("topic_is_subject", topic is not None and topic.get("from") == f"{room}/bob")
    bob.connection.privmsg("alice", "psst")
    private = await alice.wait_for("message", common.body_contains("psst"), since=mark)
    sc.check("irc_private_message", private is not None and private.get("from") == f"bob%{a.network}@{gateway}"
             and private.get("type") == "chat", private is not None and ET.tostring(private))
    send_message(alice, f"bob%{a.network}@{gateway}", "chat", "psst back")
    sc.check("xmpp_private_message", await bob.wait(lambda e: e.type == "privmsg" and e.source.nick == "alice"
                                                    and e.arguments == ["psst back"]) is not None)

    sc.step("alice's away presence is AWAY on IRC")
    p = alice.Presence()
    p["to"] = f"{room}/alice"
    p["show"] = "away"
    p["status"] = "brb"
    p.send()
    away = None
    for _ in range(6):  # the AWAY line waits its turn in the gateway's rate limiter
        await asyncio.sleep(0.5)
        start = len(bob.events)
        bob.connection.whois(["alice"])
        if await bob.wait(lambda e: e.type == "endofwhois", since=start) is None:
            break
        away = next((e for e in bob.events[start:] if e.type == "away" and e.arguments[:1] == ["alice"]), None)
        if away is not None:
            break
    sc.check("away_is_irc_away", away is not None and away.arguments[-1] == "brb",
             [(e.type, e.arguments) for e in bob.events[-8:]])
    alice.presence()

    sc.step("XEP-0410: a self-ping is answered while in the room")
    t, _ = await alice.iq("get", ET.Element(f"{{{PING}}}ping"), to=f"{room}/alice")
    sc.check("self_ping_answered", t == "result", t)

    if a.ircd == "inspircd":
        sc.step("IRCv3: one reflection with the network's msgid, replies and away")
        await asyncio.sleep(0.5)
        reflections = alice.matching("message", lambda x: common.message_body(x) == "hello irc", since=mark_hello)
        sid = reflections[0].find(f"{{{SID}}}stanza-id") if reflections else None
        sc.check("echo_is_one_reflection_with_msgid", len(reflections) == 1 and sid is not None and sid.get("by") == room
                 and len(sid.get("id", "")) > 0, [ET.tostring(r) for r in reflections])
        bob.connection.send_raw("CAP REQ :message-tags")
        sc.require("bob_message_tags", await bob.wait(lambda e: e.type == "cap" and e.arguments[:1] == ["ACK"]) is not None)
        mark = alice.mark()
        answer_to = sid.get("id") if sid is not None else "none"
        bob.connection.send_raw(f"@+draft/reply={answer_to} PRIVMSG #dev :answer")
        answer = await alice.wait_for("message", common.body_contains("answer"), since=mark)
        reply = answer.find(f"{{{REPLY}}}reply") if answer is not None else None
        sc.check("draft_reply_is_xep0461", reply is not None and reply.get("id") == answer_to,
                 answer is not None and ET.tostring(answer))
        answer_sid = answer.find(f"{{{SID}}}stanza-id") if answer is not None else None
        sc.check("irc_msgid_is_stanza_id", answer_sid is not None and answer_sid.get("by") == room)
        bob.connection.send_raw("AWAY :lunch")
        away = await alice.wait_for("presence", lambda x: x.get("from") == f"{room}/bob"
                                    and x.findtext(f"{{{common.CLIENT_NS}}}show") == "away", since=mark)
        sc.check("away_is_presence", away is not None
                 and away.findtext(f"{{{common.CLIENT_NS}}}status") == "lunch")
        bob.connection.send_raw("AWAY")

    sc.step("nick change and voice")
    mark = alice.mark()
    bob.connection.nick("robert")
    renamed = await alice.wait_for("presence", is_from(f"{room}/bob", "unavailable"), since=mark)
    sc.check("nick_change_303", renamed is not None and "303" in codes(renamed)
             and item(renamed) is not None and item(renamed).get("nick") == "robert")
    sc.check("new_nick_available", await alice.wait_for("presence", is_from(f"{room}/robert"), since=mark) is not None)
    if a.ircd == "ngircd":  # bob is an operator there
        bob.connection.mode("#dev", "+v alice")
        voiced = await alice.wait_for(
            "presence", lambda x: x.get("from") == f"{room}/alice" and item(x) is not None
            and item(x).get("affiliation") == "member", since=mark)
        sc.check("voice_is_membership", voiced is not None and "110" in codes(voiced))

        sc.step("alice, made operator, kicks robert from XMPP")
        bob.connection.mode("#dev", "+o alice")
        opped = await alice.wait_for(
            "presence", lambda x: x.get("from") == f"{room}/alice" and item(x) is not None
            and item(x).get("role") == "moderator", since=mark)
        sc.check("op_is_moderator", opped is not None)
        query = ET.Element(f"{{{MUC_ADMIN}}}query")
        kick = ET.SubElement(query, f"{{{MUC_ADMIN}}}item", {"nick": "robert", "role": "none"})
        ET.SubElement(kick, f"{{{MUC_ADMIN}}}reason").text = "testing"
        t, _ = await alice.iq("set", query, to=room)
        kicked = await bob.wait(lambda e: e.type == "kick" and e.arguments[:1] == ["robert"])
        sc.check("xmpp_kick_is_irc_kick", t == "result" and kicked is not None and kicked.arguments[-1] == "testing",
                 kicked is not None and kicked.arguments)
        gone = await alice.wait_for("presence", is_from(f"{room}/robert", "unavailable"), since=mark)
        sc.check("kick_is_307", gone is not None and "307" in codes(gone))
        sc.require("robert_rejoins", await bob.join("#dev") is not None)

        sc.step("alice bans carl from XMPP (outcast by nick%network JID)")
        carl = IRCPeer()
        sc.require("carl_registered", await carl.connect(a.irc_host, a.irc_port, "carl", None) is not None)
        sc.require("carl_joined", await carl.join("#dev") is not None)
        query = ET.Element(f"{{{MUC_ADMIN}}}query")
        ban = ET.SubElement(query, f"{{{MUC_ADMIN}}}item",
                            {"jid": f"carl%{a.network}@{gateway}", "affiliation": "outcast"})
        ET.SubElement(ban, f"{{{MUC_ADMIN}}}reason").text = "banned"
        t, _ = await alice.iq("set", query, to=room)
        banned = await carl.wait(lambda e: e.type == "kick" and e.arguments[:1] == ["carl"])
        sc.check("xmpp_ban_is_irc_ban_and_kick", t == "result" and banned is not None)
        carl.connection.join("#dev")
        sc.check("ban_holds", await carl.wait(lambda e: e.type == "bannedfromchan") is not None)
        carl.connection.disconnect("done")

    if a.ready_file:
        sc.step("the network restarts; alice is back in #dev without doing anything")
        mark = alice.mark()
        bob.connection.disconnect("restart")
        open(a.ready_file, "w").close()
        lost = await alice.wait_for("presence", lambda x: x.get("from") == f"{room}/alice"
                                    and x.get("type") == "unavailable" and "332" in codes(x), since=mark, timeout=20)
        sc.check("loss_is_332", lost is not None)
        back = await alice.wait_for("presence", lambda x: x.get("from") == f"{room}/alice" and x.get("type") is None
                                    and "110" in codes(x), since=mark, timeout=30)
        sc.check("back_with_self_presence", back is not None)
        bob = IRCPeer()
        sc.require("bob_back", await bob.connect(a.irc_host, a.irc_port, "bob", None) is not None)
        sc.require("bob_rejoined", await bob.join("#dev") is not None)
        mark = alice.mark()
        bob.connection.privmsg("#dev", "welcome back")
        sc.check("talk_after_restart",
                 await alice.wait_for("message", common.body_contains("welcome back"), since=mark) is not None)

    sc.step("alice leaves")
    mark = alice.mark()
    p = alice.Presence()
    p["to"] = f"{room}/alice"
    p["type"] = "unavailable"
    p.send()
    left = await alice.wait_for("presence", is_from(f"{room}/alice", "unavailable"), since=mark)
    sc.check("exit_self_110", left is not None and "110" in codes(left))
    sc.check("irc_sees_quit", await bob.wait(lambda e: e.type in ("quit", "part") and e.source.nick == "alice") is not None)

    await alice.logout()
    bob.connection.disconnect("done")


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepw")
    add_ircd_args(p)
    p.add_argument("--ircd", choices=["ngircd", "inspircd"], default="ngircd",
                   help="ngircd ops a channel's creator; InspIRCd (as the tests set it up) has IRCv3 echo-message and tags")
    p.add_argument("--ready-file", help="created once the network may be restarted (the test then restarts it)")
    common.run("gateway_irc", p, body)
