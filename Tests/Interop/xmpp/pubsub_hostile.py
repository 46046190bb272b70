#!/usr/bin/env python3
"""Bad input to `pubsub.<domain>` of the real `parleyd` (issue 15, "Bad input"), with
slixmpp's xep_0060 plugin and raw IQs.

--phase hostile: each refused with the XEP-0060 error and nothing stored:
  a payload over the 64 KiB limit (not-acceptable + payload-too-big); node ids with path
  tricks (`../escape`, `a/../../escape`) and of 10,000 bytes (not-acceptable); a
  configuration form with an unknown field (bad-request); bob publishing to alice's node
  (forbidden); alice creating nodes until her quota (100) is spent (the next one:
  not-allowed + max-nodes-exceeded). The harness then checks the disk.
--phase flood: bob creates `flood` (persistent, max_items 100) and sends 400 publishes
  without waiting for their answers, then exits; the harness kills parleyd with SIGKILL
  while it writes them.
--phase after (a new parleyd on the same storage): the service started, so nothing on disk
  was torn; bob's `flood` answers with between 1 and 100 items, each with its payload intact.
"""
import xml.etree.ElementTree as ET

import common
from pubsub_core import ATOM, PUBSUB, call, config, entry, errors

HOSTILE_IDS = ["../escape", "a/../../escape", "n" * 10_000]


async def hostile(sc, alice, bob, service):
    ps = alice.plugin["xep_0060"]
    t, xml = await call(ps.create_node(service, "target"))
    sc.require("create_target", t == "result", xml is not None and errors(xml))

    big = ET.Element(f"{{{ATOM}}}entry")
    ET.SubElement(big, f"{{{ATOM}}}content").text = "x" * (70 * 1024)
    t, xml = await call(ps.publish(service, "target", id="big", payload=big))
    sc.check("payload_over_limit", t == "error" and errors(xml) == ("not-acceptable", "payload-too-big"), errors(xml))

    for n, node in enumerate(HOSTILE_IDS):
        t, xml = await call(ps.create_node(service, node))
        sc.check(f"hostile_node_id_{n}", t == "error" and errors(xml)[0] == "not-acceptable", (t, errors(xml)))
        t, xml = await call(ps.publish(service, node, id="x", payload=entry("x")))
        sc.check(f"hostile_node_id_publish_{n}", t == "error", t)

    t, xml = await call(ps.create_node(service, "formed", config=config(alice, [("pubsub#frobnicate", "1")])))
    sc.check("unknown_field_refused", t == "error" and errors(xml)[0] == "bad-request", errors(xml))

    t, xml = await call(bob.plugin["xep_0060"].publish(service, "target", id="mine", payload=entry("bob")))
    sc.check("publish_not_allowed", t == "error" and errors(xml)[0] == "forbidden", errors(xml))

    created, refusal = 1, None  # `target` counts
    for n in range(150):
        t, xml = await call(ps.create_node(service, f"quota-{n}"))
        if t != "result":
            refusal = errors(xml)
            break
        created += 1
    sc.check("quota_enforced", created == 100 and refusal == ("not-allowed", "max-nodes-exceeded"),
             (created, refusal))
    sc.info["nodes_created"] = created


async def flood(sc, alice, service):
    ps = alice.plugin["xep_0060"]
    t, xml = await call(ps.create_node(service, "flood", config=config(alice, [
        ("pubsub#max_items", "100"), ("pubsub#persist_items", "1")])))
    sc.require("create_flood", t == "result", xml is not None and errors(xml))
    for n in range(400):
        pubsub = ET.Element(f"{{{PUBSUB}}}pubsub")
        publish = ET.SubElement(pubsub, f"{{{PUBSUB}}}publish", {"node": "flood"})
        item = ET.SubElement(publish, f"{{{PUBSUB}}}item", {"id": f"i{n}"})
        item.append(entry(f"flood {n} " + "y" * 2000))
        iq = alice.Iq()
        iq["type"] = "set"
        iq["to"] = service
        iq.set_payload(pubsub)
        iq.send(callback=lambda _: None)
    sc.check("flood_sent", True)


async def after(sc, alice, service):
    t, xml = await call(alice.plugin["xep_0060"].get_items(service, "flood"))
    items = list(xml.iter(f"{{{PUBSUB}}}item")) if t == "result" else []
    intact = all((i.findtext(f"{{{ATOM}}}entry/{{{ATOM}}}title") or "").startswith(f"flood {i.get('id')[1:]} y")
                 for i in items)
    sc.check("flood_items_intact", t == "result" and 1 <= len(items) <= 100 and intact, (t, len(items)))
    sc.info["items_kept"] = len(items)


async def body(sc):
    a = sc.args
    service = f"pubsub.{a.domain}"
    plugins = ("xep_0030", "xep_0004", "xep_0060")
    bob = await sc.client(a.bob_user, a.bob_password, resource="hostile", plugins=plugins).login_or_fail("login_bob")
    if a.phase == "hostile":
        alice = await sc.client(a.alice_user, a.alice_password, resource="hostile",
                                plugins=plugins).login_or_fail("login_alice")
        await hostile(sc, alice, bob, service)
    # The flood is bob's: alice has spent her quota of nodes.
    elif a.phase == "flood":
        await flood(sc, bob, service)
    else:
        await after(sc, bob, service)


if __name__ == "__main__":
    parser = common.base_parser(__doc__)
    common.add_user_args(parser, "alice", "alice", "alicepw")
    common.add_user_args(parser, "bob", "bob", "bobpw")
    parser.add_argument("--phase", choices=["hostile", "flood", "after"], required=True)
    common.run("pubsub_hostile", parser, body)
