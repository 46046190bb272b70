#!/usr/bin/env python3
"""XEP-0060 publish-subscribe through slixmpp's xep_0060 plugin against a live server's
pubsub service (--service), and PEP (XEP-0163, slixmpp's xep_0163 and xep_0172) on the
accounts where the server serves it.

alice (who may create nodes on the service) creates node N with a pubsub#node_config form
(open, items persisted, max_items 10, payloads delivered, retractions and deletion
notified), finds it in the service's disco#items, reads its configuration and changes its
title; bob subscribes (his bare JID); alice publishes an item with a payload; bob receives
the event with the payload intact and fetches the item back (all items, and by id); alice
publishes a second, retracts the first (bob is told, the fetch shows the second only),
purges the node (bob is told, the fetch shows nothing). Node W has the whitelist access
model: carol (a stranger) may not subscribe, fetch or publish; once alice makes bob a
member (owner affiliations) he subscribes. alice deletes N: bob is told, N is gone.
PEP (unless --no-pep): alice and bob are contacts (the subscription handshake if needed);
bob and carol advertise nick+notify (XEP-0115 caps); alice publishes her nickname
(XEP-0172): bob receives it, carol (no subscription) receives nothing and may not fetch it.

    pubsub_slixmpp.py --port 5222 --service pubsub.localhost [--tls none] [--no-pep] [--strict-errors]

The error a stranger gets from a whitelist node, and from a contact-only PEP node, is any
stanza error by default (Prosody 0.12 answers `forbidden`); --strict-errors requires the
one XEP-0060 names (§6.1.3.5 and §6.5.9: not-allowed with closed-node; PEP's presence
model, §6.1.3.2: not-authorized with presence-subscription-required). Publishing to a
node one may not publish to is `forbidden` (§7.1.3.1) either way.
"""
import asyncio
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

import common
from common import STEP_TIMEOUT, QUIET_PERIOD, STANZAS_NS, serialize, stanza_error

PUBSUB = "http://jabber.org/protocol/pubsub"
PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event"
PUBSUB_OWNER = "http://jabber.org/protocol/pubsub#owner"
PUBSUB_ERRORS = "http://jabber.org/protocol/pubsub#errors"
NODE_CONFIG = "http://jabber.org/protocol/pubsub#node_config"
DATA = "jabber:x:data"
NICK = "http://jabber.org/protocol/nick"
PAYLOAD_NS = "urn:example:parley:pubsub"
PLUGINS = ["xep_0030", "xep_0004", "xep_0060", "xep_0115", "xep_0163", "xep_0172"]


async def answer(request):
    """Awaits an iq sent by a slixmpp plugin call: ("result", xml), ("error", xml) or ("timeout", None)."""
    try:
        return "result", (await request).xml
    except IqError as e:
        return "error", e.iq.xml
    except (IqTimeout, asyncio.TimeoutError):
        return "timeout", None


def conditions(xml):
    """(stanza error condition, pubsub#errors condition) of an error answer."""
    if xml is None:
        return None, None
    err = xml.find(f"{{{common.CLIENT_NS}}}error")
    specific = None
    if err is not None:
        for ch in err:
            if ch.tag.startswith(f"{{{PUBSUB_ERRORS}}}"):
                specific = ch.tag.split("}", 1)[1]
    return stanza_error(xml), specific


def form(client, fields):
    """A submitted pubsub#node_config form with `fields` (var, value)."""
    f = client.plugin["xep_0004"].make_form(ftype="submit")
    f.add_field(var="FORM_TYPE", ftype="hidden", value=NODE_CONFIG)
    for var, value in fields:
        f.add_field(var=var, value=value)
    return f


def field_value(xml, var):
    """The first value of data form field `var` anywhere in `xml`, or None."""
    for field in xml.iter(f"{{{DATA}}}field"):
        if field.get("var") == var:
            value = field.find(f"{{{DATA}}}value")
            return value.text if value is not None else ""
    return None


def payload(n, text):
    entry = ET.Element(f"{{{PAYLOAD_NS}}}entry", {"n": str(n)})
    ET.SubElement(entry, f"{{{PAYLOAD_NS}}}title").text = text
    ET.SubElement(entry, f"{{{PAYLOAD_NS}}}body").text = "x < y & \"quoted\" — ünïcödé"
    return entry


def event_of(node, kind):
    """A predicate on messages: a pubsub event `kind` (items, purge, delete) about `node`."""
    def pred(x):
        event = x.find(f"{{{PUBSUB_EVENT}}}event")
        if event is None or x.get("type") == "error":
            return False
        element = event.find(f"{{{PUBSUB_EVENT}}}{kind}")
        return element is not None and element.get("node") == node
    return pred


def event_children(x, name):
    """The <item/> or <retract/> children of an items event."""
    items = x.find(f"{{{PUBSUB_EVENT}}}event/{{{PUBSUB_EVENT}}}items")
    return [] if items is None else items.findall(f"{{{PUBSUB_EVENT}}}{name}")


def fetched(xml):
    """{item id: serialized payload} of an items result."""
    out = {}
    for item in xml.iter(f"{{{PUBSUB}}}item"):
        children = list(item)
        out[item.get("id")] = serialize(children[0]) if children else None
    return out


def refused(sc, name, outcome, xml, strict, wanted):
    """Checks that a stranger's request was refused: any stanza error, or with `strict` the
    (condition, pubsub condition) `wanted`; the conditions seen go to info."""
    got = conditions(xml)
    sc.info[name] = f"{got[0]}/{got[1]}" if outcome == "error" else outcome
    ok = outcome == "error" and (not strict or got == wanted)
    sc.check(name, ok, f"{outcome}: {got}, expected " + (f"{wanted}" if strict else "a stanza error"))


async def told(sc, name, request, watcher, pred):
    """Sends `request()` (an owner's action) and checks that it succeeded (check `name`) and
    that `watcher` was told (`subscriber_told_of_NAME`: a message for which `pred` holds);
    returns that message, or None."""
    mark = watcher.mark()
    outcome, xml = await answer(request())
    sc.check(name, outcome == "result", f"{outcome} {conditions(xml)}")
    event = await watcher.wait_for("message", pred, since=mark)
    sc.check(f"subscriber_told_of_{name}", event is not None, f"no {name} event reached {watcher.label}")
    return event


async def body(sc):
    a = sc.args
    n = common.nonce()
    service = a.service
    node, whitelist = f"parley-{n}", f"parley-wl-{n}"

    sc.step("login")
    alice = await sc.client(a.alice_user, a.alice_password, resource="ps-a", plugins=PLUGINS).login_or_fail("login_alice")
    bob = await sc.client(a.bob_user, a.bob_password, resource="ps-b", plugins=PLUGINS).login_or_fail("login_bob")
    carol = await sc.client(a.carol_user, a.carol_password, resource="ps-c", plugins=PLUGINS).login_or_fail("login_carol")
    for c in (alice, bob, carol):
        await c.roster_get()
        await c.plugin["xep_0115"].update_caps()
        c.presence()
        await c.barrier()
    ps = {c: c.plugin["xep_0060"] for c in (alice, bob, carol)}

    sc.step("disco#info of the service")
    outcome, xml = await answer(alice.plugin["xep_0030"].get_info(jid=service, timeout=STEP_TIMEOUT))
    sc.require("service_disco_info", outcome == "result", f"disco#info of {service}: {outcome} {conditions(xml)}")
    identities = [(i.get("category"), i.get("type")) for i in xml.iter("{http://jabber.org/protocol/disco#info}identity")]
    features = [f.get("var") for f in xml.iter("{http://jabber.org/protocol/disco#info}feature")]
    sc.check("service_identity_pubsub_service", ("pubsub", "service") in identities, f"identities {identities}")
    sc.check("service_feature_pubsub", PUBSUB in features, f"features {features}")
    sc.info["service_features"] = sorted(f for f in features if f.startswith(PUBSUB))

    sc.step("create with a configuration form")
    config = form(alice, [("pubsub#access_model", "open"), ("pubsub#persist_items", "1"), ("pubsub#max_items", "10"),
                          ("pubsub#deliver_payloads", "1"), ("pubsub#notify_retract", "1"), ("pubsub#notify_delete", "1")])
    outcome, xml = await answer(ps[alice].create_node(service, node, config=config, timeout=STEP_TIMEOUT))
    sc.require("create_node", outcome == "result", f"create {node}: {outcome} {conditions(xml)}")
    created = xml.find(f"{{{PUBSUB}}}pubsub/{{{PUBSUB}}}create")
    if created is not None and created.get("node"):
        node = created.get("node")  # XEP-0060 §8.1.2: the service may name the node itself
    outcome, xml = await answer(alice.plugin["xep_0030"].get_items(jid=service, timeout=STEP_TIMEOUT))
    listed = [i.get("node") for i in xml.iter("{http://jabber.org/protocol/disco#items}item")] if xml is not None else []
    sc.check("disco_items_lists_node", outcome == "result" and node in listed, f"{outcome}, nodes {listed}")

    sc.step("configure")
    outcome, xml = await answer(ps[alice].get_node_config(service, node, timeout=STEP_TIMEOUT))
    sc.check("configure_get", outcome == "result" and field_value(xml, "pubsub#max_items") == "10",
             f"{outcome}: max_items {field_value(xml, 'pubsub#max_items') if xml is not None else None}")
    title = f"Parley interop {n} — ünïcödé"
    outcome, xml = await answer(ps[alice].set_node_config(service, node, form(alice, [("pubsub#title", title)]), timeout=STEP_TIMEOUT))
    sc.check("configure_set", outcome == "result", f"{outcome} {conditions(xml)}")
    outcome, xml = await answer(ps[alice].get_node_config(service, node, timeout=STEP_TIMEOUT))
    sc.check("configure_kept", outcome == "result" and field_value(xml, "pubsub#title") == title,
             f"{outcome}: title {field_value(xml, 'pubsub#title') if xml is not None else None!r}")

    sc.step("subscribe")
    outcome, xml = await answer(ps[bob].subscribe(service, node, timeout=STEP_TIMEOUT))
    sub = xml.find(f"{{{PUBSUB}}}pubsub/{{{PUBSUB}}}subscription") if xml is not None else None
    sc.require("subscribe", outcome == "result" and (sub is None or sub.get("subscription") == "subscribed"),
               f"{outcome} {conditions(xml)} {ET.tostring(sub) if sub is not None else ''}")

    sc.step("publish, the event with its payload")
    first = payload(1, f"first {n}")
    mark = bob.mark()
    outcome, xml = await answer(ps[alice].publish(service, node, id="i1", payload=first, timeout=STEP_TIMEOUT))
    sc.require("publish", outcome == "result", f"{outcome} {conditions(xml)}")
    event = await bob.wait_for("message", event_of(node, "items"), since=mark)
    sc.require("subscriber_gets_event", event is not None, "no items event reached bob")
    items = event_children(event, "item")
    sc.check("event_from_service", event.get("from") == service, f"from {event.get('from')}")
    sc.check("event_item_id", [i.get("id") for i in items] == ["i1"], f"items {[i.get('id') for i in items]}")
    got = serialize(list(items[0])[0]) if items and list(items[0]) else None
    sc.check("event_payload_intact", got == serialize(first), f"got {got!r}, sent {serialize(first)!r}")

    sc.step("fetch items")
    outcome, xml = await answer(ps[bob].get_items(service, node, timeout=STEP_TIMEOUT))
    sc.check("fetch_items", outcome == "result" and fetched(xml) == {"i1": serialize(first)},
             f"{outcome}: {fetched(xml) if xml is not None else conditions(xml)}")
    outcome, xml = await answer(ps[bob].get_item(service, node, "i1", timeout=STEP_TIMEOUT))
    sc.check("fetch_item_by_id", outcome == "result" and fetched(xml) == {"i1": serialize(first)},
             f"{outcome}: {fetched(xml) if xml is not None else conditions(xml)}")

    sc.step("retract")
    second = payload(2, f"second {n}")
    outcome, xml = await answer(ps[alice].publish(service, node, id="i2", payload=second, timeout=STEP_TIMEOUT))
    sc.check("publish_second", outcome == "result", f"{outcome} {conditions(xml)}")
    event = await told(sc, "retract", lambda: ps[alice].retract(service, node, "i1", notify="true", timeout=STEP_TIMEOUT), bob,
                       lambda x: event_of(node, "items")(x) and bool(event_children(x, "retract")))
    retracted = [r.get("id") for r in event_children(event, "retract")] if event is not None else None
    sc.check("retract_event_names_item", retracted == ["i1"], f"retracted {retracted}")
    outcome, xml = await answer(ps[bob].get_items(service, node, timeout=STEP_TIMEOUT))
    sc.check("fetch_after_retract", outcome == "result" and list(fetched(xml)) == ["i2"],
             f"{outcome}: {list(fetched(xml)) if xml is not None else None}")

    sc.step("purge")
    await told(sc, "purge", lambda: ps[alice].purge(service, node, timeout=STEP_TIMEOUT), bob, event_of(node, "purge"))
    outcome, xml = await answer(ps[bob].get_items(service, node, timeout=STEP_TIMEOUT))
    sc.check("fetch_after_purge_empty", outcome == "result" and fetched(xml) == {},
             f"{outcome}: {fetched(xml) if xml is not None else None}")

    sc.step("whitelist: a stranger refused, a member let in")
    config = form(alice, [("pubsub#access_model", "whitelist"), ("pubsub#persist_items", "1")])
    outcome, xml = await answer(ps[alice].create_node(service, whitelist, config=config, timeout=STEP_TIMEOUT))
    sc.require("create_whitelist_node", outcome == "result", f"{outcome} {conditions(xml)}")
    outcome, xml = await answer(ps[alice].publish(service, whitelist, id="w1", payload=payload(3, "members only"), timeout=STEP_TIMEOUT))
    sc.check("publish_whitelist", outcome == "result", f"{outcome} {conditions(xml)}")
    mark = carol.mark()
    outcome, xml = await answer(ps[carol].subscribe(service, whitelist, timeout=STEP_TIMEOUT))
    refused(sc, "stranger_subscribe_refused", outcome, xml, a.strict_errors, ("not-allowed", "closed-node"))
    outcome, xml = await answer(ps[carol].get_items(service, whitelist, timeout=STEP_TIMEOUT))
    refused(sc, "stranger_fetch_refused", outcome, xml, a.strict_errors, ("not-allowed", "closed-node"))
    outcome, xml = await answer(ps[carol].publish(service, whitelist, id="c1", payload=payload(4, "intruder"), timeout=STEP_TIMEOUT))
    refused(sc, "stranger_publish_forbidden", outcome, xml, True, ("forbidden", None))
    outcome, xml = await answer(ps[alice].modify_affiliations(service, whitelist, [(bob.bare_jid, "member")], timeout=STEP_TIMEOUT))
    sc.check("owner_sets_member", outcome == "result", f"{outcome} {conditions(xml)}")
    outcome, xml = await answer(ps[alice].get_node_affiliations(service, whitelist, timeout=STEP_TIMEOUT))
    affiliations = {x.get("jid"): x.get("affiliation") for x in xml.iter(f"{{{PUBSUB_OWNER}}}affiliation")} if xml is not None else {}
    sc.check("owner_lists_member", outcome == "result" and affiliations.get(bob.bare_jid) == "member", f"{outcome}: {affiliations}")
    outcome, xml = await answer(ps[bob].subscribe(service, whitelist, timeout=STEP_TIMEOUT))
    sc.check("member_subscribes", outcome == "result", f"{outcome} {conditions(xml)}")
    outcome, xml = await answer(ps[bob].get_items(service, whitelist, timeout=STEP_TIMEOUT))
    sc.check("member_fetches", outcome == "result" and list(fetched(xml)) == ["w1"], f"{outcome}: {conditions(xml)}")
    sc.check("stranger_gets_no_event", not carol.matching("message", event_of(whitelist, "items"), since=mark),
             "carol received an event from the whitelist node")

    sc.step("delete")
    await told(sc, "delete", lambda: ps[alice].delete_node(service, node, timeout=STEP_TIMEOUT), bob, event_of(node, "delete"))
    outcome, xml = await answer(ps[bob].get_items(service, node, timeout=STEP_TIMEOUT))
    sc.check("deleted_node_gone", outcome == "error" and conditions(xml)[0] == "item-not-found",
             f"{outcome}: {conditions(xml)}")
    outcome, xml = await answer(ps[alice].delete_node(service, whitelist, timeout=STEP_TIMEOUT))
    sc.check("delete_whitelist_node", outcome == "result", f"{outcome} {conditions(xml)}")

    if not a.no_pep:
        await pep(sc, alice, bob, carol, n)
    for c in (alice, bob, carol):
        await c.logout()


async def pep(sc, alice, bob, carol, n):
    """XEP-0163: a nickname published to alice's PEP reaches her contact bob (nick+notify in
    his caps), not carol, who may not fetch it either."""
    sc.step("PEP: alice and bob are contacts")
    await common.make_contacts(sc, alice, bob)
    # A fresh presence with caps from both (after a handshake the server knows them anyway).
    for c in (alice, bob, carol):
        c.presence()
        await c.barrier()
    await asyncio.sleep(0.5)  # the server may ask each for its caps (disco#info) first
    sc.step("PEP: alice publishes her nickname")
    nick = f"Alice {n} ✓"
    marks = bob.mark(), carol.mark()
    outcome, xml = await answer(alice.plugin["xep_0172"].publish_nick(nick, timeout=STEP_TIMEOUT))
    sc.require("pep_publish_nick", outcome == "result", f"{outcome} {conditions(xml)}")

    def nick_event(x):
        if not event_of(NICK, "items")(x) or common.bare(x.get("from")) != alice.bare_jid:
            return False
        return any((e.text or "") == nick for e in x.iter(f"{{{NICK}}}nick"))
    got = await bob.wait_for("message", nick_event, since=marks[0])
    sc.check("pep_contact_gets_nick", got is not None, "bob (a contact with nick+notify) got no nick event")
    await asyncio.sleep(QUIET_PERIOD)
    sc.check("pep_stranger_gets_no_nick", not carol.matching("message", nick_event, since=marks[1]),
             "carol (no subscription) received alice's nick")
    outcome, xml = await answer(bob.plugin["xep_0060"].get_items(alice.bare_jid, NICK, timeout=STEP_TIMEOUT))
    sc.check("pep_contact_fetches_nick", outcome == "result" and nick in "".join(xml.itertext()), f"{outcome} {conditions(xml)}")
    outcome, xml = await answer(carol.plugin["xep_0060"].get_items(alice.bare_jid, NICK, timeout=STEP_TIMEOUT))
    refused(sc, "pep_stranger_fetch_refused", outcome, xml, sc.args.strict_errors, ("not-authorized", "presence-subscription-required"))


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--service", default=None, help="the pubsub service's JID (default pubsub.DOMAIN)")
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    common.add_user_args(p, "carol", "carol", "carolpass")
    p.add_argument("--no-pep", action="store_true", help="skip the PEP (XEP-0163) part")
    p.add_argument("--strict-errors", action="store_true",
                   help="a stranger's refusal must be the error XEP-0060 names, not any stanza error")
    p.set_defaults(timeout=60.0)

    def validate(args):
        if args.service is None:
            args.service = f"pubsub.{args.domain}"
        return None
    common.run("pubsub_slixmpp", p, body, validate)
