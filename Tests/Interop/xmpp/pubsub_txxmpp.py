#!/usr/bin/env python3
"""XEP-0060 from tx-xmpp's PubSubClient (Wokkel's API, the seed's "Implementing XMPP
Publish / Subscribe via Twisted"), on Twisted: two clients, each an XMPPClient with a
PubSubClient handler, against a pubsub service (--service).

alice creates a node (createNode with options), bob subscribes his full JID to it
(subscribe, as the seed's client does with self.parent.jid: the answer is a Subscription
in state subscribed); alice publishes items as the seed's sendGeneratedData does, each
carrying sender, time and message (as attributes of a payload element: XEP-0060 items
carry one payload); bob's itemsReceived gets every item with its attributes intact and in
order; bob reads them back (items); bob unsubscribes and the next item no longer reaches
him; alice deletes the node (deleteNode). info.seed_item_without_payload says what the
service did with the seed's own item (the attributes on <item/> itself, no payload).

    pubsub_txxmpp.py --port 5222 --service pubsub.localhost
"""
import time

from twisted.internet import defer
from twisted.words.protocols.jabber import jid
from twisted.words.xish.domish import Element
from tx_xmpp.pubsub import Item, PubSubClient

from tx_common import check, info, until
import tx_common

SEED_NS = "urn:example:parley:seed"


class Recorder(tx_common.Ready, PubSubClient):
    """The seed's Client: keeps every items event it receives."""

    def __init__(self):
        PubSubClient.__init__(self)
        self.events = []

    def itemsReceived(self, event):
        self.events.append(event)


def generated(protocol, n):
    """The seed's sendGeneratedData item: sender, time and message; here on a payload element."""
    element = Element((SEED_NS, "message"))
    element["sender"] = protocol.parent.jid.full()
    element["time"] = time.strftime("%H:%M:%S", time.localtime())
    element["message"] = f"Hello! #{n}"
    return Item(id=f"seed{n}", payload=element)


def received(recorder, node):
    """(item id, message attribute) of every item bob received from `node`, in order."""
    out = []
    for event in recorder.events:
        if event.nodeIdentifier != node:
            continue
        for item in event.items:
            if item.name != "item":
                continue
            payload = next((e for e in item.elements() if e.uri == SEED_NS), None)
            out.append((item.getAttribute("id"), payload.getAttribute("message") if payload else None,
                        payload.getAttribute("sender") if payload else None))
    return out


async def attempt(deferred):
    """(True, result) or (False, the failure's value)."""
    try:
        return True, await deferred
    except Exception as e:  # noqa: BLE001 - a stanza error or a timeout, reported as a check
        return False, e


async def scenario(args):
    service = jid.JID(args.service)
    node = f"seed-{int(time.time() * 1000) % 10**9}"
    alice = Recorder()
    bob = Recorder()
    services = [tx_common.client(args, "alice", args.alice_password, alice, resource="seed-a"),
                tx_common.client(args, "bob", args.bob_password, bob, resource="seed-b")]
    await defer.gatherResults([alice.ready, bob.ready])

    ok, created = await attempt(alice.createNode(service, node, options={"pubsub#persist_items": True, "pubsub#max_items": "10"}))
    check("create_node", ok and created == node, created)
    ok, subscription = await attempt(bob.subscribe(service, node, bob.parent.jid))
    check("subscribe_full_jid", ok and subscription.state == "subscribed", subscription)

    sent = []
    for n in range(1, 4):
        item = generated(alice, n)
        ok, result = await attempt(alice.publish(service, node, [item]))
        check(f"publish_{n}", ok, result)
        sent.append((f"seed{n}", f"Hello! #{n}", alice.parent.jid.full()))
    check("items_received_in_order", await until(lambda: received(bob, node) == sent), received(bob, node))
    event = next((e for e in bob.events if e.nodeIdentifier == node), None)
    check("event_from_service", event is not None and event.sender == service, event and event.sender)

    ok, items = await attempt(bob.items(service, node))
    got = [(i.getAttribute("id"), next(i.elements()).getAttribute("message")) for i in items] if ok else items
    check("items_read_back", ok and sorted(got) == sorted((i, m) for i, m, _ in sent), got)

    # The seed's own item: the attributes on <item/>, no payload (XEP-0060 §7.1.3.6: a
    # persistent node that delivers payloads asks for one; a service may refuse it).
    seed_item = Element((None, "item"))
    seed_item["sender"], seed_item["message"] = alice.parent.jid.full(), "Hello!"
    ok, result = await attempt(alice.publish(service, node, [seed_item]))
    info["seed_item_without_payload"] = "accepted" if ok else f"refused: {getattr(result, 'condition', result)}"

    ok, result = await attempt(bob.unsubscribe(service, node, bob.parent.jid))
    check("unsubscribe", ok, result)
    before = len(received(bob, node))
    ok, result = await attempt(alice.publish(service, node, [generated(alice, 9)]))
    check("publish_after_unsubscribe", ok, result)
    await until(lambda: len(received(bob, node)) > before, timeout=1.5)
    check("unsubscribed_gets_nothing", len(received(bob, node)) == before, received(bob, node)[before:])

    ok, result = await attempt(alice.deleteNode(service, node))
    check("delete_node", ok, result)
    for s in services:
        s.stopService()


def main():
    p = tx_common.parser(__doc__)
    p.add_argument("--service", default=None, help="the pubsub service's JID (default pubsub.DOMAIN)")
    p.add_argument("--alice-password", default="alicepass")
    p.add_argument("--bob-password", default="bobpass")
    args = p.parse_args()
    args.service = args.service or f"pubsub.{args.domain}"
    tx_common.run(scenario, args)


if __name__ == "__main__":
    main()
