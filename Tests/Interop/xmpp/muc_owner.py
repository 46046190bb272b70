#!/usr/bin/env python3
"""XEP-0045 §9–§10 with real clients: slixmpp occupants and an IRC client (python `irc`
library) around a room that an XMPP user creates.

alice creates `conf` (self-presence 110 and 201, the room locked): bob is refused
(item-not-found) and the IRC client's JOIN #conf gets 437 until alice configures the
room; a form with an unknown field is bad-request naming it; the submitted form
(name, persistent) shows in disco#info; bob and the IRC client then enter; alice makes bob
a member and reads the member list, which bob (a member) may not read; alice destroys the
room with a reason and an alternate venue: bob gets `<destroy/>` with both, the IRC client
a KICK, and the service lists the room no more.
"""
import xml.etree.ElementTree as ET

import common
from irc_peer import IRCPeer
from muc import MUC_USER, MUC_ADMIN, MUC_OWNER, DATA, DISCO_INFO, DISCO_ITEMS, config_form, codes, is_from, enter


async def body(sc):
    a = sc.args
    service = f"conference.{a.domain}"
    room = f"conf@{service}"

    sc.step("login")
    irc_user = IRCPeer()
    sc.require("irc_registered", await irc_user.connect(a.host, a.irc_port, a.irc_nick, a.irc_password) is not None)
    alice = await sc.client("alice", a.alice_password, resource="desk", plugins=["xep_0045"]).login_or_fail()
    bob = await sc.client("bob", a.bob_password, resource="phone", plugins=["xep_0045"]).login_or_fail()
    for c in (alice, bob):
        c.presence()
        await c.barrier()

    sc.step("alice creates a locked room")
    mark = alice.mark()
    enter(alice, room, "Alice")
    own = await alice.wait_for("presence", is_from(f"{room}/Alice"), since=mark)
    sc.require("alice_self_presence", own is not None)
    sc.check("created_201", "201" in codes(own) and "110" in codes(own), codes(own))
    mark_b = bob.mark()
    enter(bob, room, "Bob")
    refused = await bob.wait_for("presence", is_from(f"{room}/Bob", "error"), since=mark_b)
    sc.check("locked_item_not_found", refused is not None and common.stanza_error(refused) == "item-not-found",
             refused is not None and common.stanza_error(refused))
    irc_user.connection.join("#conf")
    sc.check("irc_locked_437", await irc_user.wait(lambda e: e.type == "unavailresource") is not None,
             [e.type for e in irc_user.events[-3:]])

    sc.step("alice configures the room")
    t, xml = await alice.iq("get", ET.Element(f"{{{MUC_OWNER}}}query"), to=room)
    fields = [f.get("var") for f in xml.iter(f"{{{DATA}}}field")] if xml is not None else []
    sc.check("config_form", t == "result" and "muc#roomconfig_persistentroom" in fields, fields)
    t, xml = await alice.iq("set", config_form([("muc#roomconfig_colour", "blue")]), to=room)
    sc.check("unknown_field_bad_request",
             t == "error" and common.stanza_error(xml) == "bad-request" and "muc#roomconfig_colour" in common.stanza_error_text(xml),
             (t, common.stanza_error_text(xml)))
    t, xml = await alice.iq("set", config_form([
        ("muc#roomconfig_roomname", "Conference"), ("muc#roomconfig_persistentroom", "1"),
        ("muc#roomconfig_publicroom", "1"), ("muc#roomconfig_allowinvites", "1")]), to=room)
    sc.require("config_submitted", t == "result", t)
    t, xml = await alice.iq("get", ET.Element(f"{{{DISCO_INFO}}}query"), to=room)
    names = [i.get("name") for i in xml.iter(f"{{{DISCO_INFO}}}identity")] if xml is not None else []
    features = [f.get("var") for f in xml.iter(f"{{{DISCO_INFO}}}feature")] if xml is not None else []
    sc.check("disco_shows_config", "Conference" in names and "muc_persistent" in features, (names, features))

    sc.step("bob and the IRC client enter")
    mark_b = bob.mark()
    enter(bob, room, "Bob")
    sc.check("bob_enters", await bob.wait_for("presence", is_from(f"{room}/Bob"), since=mark_b) is not None)
    sc.check("irc_enters", await irc_user.join("#conf") is not None)

    sc.step("affiliation lists")
    q = ET.Element(f"{{{MUC_ADMIN}}}query")
    ET.SubElement(q, f"{{{MUC_ADMIN}}}item", {"affiliation": "member", "jid": f"bob@{a.domain}"})
    t, _ = await alice.iq("set", q, to=room)
    sc.check("member_granted", t == "result", t)
    q = ET.Element(f"{{{MUC_ADMIN}}}query")
    ET.SubElement(q, f"{{{MUC_ADMIN}}}item", {"affiliation": "member"})
    t, xml = await alice.iq("get", q, to=room)
    members = [(i.get("jid"), i.get("nick")) for i in xml.iter(f"{{{MUC_ADMIN}}}item")] if xml is not None else []
    sc.check("member_list", t == "result" and members == [(f"bob@{a.domain}", "Bob")], members)
    q = ET.Element(f"{{{MUC_ADMIN}}}query")
    ET.SubElement(q, f"{{{MUC_ADMIN}}}item", {"affiliation": "owner"})
    t, xml = await bob.iq("get", q, to=room)
    sc.check("owner_list_forbidden", t == "error" and common.stanza_error(xml) == "forbidden", t)

    sc.step("alice destroys the room")
    mark_b = bob.mark()
    q = ET.Element(f"{{{MUC_OWNER}}}query")
    d = ET.SubElement(q, f"{{{MUC_OWNER}}}destroy", {"jid": f"elsewhere@{service}"})
    ET.SubElement(d, f"{{{MUC_OWNER}}}reason").text = "moving on"
    t, _ = await alice.iq("set", q, to=room)
    sc.check("destroyed", t == "result", t)
    gone = await bob.wait_for("presence", is_from(f"{room}/Bob", "unavailable"), since=mark_b)
    destroy = gone.find(f".//{{{MUC_USER}}}destroy") if gone is not None else None
    reason = destroy.find(f"{{{MUC_USER}}}reason") if destroy is not None else None
    sc.check("bob_told_destroy",
             destroy is not None and destroy.get("jid") == f"elsewhere@{service}"
             and reason is not None and reason.text == "moving on")
    kick = await irc_user.wait(lambda e: e.type == "kick" and e.target == "#conf" and e.arguments[0] == a.irc_nick)
    sc.check("irc_kicked", kick is not None and "moving on" in kick.arguments[1], kick and kick.arguments)
    t, xml = await alice.iq("get", ET.Element(f"{{{DISCO_ITEMS}}}query"), to=service)
    jids = [i.get("jid") for i in xml.iter(f"{{{DISCO_ITEMS}}}item")] if xml is not None else []
    sc.check("room_gone", t == "result" and room not in jids, jids)

    for c in (alice, bob):
        await c.logout()
    irc_user.connection.disconnect("done")


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    for who in ("alice", "bob"):
        common.add_user_args(p, who, who, f"{who}pw")
    p.add_argument("--irc-port", type=int, required=True)
    p.add_argument("--irc-nick", default="eve")
    p.add_argument("--irc-password", default="evepw")
    common.run("muc_owner", p, body)
