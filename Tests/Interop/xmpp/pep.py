#!/usr/bin/env python3
"""PEP (XEP-0163) on every account, as real clients use it (slixmpp's plugins).

--phase live: alice and bob are contacts (mutual presence subscription), carol is not.
  All three run slixmpp with XEP-0115 caps and the XEP-0084 avatar and XEP-0172 nickname
  plugins, so each advertises "+notify" for those nodes; bob also for the OMEMO device list.
  * alice publishes an avatar (data, then metadata) and a nickname: bob gets the events
    from alice's bare JID with their payloads, carol gets nothing;
  * bob reads alice's avatar data back; carol is refused (presence access model,
    presence-subscription-required);
  * disco on alice's bare JID shows the PEP service and its nodes;
  * bookmarks (XEP-0402) published with the publish-options the XEP asks for (whitelist):
    alice reads them, bob is refused and gets no event; a publish-options precondition the
    node does not meet is a conflict;
  * OMEMO device lists (XEP-0384, legacy and urn:xmpp:omemo:2) published open: carol, a
    stranger, reads them; bob (+notify) gets the event;
  * a second resource of bob coming online gets alice's last avatar metadata and nickname,
    each with an XEP-0203 delay.
--phase verify (after the harness restarted parleyd): bob reads alice's nickname and
  avatar metadata, carol reads her OMEMO device list: PEP items survived the restart.
"""
import asyncio
import base64
import hashlib
import xml.etree.ElementTree as ET

import common

PUBSUB = "http://jabber.org/protocol/pubsub"
EVENT = "http://jabber.org/protocol/pubsub#event"
ERRORS = "http://jabber.org/protocol/pubsub#errors"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
AVATAR_DATA = "urn:xmpp:avatar:data"
AVATAR_META = "urn:xmpp:avatar:metadata"
NICK = "http://jabber.org/protocol/nick"
BOOKMARKS = "urn:xmpp:bookmarks:1"
OMEMO_LEGACY = "eu.siacs.conversations.axolotl.devicelist"
OMEMO_LEGACY_NS = "eu.siacs.conversations.axolotl"
OMEMO2 = "urn:xmpp:omemo:2:devices"
OMEMO2_NS = "urn:xmpp:omemo:2"
PLUGINS = ("xep_0030", "xep_0060", "xep_0115", "xep_0163", "xep_0084", "xep_0172")
# A 1×1 PNG.
AVATAR = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def event_items(frm, node):
    """A pubsub event message from `frm` (bare) with <items node=node>."""
    def pred(x):
        if x.get("from") != frm:
            return False
        items = x.find(f"{{{EVENT}}}event/{{{EVENT}}}items")
        return items is not None and items.get("node") == node
    return pred


def items_request(node, item_id=None):
    pubsub = ET.Element(f"{{{PUBSUB}}}pubsub")
    items = ET.SubElement(pubsub, f"{{{PUBSUB}}}items", {"node": node})
    if item_id:
        ET.SubElement(items, f"{{{PUBSUB}}}item", {"id": item_id})
    return pubsub


def items_of(xml):
    return xml.findall(f"{{{PUBSUB}}}pubsub/{{{PUBSUB}}}items/{{{PUBSUB}}}item") if xml is not None else []


def error_conditions(xml):
    error = xml.find(f"{{{common.CLIENT_NS}}}error") if xml is not None else None
    return [child.tag.split("}")[1] for child in error] if error is not None else []


async def login(sc, user, password, resource, interests=()):
    client = sc.client(user, password, resource=resource, plugins=PLUGINS)
    await client.login_or_fail(f"login_{user}_{resource}")
    for namespace in interests:
        client.plugin["xep_0163"].add_interest(namespace)
    await client.plugin["xep_0115"].update_caps(broadcast=False)
    return client


async def live(sc, a):
    alice = await login(sc, a.alice_user, a.alice_password, "pep-a")
    bob = await login(sc, a.bob_user, a.bob_password, "pep-b", interests=(OMEMO_LEGACY, BOOKMARKS))
    carol = await login(sc, a.carol_user, a.carol_password, "pep-c", interests=(OMEMO_LEGACY,))
    for c in (alice, bob, carol):
        await c.roster_get()
        c.presence()
        await c.barrier()
    sc.step("alice and bob become contacts")
    await common.remove_each_other(sc, alice, bob)
    await common.ensure_mutual_subscription(sc, alice, bob)
    # The server asks each client for its caps once (XEP-0115 §6.3); let that settle.
    await asyncio.sleep(1.0)

    sc.step("avatar and nickname")
    mb, mc = bob.mark(), carol.mark()
    avatar_id = hashlib.sha1(AVATAR).hexdigest()
    await alice.plugin["xep_0084"].publish_avatar(AVATAR)
    await alice.plugin["xep_0084"].publish_avatar_metadata(
        [{"id": avatar_id, "type": "image/png", "bytes": str(len(AVATAR)), "width": "1", "height": "1"}])
    await alice.plugin["xep_0172"].publish_nick("Alice of Parley")
    got = await bob.wait_for("message", event_items(alice.bare_jid, AVATAR_META), since=mb)
    item = got.find(f"{{{EVENT}}}event/{{{EVENT}}}items/{{{EVENT}}}item") if got is not None else None
    info = item.find(f"{{{AVATAR_META}}}metadata/{{{AVATAR_META}}}info") if item is not None else None
    sc.check("bob_gets_avatar_metadata_event", info is not None and info.get("id") == avatar_id
             and item.get("id") == avatar_id, common.serialize(got) if got is not None else "no event")
    got = await bob.wait_for("message", event_items(alice.bare_jid, NICK), since=mb)
    nick = got.find(f".//{{{NICK}}}nick") if got is not None else None
    sc.check("bob_gets_nickname_event", nick is not None and nick.text == "Alice of Parley",
             common.serialize(got) if got is not None else "no event")
    sc.check("bob_gets_no_avatar_data_event", not bob.matching("message", event_items(alice.bare_jid, AVATAR_DATA), since=mb),
             "bob has no +notify for the data node")
    await asyncio.sleep(common.QUIET_PERIOD)
    strays = carol.matching("message", lambda x: x.get("from") == alice.bare_jid, since=mc)
    sc.check("stranger_gets_no_events", not strays, [common.serialize(x) for x in strays])

    sc.step("reading the avatar back")
    t, xml = await bob.iq("get", items_request(AVATAR_DATA, avatar_id), to=alice.bare_jid)
    data = items_of(xml)[0].find(f"{{{AVATAR_DATA}}}data") if t == "result" and items_of(xml) else None
    sc.check("bob_reads_avatar_data", data is not None and base64.b64decode(data.text or "") == AVATAR,
             f"{t}: {common.serialize(xml) if xml is not None else ''}")
    t, xml = await carol.iq("get", items_request(AVATAR_DATA), to=alice.bare_jid)
    conditions = error_conditions(xml)
    sc.check("stranger_refused_avatar", t == "error" and "not-authorized" in conditions
             and "presence-subscription-required" in conditions, f"{t}: {conditions}")

    sc.step("disco on alice's account")
    t, xml = await bob.iq("get", ET.Element(f"{{{DISCO_INFO}}}query"), to=alice.bare_jid)
    identities = [(i.get("category"), i.get("type")) for i in xml.iter(f"{{{DISCO_INFO}}}identity")] if xml is not None else []
    sc.check("account_disco_shows_pep", ("pubsub", "pep") in identities and ("account", "registered") in identities,
             f"{identities}")
    t, xml = await alice.iq("get", ET.Element(f"{{{DISCO_ITEMS}}}query"), to=alice.bare_jid)
    nodes = {i.get("node") for i in xml.iter(f"{{{DISCO_ITEMS}}}item")} if xml is not None else set()
    sc.check("own_disco_items_lists_nodes", {AVATAR_DATA, AVATAR_META, NICK} <= nodes, f"{t}: {nodes}")

    sc.step("bookmarks (XEP-0402)")
    mb = bob.mark()
    room = f"dev@conference.{a.domain}"
    conference = ET.Element(f"{{{BOOKMARKS}}}conference", {"name": "Dev", "autojoin": "true"})
    ET.SubElement(conference, f"{{{BOOKMARKS}}}nick").text = "alice"
    options = common.publish_options(persist_items="true", max_items="max", send_last_published_item="never",
                              access_model="whitelist")
    t, xml = await alice.iq("set", common.pubsub_publish(BOOKMARKS, room, conference, options))
    sc.check("bookmark_published", t == "result", f"{t}: {common.serialize(xml) if xml is not None else ''}")
    t, xml = await alice.iq("get", items_request(BOOKMARKS))
    ids = [i.get("id") for i in items_of(xml)]
    sc.check("own_bookmarks_read", t == "result" and ids == [room], f"{t}: {ids}")
    t, xml = await bob.iq("get", items_request(BOOKMARKS), to=alice.bare_jid)
    conditions = error_conditions(xml)
    sc.check("contact_refused_bookmarks", t == "error" and "not-allowed" in conditions and "closed-node" in conditions,
             f"{t}: {conditions}")
    t, xml = await alice.iq("set", common.pubsub_publish(BOOKMARKS, room, conference, common.publish_options(access_model="open")))
    conditions = error_conditions(xml)
    sc.check("precondition_not_met", t == "error" and "conflict" in conditions and "precondition-not-met" in conditions,
             f"{t}: {conditions}")
    await asyncio.sleep(common.QUIET_PERIOD)
    sc.check("no_bookmark_event_to_contact", not bob.matching("message", event_items(alice.bare_jid, BOOKMARKS), since=mb))

    sc.step("OMEMO device lists (XEP-0384)")
    mb = bob.mark()
    legacy = ET.Element(f"{{{OMEMO_LEGACY_NS}}}list")
    ET.SubElement(legacy, f"{{{OMEMO_LEGACY_NS}}}device", {"id": "1234567"})
    current = ET.Element(f"{{{OMEMO2_NS}}}devices")
    ET.SubElement(current, f"{{{OMEMO2_NS}}}device", {"id": "1234567", "label": "parley-test"})
    for node, payload in ((OMEMO_LEGACY, legacy), (OMEMO2, current)):
        t, xml = await alice.iq("set", common.pubsub_publish(node, "current", payload, common.publish_options(access_model="open")))
        sc.check(f"published_{node}", t == "result", f"{t}: {common.serialize(xml) if xml is not None else ''}")
    for node, tag in ((OMEMO_LEGACY, f"{{{OMEMO_LEGACY_NS}}}list"), (OMEMO2, f"{{{OMEMO2_NS}}}devices")):
        t, xml = await carol.iq("get", items_request(node), to=alice.bare_jid)
        found = items_of(xml)[0].find(tag) if t == "result" and items_of(xml) else None
        sc.check(f"stranger_reads_{node}", found is not None and found[0].get("id") == "1234567", f"{t}")
    got = await bob.wait_for("message", event_items(alice.bare_jid, OMEMO_LEGACY), since=mb)
    sc.check("bob_gets_device_list_event", got is not None)

    sc.step("a second resource of bob comes online")
    bob2 = await login(sc, a.bob_user, a.bob_password, "pep-b2")
    m2 = bob2.mark()
    bob2.presence()
    for node, name in ((AVATAR_META, "avatar_metadata"), (NICK, "nickname")):
        got = await bob2.wait_for("message", event_items(alice.bare_jid, node), since=m2)
        # XEP-0060 §6.1.7: an item sent after the fact says when it was published (XEP-0203).
        sc.check(f"last_{name}_on_coming_online", got is not None and got.find(f"{{{common.DELAY_NS}}}delay") is not None,
                 common.serialize(got) if got is not None else "none")
    for c in (alice, bob, bob2, carol):
        await c.logout()


async def verify(sc, a):
    bob = await login(sc, a.bob_user, a.bob_password, "pep-v")
    carol = await login(sc, a.carol_user, a.carol_password, "pep-v")
    alice = f"{a.alice_user}@{a.domain}"
    t, xml = await bob.iq("get", items_request(NICK), to=alice)
    nick = items_of(xml)[0].find(f"{{{NICK}}}nick") if t == "result" and items_of(xml) else None
    sc.check("nickname_after_restart", nick is not None and nick.text == "Alice of Parley", f"{t}")
    t, xml = await bob.iq("get", items_request(AVATAR_META), to=alice)
    sc.check("avatar_metadata_after_restart", t == "result" and len(items_of(xml)) == 1, f"{t}")
    t, xml = await carol.iq("get", items_request(OMEMO2), to=alice)
    sc.check("device_list_after_restart", t == "result" and len(items_of(xml)) == 1, f"{t}")
    t, xml = await carol.iq("get", items_request(NICK), to=alice)
    sc.check("stranger_still_refused_after_restart", t == "error", f"{t}")
    for c in (bob, carol):
        await c.logout()


async def body(sc):
    await (live if sc.args.phase == "live" else verify)(sc, sc.args)


if __name__ == "__main__":
    parser = common.base_parser(__doc__)
    common.add_user_args(parser, "alice", "alice", "alicepw")
    common.add_user_args(parser, "bob", "bob", "bobpw")
    common.add_user_args(parser, "carol", "carol", "carolpw")
    parser.add_argument("--phase", choices=["live", "verify"], default="live")
    common.run("pep", parser, body)
