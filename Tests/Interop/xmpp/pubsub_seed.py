#!/usr/bin/env python3
"""The seed's scenario ("Implementing XMPP Publish / Subscribe via Twisted",
seeds/pubsub-wokkel.txt) both ways, on tx-xmpp (the maintained Wokkel line).

--hosted: the seed's own service. alice/seed-server runs the seed's `Service`, a
  PubSubService with the legacy API (subscribe keeps a Subscription per subscriber,
  publish calls notifyPublish to every subscriber); it lives on a client connection, so
  every request and notification is an IQ or message between full JIDs over Parley's c2s.
--service JID: the same two clients against a real XEP-0060 service (pubsub.DOMAIN): bob
  creates the node the seed's service had implicitly (open, payloads delivered, nothing
  persisted), then the clients run unchanged.

Either way the seed's two clients (bob/client1, bob/client2) subscribe their full JIDs to
the node and each publishes generated items (sender, time, message, as the seed's
sendGeneratedData); each client's itemsReceived gets every item of both, with its
attributes intact, from the service's JID. The seed put the attributes on <item/> itself
with no payload; XEP-0060 items carry one payload (§7.1.3.6), so here they sit on one
payload element, and the hosted service relays exactly what it was given.

    pubsub_seed.py --port 5222 --hosted
    pubsub_seed.py --port 5222 --service pubsub.localhost
"""
import time

from twisted.internet import defer
from twisted.words.protocols.jabber import jid
from tx_xmpp.pubsub import PubSubService, Subscription

from pubsub_txxmpp import Recorder, attempt, generated, received
from tx_common import check, until
import tx_common

NODE_NAME = "seed"


class Service(PubSubService):
    """The seed's service: anyone may subscribe; every published item goes to every subscriber."""

    def __init__(self, ready):
        PubSubService.__init__(self)
        self._subscriptions = {}
        self._ready = ready

    def connectionInitialized(self):
        PubSubService.connectionInitialized(self)
        if not self._ready.called:
            self._ready.callback(self)

    def publish(self, requestor, service, nodeIdentifier, items, options=None):
        self.sendData(nodeIdentifier, items)
        return defer.succeed(None)

    def subscribe(self, requestor, service, nodeIdentifier, subscriber):
        if subscriber in self._subscriptions:
            info = self._subscriptions[subscriber]
        else:
            info = Subscription(nodeIdentifier, subscriber, "subscribed")
            self._subscriptions[subscriber] = info
        return defer.succeed(info)

    def sendData(self, nodeIdentifier, items):
        sendList = [[subscription.subscriber, None, items] for subscription in self._subscriptions.values()]
        self.notifyPublish(self.parent.jid, nodeIdentifier, sendList)


async def scenario(args):
    started = []
    if args.hosted:
        ready = defer.Deferred()
        started.append(tx_common.client(args, "alice", args.alice_password, Service(ready), resource="seed-server"))
        await ready
        service, node = jid.JID(f"alice@{args.domain}/seed-server"), NODE_NAME
    else:
        service, node = jid.JID(args.service), f"seed-{int(time.time() * 1000) % 10**9}"
    clients = [Recorder(), Recorder()]
    for n, recorder in enumerate(clients, 1):
        started.append(tx_common.client(args, "bob", args.bob_password, recorder, resource=f"client{n}"))
    await defer.gatherResults([c.ready for c in clients])
    if not args.hosted:
        ok, created = await attempt(clients[0].createNode(service, node, options={
            "pubsub#access_model": "open", "pubsub#persist_items": False, "pubsub#deliver_payloads": True}))
        check("create_node", ok and created == node, created)

    for n, recorder in enumerate(clients, 1):
        ok, subscription = await attempt(recorder.subscribe(service, node, recorder.parent.jid))
        check(f"client{n}_subscribed", ok and subscription.state == "subscribed", subscription)

    sent = []
    for round in range(1, 3):
        for n, recorder in enumerate(clients, 1):
            item = generated(recorder, round * 10 + n)
            ok, result = await attempt(recorder.publish(service, node, [item]))
            check(f"client{n}_publish_{round}", ok, result)
            sent.append((f"seed{round * 10 + n}", f"Hello! #{round * 10 + n}", recorder.parent.jid.full()))
    for n, recorder in enumerate(clients, 1):
        got = await until(lambda: sorted(received(recorder, node)) == sorted(sent))
        check(f"client{n}_gets_every_item", got, received(recorder, node))
        senders = {event.sender for event in recorder.events if event.nodeIdentifier == node}
        check(f"client{n}_events_from_service", senders == {service}, senders)
    if not args.hosted:
        ok, result = await attempt(clients[0].deleteNode(service, node))
        check("delete_node", ok, result)
    for s in started:
        s.stopService()


def main():
    p = tx_common.parser(__doc__)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--hosted", action="store_true", help="alice/seed-server hosts the seed's service")
    where.add_argument("--service", help="a pubsub service's JID (pubsub.DOMAIN)")
    p.add_argument("--alice-password", default="alicepass")
    p.add_argument("--bob-password", default="bobpass")
    tx_common.run(scenario, p.parse_args())


if __name__ == "__main__":
    main()
