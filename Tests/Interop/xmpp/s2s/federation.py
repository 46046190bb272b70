#!/usr/bin/env python3
"""Federation scenario: alice@A and bob@B, two servers joined by server-to-server streams.

Run through federate.sh (which passes the servers in FED_* variables), or by hand with
--a-host/--a-port/--a-domain and --b-… .

 0. first contact: alice -> bob@B (bare) and bob -> alice@A (bare), each waiting up to
    --s2s-timeout for the s2s connection to be made; info first_delivery_a_to_b_s and
    first_delivery_b_to_a_s (the time of the first cross-server delivery each way);
 a. subscription handshake across the servers (RFC 6121 §3.1, ../common.py's flow: every
    roster push and subscription presence checked); both rosters end `both`, no `ask`;
 b. presence with a (non-ASCII) status text reaches the other side from the full JID;
 c. chat both ways between full JIDs: the payload
    <x xmlns='urn:example:parley:test'><item n='1'>v</item></x> arrives unchanged
    (deterministic serialization), with from, type, id and a non-ASCII body unchanged;
 d. IQs across: alice -> B's domain jabber:iq:version (XEP-0092) and disco#info (XEP-0030)
    answered from B's domain; bob -> A's domain disco#info answered;
 e. alice -> nobody@nonexistent.test (a domain that does not resolve): an error comes back
    (info: its condition, remote-server-not-found per RFC 6120 §8.3.3.15, and how long it took);
 f. bob goes offline: alice receives `unavailable` from bob's full JID.
"""
import time
import xml.etree.ElementTree as ET

import fed_common
from fed_common import common
from common import CLIENT_NS, is_presence, message_body, presence_status, serialize, stanza_error

TEST_NS = "urn:example:parley:test"
PAYLOAD = f"<x xmlns='{TEST_NS}'><item n='1'>v</item></x>"
VERSION_NS = "jabber:iq:version"
DISCO_INFO = "http://jabber.org/protocol/disco#info"


def extension(x):
    return [ch for ch in x if ch.tag.startswith(f"{{{TEST_NS}}}")]


async def first_contact(sc, sender, receiver, label, n):
    m = receiver.mark()
    msg = sender.Message()
    msg["to"] = receiver.bare_jid
    msg["type"] = "chat"
    msg["body"] = f"first contact {label} {n}"
    started = time.monotonic()
    msg.send()
    got = await receiver.wait_for("message", common.body_contains(f"first contact {label} {n}"),
                                  since=m, timeout=sc.args.s2s_timeout)
    if got is not None:
        sc.info[f"first_delivery_{label}_s"] = round(time.monotonic() - started, 3)
    sc.require(f"first_delivery_{label}", got is not None,
               f"nothing arrived within {sc.args.s2s_timeout:g} s: no s2s connection {label.replace('_', ' ')}?")


async def chat(sc, sender, receiver, label, n):
    body_text = f"{label} {n}: caf\u00e9 \u65e5\u672c\u8a9e \u2603 <&> \"'"
    msg_id = f"fed-{label}-{n}"
    msg = sender.Message()
    msg["to"] = receiver.full_jid
    msg["type"] = "chat"
    msg["id"] = msg_id
    msg["body"] = body_text
    msg.append(ET.fromstring(PAYLOAD))
    m = receiver.mark()
    msg.send()
    got = await receiver.wait_for("message", common.body_contains(f"{label} {n}:"), since=m)
    sc.require(f"chat_{label}_received", got is not None, "the message did not arrive")
    sc.check(f"chat_{label}_from_full_jid", got.get("from") == sender.full_jid, f"from={got.get('from')}")
    sc.check(f"chat_{label}_to", got.get("to") == receiver.full_jid, f"to={got.get('to')}")
    sc.check(f"chat_{label}_type", got.get("type") == "chat", f"type={got.get('type')}")
    sc.check(f"chat_{label}_id_kept", got.get("id") == msg_id, f"id={got.get('id')}")
    sc.check(f"chat_{label}_body_exact", message_body(got) == body_text, f"body={message_body(got)!r}")
    want = serialize(ET.fromstring(PAYLOAD), CLIENT_NS)
    have = [serialize(e, CLIENT_NS) for e in extension(got)]
    sc.info[f"chat_{label}_extension_received"] = have
    sc.check(f"chat_{label}_payload_unchanged", have == [want], f"sent {want} received {have}")


async def body(sc):
    a = sc.args
    n = common.nonce()
    sc.info["servers"] = {"a": f"{a.a_domain} {a.a_host}:{a.a_port}", "b": f"{a.b_domain} {a.b_host}:{a.b_port}"}

    sc.step("login alice on A, bob on B")
    alice = await fed_common.client(sc, "a", a.alice_user, a.alice_password, resource="fed-a").login_or_fail("login_alice")
    bob = await fed_common.client(sc, "b", a.bob_user, a.bob_password, resource="fed-b").login_or_fail("login_bob")
    for c in (alice, bob):
        await c.roster_get()
        c.presence()
        await c.barrier()

    sc.step("first contact A -> B")
    await first_contact(sc, alice, bob, "a_to_b", n)
    sc.step("first contact B -> A")
    await first_contact(sc, bob, alice, "b_to_a", n)

    sc.step("(a) subscription handshake across servers")
    await common.remove_each_other(sc, alice, bob)
    await common.ensure_mutual_subscription(sc, alice, bob)
    ra, rb = await alice.roster_get(), await bob.roster_get()
    ia, ib = ra.get(bob.bare_jid), rb.get(alice.bare_jid)
    sc.info["alice_roster_item"], sc.info["bob_roster_item"] = ia, ib
    sc.check("alice_roster_both", ia is not None and ia["subscription"] == "both" and ia["ask"] is None, f"{ia}")
    sc.check("bob_roster_both", ib is not None and ib["subscription"] == "both" and ib["ask"] is None, f"{ib}")

    sc.step("(b) presence with status both ways")
    for sender, receiver, label in ((alice, bob, "alice_to_bob"), (bob, alice, "bob_to_alice")):
        status = f"{label} {n} \u00e0 bient\u00f4t \u2600"
        m = receiver.mark()
        sender.presence(status=status, show="chat")
        got = await receiver.wait_for("presence", lambda x: is_presence(None, frm=sender.full_jid)(x)
                                      and presence_status(x) == status, since=m)
        sc.check(f"presence_{label}", got is not None, "the presence with that status did not arrive")
        if got is not None:
            sc.check(f"presence_{label}_show", common.presence_show(got) == "chat", common.presence_show(got))

    sc.step("(c) chat both ways with a custom payload")
    await chat(sc, alice, bob, "alice_to_bob", n)
    await chat(sc, bob, alice, "bob_to_alice", n)

    sc.step("(d) IQs across servers")
    t, xml = await alice.iq("get", ET.Element(f"{{{VERSION_NS}}}query"), to=a.b_domain, timeout=a.s2s_timeout)
    ok = t == "result" and xml.get("from") == a.b_domain
    q = xml.find(f"{{{VERSION_NS}}}query") if xml is not None else None
    name = q.findtext(f"{{{VERSION_NS}}}name") if q is not None else None
    sc.info["b_version"] = f"{name} {q.findtext(f'{{{VERSION_NS}}}version') if q is not None else None}"
    sc.check("iq_version_alice_to_b_answered", ok and bool(name), f"{t}: {xml is not None and ET.tostring(xml)[:300]}")
    for client, domain, label in ((alice, a.b_domain, "alice_to_b"), (bob, a.a_domain, "bob_to_a")):
        t, xml = await client.iq("get", ET.Element(f"{{{DISCO_INFO}}}query"), to=domain, timeout=a.s2s_timeout)
        idents = [(i.get("category"), i.get("type")) for i in xml.iter(f"{{{DISCO_INFO}}}identity")] \
            if t == "result" else []
        sc.info[f"disco_{label}_identities"] = idents
        sc.check(f"iq_disco_{label}_answered", t == "result" and xml.get("from") == domain
                 and ("server", "im") in idents, f"{t} from {xml.get('from') if xml is not None else None}: {idents}")

    sc.step("(e) message to a domain that does not resolve")
    m = alice.mark()
    target = "nobody@nonexistent.test"
    msg = alice.Message()
    msg["to"] = target
    msg["type"] = "chat"
    msg["id"] = f"nowhere-{n}"
    msg["body"] = f"into the void {n}"
    started = time.monotonic()
    msg.send()
    err = await alice.wait_for("message", lambda x: x.get("type") == "error" and (
        x.get("id") == f"nowhere-{n}" or common.bare(x.get("from")) == target), since=m, timeout=a.s2s_timeout)
    if err is not None:
        sc.info["unresolvable_error_condition"] = stanza_error(err)
        sc.info["unresolvable_error_from"] = err.get("from")
        sc.info["unresolvable_error_after_s"] = round(time.monotonic() - started, 3)
    sc.check("unresolvable_domain_error_returned", err is not None,
             f"no error came back within {a.s2s_timeout:g} s")

    sc.step("(f) bob goes offline")
    m = alice.mark()
    bob_full = bob.full_jid
    await bob.logout()
    got = await alice.wait_for("presence", is_presence("unavailable", frm=bob_full), since=m)
    sc.check("alice_sees_bob_unavailable", got is not None, "no unavailable presence from bob's full JID")
    await alice.logout()


if __name__ == "__main__":
    p = fed_common.parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    fed_common.run("federation", p, body)
