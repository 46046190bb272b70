#!/usr/bin/env python3
"""Scenario e: chat both ways, with extension payloads relayed unchanged.

alice -> bob's full JID: a type=chat message with a non-ASCII body, an id, and the unknown
extension <x xmlns='urn:example:parley:test'><item n='1'>v</item></x>. bob must receive it
from alice's full JID with the same type, id, body, and the extension element unchanged
(names, namespaces, attributes, text, child order: compared through a deterministic
serialization). A second message carries a harder payload (nested foreign namespace,
escaped characters, mixed content, an xml:lang attribute); --no-rich skips that one.
bob -> alice's bare JID: a reply that alice must receive.
"""
import xml.etree.ElementTree as ET

import common
from common import CLIENT_NS, message_body, serialize

TEST_NS = "urn:example:parley:test"
SIMPLE = f"<x xmlns='{TEST_NS}'><item n='1'>v</item></x>"
RICH = ("<data xmlns='urn:example:parley:test2' a='1&amp;2' b='&quot;q&apos;'>"
        "lead <deep xmlns='urn:example:other' xml:lang='fr'><leaf k='x'/><leaf k='y'>t&lt;&gt;</leaf></deep>"
        " tail &amp; more</data>")


def extension(x, ns):
    return [ch for ch in x if ch.tag.startswith(f"{{{ns}}}")]


async def body(sc):
    a = sc.args
    n = common.nonce()
    sc.step("login alice, bob")
    alice = await sc.client(a.alice_user, a.alice_password, resource="chat-a").login_or_fail("login_alice")
    bob = await sc.client(a.bob_user, a.bob_password, resource="chat-b").login_or_fail("login_bob")
    for c in (alice, bob):
        c.presence()
        await c.barrier()

    payloads = [("simple", SIMPLE, TEST_NS)]
    if not a.no_rich:
        payloads.append(("rich", RICH, "urn:example:parley:test2"))
    for label, xml_text, ns in payloads:
        sc.step(f"alice -> bob ({label} extension)")
        sent_el = ET.fromstring(xml_text)
        body_text = f"hello bob {n} {label} \u00e9\u2603 <&> \"'"
        msg_id = f"chat-{label}-{n}"
        msg = alice.Message()
        msg["to"] = bob.full_jid
        msg["type"] = "chat"
        msg["id"] = msg_id
        msg["body"] = body_text
        msg.append(ET.fromstring(xml_text))
        mb = bob.mark()
        msg.send()
        got = await bob.wait_for("message", common.body_contains(f"{n} {label}"), since=mb)
        sc.require(f"bob_receives_{label}", got is not None, "no message reached bob")
        sc.check(f"{label}_from_full_jid", got.get("from") == alice.full_jid, f"from={got.get('from')}")
        sc.check(f"{label}_type_chat", got.get("type") == "chat", f"type={got.get('type')}")
        sc.check(f"{label}_id_kept", got.get("id") == msg_id, f"id={got.get('id')}")
        sc.check(f"{label}_body_exact", message_body(got) == body_text, f"body={message_body(got)!r}")
        ext = extension(got, ns)
        want = serialize(sent_el, CLIENT_NS)
        have = [serialize(e, CLIENT_NS) for e in ext]
        sc.info[f"{label}_extension_received"] = have
        sc.check(f"{label}_extension_unchanged", have == [want], f"sent {want} received {have}")

    sc.step("bob -> alice (bare JID)")
    ma = alice.mark()
    reply = bob.Message()
    reply["to"] = alice.bare_jid
    reply["type"] = "chat"
    reply["body"] = f"hello alice {n}"
    reply.send()
    got = await alice.wait_for("message", common.body_contains(f"hello alice {n}"), since=ma)
    sc.check("alice_receives_reply", got is not None, "bob's reply did not reach alice")
    if got is not None:
        sc.check("reply_from_full_jid", got.get("from") == bob.full_jid, f"from={got.get('from')}")
    await alice.logout()
    await bob.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    p.add_argument("--no-rich", action="store_true", help="only the extension element named in the issue")
    common.run("chat", p, body)
