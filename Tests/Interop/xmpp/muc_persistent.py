#!/usr/bin/env python3
"""Persistent rooms across a restart of the real `parleyd`, in two phases run against two
processes on the same storage directory.

--phase create: alice creates `keep`, makes it persistent with a name, sets the subject,
says three things and makes bob a member, then leaves (the empty room stays).
--phase check (after the restart): the service lists `keep` under its name; bob enters
without a lock and gets the three messages as history (XEP-0203 delays) and the subject;
bob pages through the archive backwards with XEP-0313 and RSM (2, then 1, complete); alice
is still owner and reads bob in the member list; an IRC client joining #keep sees the
same topic.
"""
import xml.etree.ElementTree as ET

import common
from irc_peer import IRCPeer
from muc import MUC_ADMIN, DISCO_ITEMS, config_form, codes, is_from, enter

SUBJECT = "kept across restarts"
MAM = "urn:xmpp:mam:2"
RSM = "http://jabber.org/protocol/rsm"
FORWARD = "urn:xmpp:forward:0"


async def create(sc, alice, room):
    mark = alice.mark()
    enter(alice, room, "Alice")
    own = await alice.wait_for("presence", is_from(f"{room}/Alice"), since=mark)
    sc.require("created", own is not None and "201" in codes(own), own is not None and codes(own))
    t, _ = await alice.iq("set", config_form([
        ("muc#roomconfig_persistentroom", "1"), ("muc#roomconfig_roomname", "Keep room")]), to=room)
    sc.require("configured", t == "result", t)
    m = alice.Message()
    m["to"] = room
    m["type"] = "groupchat"
    m["subject"] = SUBJECT
    m.send()
    for n in (1, 2, 3):
        said = alice.mark()
        m = alice.Message()
        m["to"] = room
        m["type"] = "groupchat"
        m["body"] = f"archived {n}"
        m.send()
        sc.require(f"said_{n}", await alice.wait_for("message", common.body_contains(f"archived {n}"), since=said) is not None)
    q = ET.Element(f"{{{MUC_ADMIN}}}query")
    ET.SubElement(q, f"{{{MUC_ADMIN}}}item", {"affiliation": "member", "jid": f"bob@{sc.args.domain}"})
    t, _ = await alice.iq("set", q, to=room)
    sc.check("member_granted", t == "result", t)
    p = alice.Presence()
    p["to"] = f"{room}/Alice"
    p["type"] = "unavailable"
    p.send()
    await alice.wait_for("presence", is_from(f"{room}/Alice", "unavailable"), since=mark)


async def check(sc, alice, bob, room, service):
    a = sc.args
    t, xml = await bob.iq("get", ET.Element(f"{{{DISCO_ITEMS}}}query"), to=service)
    items = {i.get("jid"): i.get("name") for i in xml.iter(f"{{{DISCO_ITEMS}}}item")} if xml is not None else {}
    sc.check("listed_after_restart", items.get(room) == "Keep room", items)
    mark = bob.mark()
    enter(bob, room, "Bob")
    own = await bob.wait_for("presence", is_from(f"{room}/Bob"), since=mark)
    sc.require("bob_enters", own is not None and own.get("type") != "error", own is not None and common.stanza_error(own))
    sc.check("not_created_again", "201" not in codes(own), codes(own))
    subject = await bob.wait_for(
        "message", lambda x: x.findtext(f"{{{common.CLIENT_NS}}}subject") is not None, since=mark)
    history = [common.message_body(h) for h in bob.matching(
        "message", lambda x: x.find(f"{{{common.DELAY_NS}}}delay") is not None, since=mark)]
    sc.check("history_from_archive", history == ["archived 1", "archived 2", "archived 3"], history)
    sc.check("subject_kept", subject is not None and subject.findtext(f"{{{common.CLIENT_NS}}}subject") == SUBJECT,
             subject is not None and subject.findtext(f"{{{common.CLIENT_NS}}}subject"))
    q = ET.Element(f"{{{MUC_ADMIN}}}query")
    ET.SubElement(q, f"{{{MUC_ADMIN}}}item", {"affiliation": "member"})
    t, xml = await alice.iq("get", q, to=room)
    members = [i.get("jid") for i in xml.iter(f"{{{MUC_ADMIN}}}item")] if xml is not None else []
    sc.check("owner_and_member_kept", t == "result" and members == [f"bob@{a.domain}"], (t, members))
    await page_archive(sc, bob, room)
    irc_user = IRCPeer()
    sc.require("irc_registered", await irc_user.connect(a.host, a.irc_port, a.irc_nick, a.irc_password) is not None)
    irc_user.connection.join("#keep")
    topic = await irc_user.wait(lambda e: e.type == "currenttopic")
    sc.check("irc_topic_kept", topic is not None and topic.arguments[-1] == SUBJECT, topic and topic.arguments)
    irc_user.connection.disconnect("done")


async def mam_page(client, room, before, queryid):
    """One XEP-0313 query, newest first page of 2 before `before` ('' = the end)."""
    query = ET.Element(f"{{{MAM}}}query", {"queryid": queryid})
    rsm = ET.SubElement(query, f"{{{RSM}}}set")
    ET.SubElement(rsm, f"{{{RSM}}}max").text = "2"
    ET.SubElement(rsm, f"{{{RSM}}}before").text = before or None
    mark = client.mark()
    t, xml = await client.iq("set", query, to=room)
    results = client.matching("message", lambda x: x.find(f"{{{MAM}}}result[@queryid='{queryid}']") is not None, since=mark)
    bodies = [x.findtext(f".//{{{FORWARD}}}forwarded/{{{common.CLIENT_NS}}}message/{{{common.CLIENT_NS}}}body")
              for x in results]
    fin = xml.find(f"{{{MAM}}}fin") if xml is not None else None
    first = fin.findtext(f"{{{RSM}}}set/{{{RSM}}}first") if fin is not None else None
    return t, bodies, fin, first


async def page_archive(sc, bob, room):
    t, bodies, fin, first = await mam_page(bob, room, "", "p1")
    sc.check("mam_last_page", t == "result" and bodies == ["archived 2", "archived 3"]
             and fin is not None and fin.get("complete") != "true", (t, bodies))
    t, bodies, fin, _ = await mam_page(bob, room, first, "p2")
    sc.check("mam_previous_page_complete", t == "result" and bodies == ["archived 1"]
             and fin is not None and fin.get("complete") == "true", (t, bodies))


async def body(sc):
    a = sc.args
    service = f"conference.{a.domain}"
    room = f"keep@{service}"
    sc.step(f"phase {a.phase}")
    alice = await sc.client("alice", a.alice_password, resource="desk", plugins=["xep_0045"]).login_or_fail()
    bob = await sc.client("bob", a.bob_password, resource="phone", plugins=["xep_0045"]).login_or_fail()
    for c in (alice, bob):
        c.presence()
        await c.barrier()
    if a.phase == "create":
        await create(sc, alice, room)
    else:
        await check(sc, alice, bob, room, service)
    for c in (alice, bob):
        await c.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    for who in ("alice", "bob"):
        common.add_user_args(p, who, who, f"{who}pw")
    p.add_argument("--phase", choices=["create", "check"], required=True)
    p.add_argument("--irc-port", type=int, default=0)
    p.add_argument("--irc-nick", default="eve")
    p.add_argument("--irc-password", default="evepw")
    common.run("muc_persistent", p, body)
