#!/usr/bin/env python3
"""LDAP scenario: slixmpp users whose accounts and contact lists come from an LDAP directory.

alice logs in with PLAIN over STARTTLS (the only mechanism a bind-mode store can serve:
SCRAM must not be offered) and gets her roster: exactly the members of her LDAP groups
(--expect, JSON {bare-jid: {"name": NAME, "groups": [GROUP...]}}), each with subscription
both. bob (in one of her groups) logs in and sends presence: alice receives it, as shared
roster members see each other without any subscription handshake. alice and bob exchange a
message. A wrong password for alice is refused with not-authorized.

Prints one JSON line (see ../xmpp/common.py) and exits 0 only when every check passed.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "xmpp"))
import common  # noqa: E402
from common import is_presence, body_contains  # noqa: E402


async def body(sc):
    a = sc.args
    expected = json.loads(a.expect)
    alice_jid, bob_jid = f"{a.alice_user}@{a.domain}", f"{a.bob_user}@{a.domain}"

    sc.step("alice logs in")
    alice = await sc.client(a.alice_user, a.alice_password, resource="ldap-a").login_or_fail("login_alice")
    sc.info["offered_mechanisms"] = alice.offered_mechanisms
    sc.info["mechanism_used"] = alice.mechanism_used
    sc.check("plain_used", alice.mechanism_used == "PLAIN", f"used {alice.mechanism_used}")
    sc.check("no_scram_offered", not any(m.startswith("SCRAM") for m in alice.offered_mechanisms),
             f"offered {alice.offered_mechanisms}")

    sc.step("alice's roster comes from her LDAP groups")
    roster = await alice.roster_get()
    sc.info["roster"] = roster
    sc.check("roster_members", set(roster) == set(expected), f"got {sorted(roster)}, expected {sorted(expected)}")
    for jid, want in expected.items():
        got = roster.get(jid, {})
        sc.check(f"name_{jid}", got.get("name") == want["name"], f"name {got.get('name')!r}")
        sc.check(f"groups_{jid}", got.get("groups") == sorted(want["groups"]), f"groups {got.get('groups')}")
        sc.check(f"subscription_{jid}", got.get("subscription") == "both", f"subscription {got.get('subscription')}")
    alice.presence()
    await alice.barrier()

    sc.step("bob comes online; alice sees him")
    mark = alice.mark()
    bob = await sc.client(a.bob_user, a.bob_password, resource="ldap-b").login_or_fail("login_bob")
    await bob.roster_get()
    bob.presence(status="from LDAP")
    got = await alice.wait_for("presence", is_presence(None, from_bare=bob_jid), since=mark)
    sc.check("alice_sees_bob_online", got is not None, "no available presence from bob")

    sc.step("a message from alice to bob")
    token = common.nonce()
    mark = bob.mark()
    msg = alice.Message()
    msg["to"] = bob_jid
    msg["type"] = "chat"
    msg["body"] = f"hello from the directory {token}"
    msg.send()
    got = await bob.wait_for("message", body_contains(token), since=mark)
    sc.check("message_delivered", got is not None, "bob did not get alice's message")
    await alice.logout()
    await bob.logout()

    sc.step("a wrong password")
    bad = sc.client(a.alice_user, a.alice_password + "-wrong", resource="ldap-bad")
    outcome = await bad.login()
    sc.check("bad_password_rejected", outcome == "auth_failed", f"outcome {outcome}")
    sc.check("bad_password_not_authorized", "not-authorized" in bad.auth_failures, f"{bad.auth_failures}")
    bad.hard_close()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alice-secret")
    common.add_user_args(p, "bob", "bob", "bob-secret")
    p.add_argument("--expect", required=True, help="alice's expected roster as JSON")
    common.run("ldap_roster", p, body)
