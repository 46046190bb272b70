#!/usr/bin/env python3
"""What crosses between XMPP and IRC in one shared room besides plain text, with real
clients: a slixmpp occupant (alice) and an IRC client on the python `irc` library (eve,
with IRCv3 message-tags) in `dev@conference.DOMAIN` = `#dev`.

- An IRC message's msgid is the XMPP stanza-id, and the other way round.
- XEP-0461 reply from XMPP → `+draft/reply` on IRC; `+draft/reply` from IRC → XEP-0461.
- `+draft/react` TAGMSG from IRC → XEP-0444 reactions; XEP-0444 from XMPP → TAGMSG.
- `/me` (XEP-0245) ↔ CTCP ACTION.
- XEP-0308 correction: IRC has no form, so the corrected text arrives as a new message.
- XEP-0249 direct invitation from XMPP → INVITE on IRC; IRC INVITE of an XMPP user → a
  XEP-0045 mediated invitation from the room.
"""
import asyncio
import xml.etree.ElementTree as ET

import common
from irc_peer import IRCPeer
from muc import SID, MUC_USER, is_from, login_and_enter, send_message

REPLY = "urn:xmpp:reply:0"
REACTIONS = "urn:xmpp:reactions:0"
CORRECT = "urn:xmpp:message-correct:0"
CONFERENCE = "jabber:x:conference"


def tag(event, key):
    """The value of IRC tag `key` on `event`, or None."""
    return next((t["value"] for t in event.tags or [] if t["key"] == key), None)


def groupchat(client, room, body=None, extra=()):
    """Sends a groupchat to `room` with `body` and extension elements `extra`."""
    send_message(client, room, "groupchat", body, extra)


async def body(sc):
    a = sc.args
    room = f"dev@conference.{a.domain}"

    sc.step("eve joins #dev with message-tags, alice enters")
    eve = IRCPeer()
    sc.require("irc_registered", await eve.connect(a.host, a.irc_port, a.irc_nick, a.irc_password) is not None)
    eve.connection.send_raw("CAP REQ :message-tags")
    ack = await eve.wait(lambda e: e.type == "cap" and e.arguments[:1] == ["ACK"])
    sc.require("irc_message_tags", ack is not None)
    sc.require("irc_joined", await eve.join("#dev") is not None)
    alice, mark, own = await login_and_enter(sc, "alice", a.alice_password, "desk", room, "Alice")
    sc.require("alice_enters", own is not None)
    sc.require("eve_sees_alice", await eve.wait(eve.joined("Alice", "#dev")) is not None)

    sc.step("ids: an IRC message's stanza-id, an XMPP message's msgid")
    mark = alice.mark()
    eve.connection.privmsg("#dev", "question")
    question = await alice.wait_for("message", common.body_contains("question"), since=mark)
    sc.require("alice_gets_question", question is not None)
    question_id = question.find(f"{{{SID}}}stanza-id").get("id")
    groupchat(alice, room, "answer", [ET.Element(f"{{{REPLY}}}reply", {"to": f"{room}/{a.irc_nick}", "id": question_id})])
    answer = await eve.wait(eve.said("Alice", "answer"))
    sc.require("eve_gets_answer", answer is not None)
    sc.check("xmpp_reply_is_draft_reply", tag(answer, "+draft/reply") == question_id,
             [answer.tags, question_id])
    answer_id = tag(answer, "msgid")
    sc.require("answer_has_msgid", bool(answer_id), answer.tags)

    sc.step("eve reacts and replies from IRC")
    mark = alice.mark()
    eve.connection.send_raw(f"@+draft/react=👍;+draft/reply={answer_id} TAGMSG #dev")
    reaction = await alice.wait_for("message", lambda x: x.find(f"{{{REACTIONS}}}reactions") is not None, since=mark)
    sc.check("irc_react_is_xep0444", reaction is not None
             and reaction.find(f"{{{REACTIONS}}}reactions").get("id") == answer_id
             and [r.text for r in reaction.iter(f"{{{REACTIONS}}}reaction")] == ["👍"]
             and reaction.get("from") == f"{room}/{a.irc_nick}",
             reaction is not None and ET.tostring(reaction))
    eve.connection.send_raw(f"@+draft/reply={answer_id} PRIVMSG #dev :me too")
    me_too = await alice.wait_for("message", common.body_contains("me too"), since=mark)
    sc.check("irc_reply_is_xep0461", me_too is not None
             and me_too.find(f"{{{REPLY}}}reply") is not None
             and me_too.find(f"{{{REPLY}}}reply").get("id") == answer_id,
             me_too is not None and ET.tostring(me_too))

    sc.step("alice reacts from XMPP")
    me_too_id = me_too.find(f"{{{SID}}}stanza-id").get("id") if me_too is not None else "none"
    reactions = ET.Element(f"{{{REACTIONS}}}reactions", {"id": me_too_id})
    ET.SubElement(reactions, f"{{{REACTIONS}}}reaction").text = "🎉"
    groupchat(alice, room, None, [reactions])
    tagged = await eve.wait(lambda e: e.type == "tagmsg" and e.source.nick == "Alice")
    sc.check("xep0444_is_draft_react", tagged is not None and tag(tagged, "+draft/react") == "🎉"
             and tag(tagged, "+draft/reply") == me_too_id, tagged is not None and tagged.tags)

    sc.step("/me both ways")
    mark = alice.mark()
    groupchat(alice, room, "/me waves")
    action = await eve.wait(lambda e: e.type == "action" and e.source.nick == "Alice")
    sc.check("xmpp_me_is_ctcp_action", action is not None and action.arguments == ["waves"],
             action is not None and action.arguments)
    eve.connection.action("#dev", "waves back")
    back = await alice.wait_for("message", common.body_contains("/me waves back"), since=mark)
    sc.check("ctcp_action_is_xmpp_me", back is not None and common.message_body(back) == "/me waves back")

    sc.step("a correction has no IRC form: the corrected text arrives as a message")
    groupchat(alice, room, "answer, fixed", [ET.Element(f"{{{CORRECT}}}replace", {"id": "whatever"})])
    fixed = await eve.wait(eve.said("Alice", "answer, fixed"))
    sc.check("correction_arrives_as_text", fixed is not None)

    sc.step("invitations both ways")
    send_message(alice, f"{a.irc_nick}@{a.domain}", "normal", None,
                 [ET.Element(f"{{{CONFERENCE}}}x", {"jid": f"ops@conference.{a.domain}", "reason": "ops talk"})])
    # From alice's account (a direct invitation is from a user, not an occupant).
    got = await eve.wait(lambda e: e.type == "invite" and e.source.nick == "alice")
    sc.check("xep0249_is_irc_invite", got is not None and got.target == a.irc_nick and got.arguments == ["#ops"],
             got is not None and (got.target, got.arguments))
    sc.require("irc_joined_ops", await eve.join("#ops") is not None)
    mark = alice.mark()
    eve.connection.send_raw("INVITE Alice #ops")
    mediated = await alice.wait_for(
        "message", lambda x: x.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite") is not None, since=mark)
    sc.check("irc_invite_is_mediated_invitation",
             mediated is not None and mediated.get("from") == f"ops@conference.{a.domain}",
             mediated is not None and ET.tostring(mediated))

    await alice.logout()
    eve.connection.disconnect("done")


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepw")
    p.add_argument("--irc-port", type=int, required=True)
    p.add_argument("--irc-nick", default="eve")
    p.add_argument("--irc-password", default="evepw")
    common.run("muc_bridge_meanings", p, body)
