#!/usr/bin/env python3
"""XEP-0060 with slixmpp's xep_0060 plugin against `pubsub.<domain>` of the real `parleyd`
(xmpp-c2s + pubsub), in two phases run against two processes on the same storage.

--phase main: the service answers disco#info as a pubsub service; alice creates `news`
(create and configure), reads and changes its configuration; bob subscribes; alice
publishes two items and bob receives each event with its payload; bob fetches both
items back; alice retracts one and bob is told; a whitelist node `private` refuses eve
(a stranger) its subscription and its items with not-allowed + closed-node; a node
`temp` is deleted and its subscriber bob is told.
--phase check (after a restart of parleyd): `news` holds the second item with its payload
and its changed title; bob's subscription is still there (alice publishes, bob receives,
alice retracts again, so that the phase can run after every restart);
`private` still refuses eve and still holds its item for alice; `temp` is gone.
"""
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError, IqTimeout

import common

PUBSUB = "http://jabber.org/protocol/pubsub"
EVENT = "http://jabber.org/protocol/pubsub#event"
OWNER = "http://jabber.org/protocol/pubsub#owner"
ERRORS = "http://jabber.org/protocol/pubsub#errors"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
DATA = "jabber:x:data"
ATOM = "http://www.w3.org/2005/Atom"


async def call(request):
    """('result', xml), ('error', xml) or ('timeout', None) for one xep_0060 request."""
    try:
        answer = await request
        return "result", answer.xml
    except IqError as e:
        return "error", e.iq.xml
    except IqTimeout:
        return "timeout", None


def errors(xml):
    """(stanza condition, pubsub#errors condition) of an error IQ."""
    if xml is None:
        return None, None
    specific = xml.find(f"{{{common.CLIENT_NS}}}error/{{{ERRORS}}}*")
    return common.stanza_error(xml), specific.tag.split("}", 1)[1] if specific is not None else None


def entry(title):
    """An Atom entry payload."""
    e = ET.Element(f"{{{ATOM}}}entry")
    ET.SubElement(e, f"{{{ATOM}}}title").text = title
    return e


def items_of(xml):
    """{item id: entry title} of an items result."""
    if xml is None:
        return {}
    return {i.get("id"): i.findtext(f"{{{ATOM}}}entry/{{{ATOM}}}title")
            for i in xml.iter(f"{{{PUBSUB}}}item")}


def event_item(node, item_id):
    """A message predicate: a pubsub event publishing `item_id` on `node`."""
    return lambda x: x.find(f"{{{EVENT}}}event/{{{EVENT}}}items[@node='{node}']/{{{EVENT}}}item[@id='{item_id}']") is not None


def event_title(message):
    return message.findtext(f".//{{{EVENT}}}item/{{{ATOM}}}entry/{{{ATOM}}}title") if message is not None else None


def form_value(xml, var):
    """The value of field `var` in the first data form of `xml`."""
    if xml is None:
        return None
    for field in xml.iter(f"{{{DATA}}}field"):
        if field.get("var") == var:
            return field.findtext(f"{{{DATA}}}value")
    return None


def config(client, fields):
    """A submitted form with `fields` (var, value) for slixmpp to send."""
    form = client.plugin["xep_0004"].make_form(ftype="submit")
    for var, value in fields:
        form.add_field(var=var, value=value)
    return form


async def main_phase(sc, alice, bob, eve, service):
    ps = alice.plugin["xep_0060"]
    sc.step("disco")
    t, xml = await alice.iq("get", ET.Element(f"{{{DISCO_INFO}}}query"), to=service)
    identity = xml.find(f".//{{{DISCO_INFO}}}identity") if xml is not None else None
    features = {f.get("var") for f in xml.iter(f"{{{DISCO_INFO}}}feature")} if xml is not None else set()
    sc.check("disco_pubsub_service", t == "result" and identity is not None and identity.get("category") == "pubsub"
             and PUBSUB in features and f"{PUBSUB}#publish" in features, (t, features))

    sc.step("create and configure")
    t, xml = await call(ps.create_node(service, "news", config=config(alice, [
        ("pubsub#max_items", "5"), ("pubsub#title", "News"), ("pubsub#notify_retract", "1")])))
    sc.require("create_news", t == "result", xml is not None and errors(xml))
    t, xml = await call(ps.get_node_config(service, "news"))
    sc.check("config_read", t == "result" and form_value(xml, "pubsub#title") == "News"
             and form_value(xml, "pubsub#max_items") == "5", (t, form_value(xml, "pubsub#title")))
    t, xml = await call(ps.set_node_config(service, "news", config(alice, [
        ("FORM_TYPE", "http://jabber.org/protocol/pubsub#node_config"), ("pubsub#title", "Daily news")])))
    sc.check("config_changed", t == "result", xml is not None and errors(xml))
    t, xml = await call(ps.set_node_config(service, "news", config(alice, [("pubsub#frobnicate", "1")])))
    sc.check("config_unknown_field_refused", t == "error" and errors(xml)[0] == "bad-request", errors(xml))

    sc.step("subscribe")
    t, xml = await call(bob.plugin["xep_0060"].subscribe(service, "news"))
    sub = xml.find(f".//{{{PUBSUB}}}subscription") if xml is not None else None
    sc.require("bob_subscribed", t == "result" and sub is not None and sub.get("subscription") == "subscribed",
               (t, xml is not None and errors(xml)))

    sc.step("publish")
    for item_id, title in (("first", "Hello"), ("second", "World")):
        mark = bob.mark()
        t, xml = await call(ps.publish(service, "news", id=item_id, payload=entry(title)))
        sc.check(f"published_{item_id}", t == "result", xml is not None and errors(xml))
        got = await bob.wait_for("message", event_item("news", item_id), since=mark)
        sc.check(f"bob_receives_{item_id}", event_title(got) == title and got.get("from") == service,
                 got is not None and ET.tostring(got))

    sc.step("items")
    t, xml = await call(bob.plugin["xep_0060"].get_items(service, "news"))
    sc.check("items_fetched", t == "result" and items_of(xml) == {"first": "Hello", "second": "World"}, items_of(xml))
    t, xml = await call(bob.plugin["xep_0060"].get_items(service, "news", max_items=1))
    sc.check("items_newest", t == "result" and items_of(xml) == {"second": "World"}, items_of(xml))

    sc.step("retract")
    mark = bob.mark()
    t, xml = await call(ps.retract(service, "news", "first"))
    sc.check("retracted", t == "result", xml is not None and errors(xml))
    told = await bob.wait_for("message", lambda x: x.find(
        f"{{{EVENT}}}event/{{{EVENT}}}items/{{{EVENT}}}retract[@id='first']") is not None, since=mark)
    sc.check("bob_told_of_retract", told is not None)
    t, xml = await call(bob.plugin["xep_0060"].get_items(service, "news"))
    sc.check("items_after_retract", items_of(xml) == {"second": "World"}, items_of(xml))
    t, xml = await call(bob.plugin["xep_0060"].retract(service, "news", "second"))
    sc.check("subscriber_may_not_retract", t == "error" and errors(xml)[0] == "forbidden", errors(xml))

    sc.step("whitelist")
    t, xml = await call(ps.create_node(service, "private", config=config(alice, [("pubsub#access_model", "whitelist")])))
    sc.require("create_private", t == "result", xml is not None and errors(xml))
    t, xml = await call(ps.publish(service, "private", id="secret", payload=entry("For members")))
    sc.check("published_secret", t == "result", xml is not None and errors(xml))
    await whitelist_refuses(sc, eve, service)

    sc.step("delete")
    t, _ = await call(ps.create_node(service, "temp"))
    sc.require("create_temp", t == "result")
    t, _ = await call(bob.plugin["xep_0060"].subscribe(service, "temp"))
    sc.check("bob_subscribed_temp", t == "result")
    mark = bob.mark()
    t, xml = await call(ps.delete_node(service, "temp"))
    sc.check("deleted", t == "result", xml is not None and errors(xml))
    told = await bob.wait_for("message", lambda x: x.find(
        f"{{{EVENT}}}event/{{{EVENT}}}delete[@node='temp']") is not None, since=mark)
    sc.check("bob_told_of_delete", told is not None)
    t, xml = await call(ps.get_items(service, "temp"))
    sc.check("deleted_node_gone", t == "error" and errors(xml)[0] == "item-not-found", errors(xml))


async def whitelist_refuses(sc, eve, service):
    t, xml = await call(eve.plugin["xep_0060"].subscribe(service, "private"))
    sc.check("stranger_subscribe_refused", t == "error" and errors(xml) == ("not-allowed", "closed-node"), errors(xml))
    t, xml = await call(eve.plugin["xep_0060"].get_items(service, "private"))
    sc.check("stranger_items_refused", t == "error" and errors(xml) == ("not-allowed", "closed-node"), errors(xml))


async def check_phase(sc, alice, bob, eve, service):
    ps = alice.plugin["xep_0060"]
    sc.step("items after restart")
    t, xml = await call(bob.plugin["xep_0060"].get_items(service, "news"))
    sc.check("items_kept", t == "result" and items_of(xml) == {"second": "World"}, (t, items_of(xml)))
    t, xml = await call(ps.get_node_config(service, "news"))
    sc.check("config_kept", form_value(xml, "pubsub#title") == "Daily news" and form_value(xml, "pubsub#max_items") == "5",
             form_value(xml, "pubsub#title"))
    sc.step("subscription after restart")
    mark = bob.mark()
    t, xml = await call(ps.publish(service, "news", id="third", payload=entry("Again")))
    sc.check("published_after_restart", t == "result", xml is not None and errors(xml))
    got = await bob.wait_for("message", event_item("news", "third"), since=mark)
    sc.check("subscription_kept", event_title(got) == "Again", got is not None and ET.tostring(got))
    t, xml = await call(ps.retract(service, "news", "third"))  # as it was, for the next restart
    sc.check("retracted_after_restart", t == "result", xml is not None and errors(xml))
    sc.step("whitelist after restart")
    await whitelist_refuses(sc, eve, service)
    t, xml = await call(ps.get_items(service, "private"))
    sc.check("private_items_kept", items_of(xml) == {"secret": "For members"}, items_of(xml))
    t, xml = await call(ps.get_items(service, "temp"))
    sc.check("deleted_stays_deleted", t == "error" and errors(xml)[0] == "item-not-found", errors(xml))


async def body(sc):
    a = sc.args
    service = f"pubsub.{a.domain}"
    sc.step(f"phase {a.phase}: login")
    clients = []
    for who, resource in (("alice", "desk"), ("bob", "phone"), ("eve", "lurk")):
        c = await sc.client(getattr(a, f"{who}_user"), getattr(a, f"{who}_password"), resource=resource,
                            plugins=["xep_0030", "xep_0004", "xep_0060"]).login_or_fail()
        c.presence()
        await c.barrier()
        clients.append(c)
    if a.phase == "main":
        await main_phase(sc, *clients, service)
    else:
        await check_phase(sc, *clients, service)
    for c in clients:
        await c.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    for who in ("alice", "bob", "eve"):
        common.add_user_args(p, who, who, f"{who}pw")
    p.add_argument("--phase", choices=["main", "check"], required=True)
    common.run("pubsub_core", p, body)
