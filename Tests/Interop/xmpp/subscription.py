#!/usr/bin/env python3
"""Scenario c: presence subscription handshake (RFC 6121 §3.1) and its persistence.

--phase handshake: alice and bob log in, send initial presence, request their rosters; any
  earlier alice<->bob items are removed first (so every run does the full handshake).
  alice subscribes to bob, bob approves and subscribes back, alice approves; every roster push
  and subscription presence on the way is checked; both rosters end with subscription=both and
  no 'ask'; then presence with a fresh status text flows alice->bob and bob->alice.
--phase verify (run after the harness restarted the server): alice logs in and finds bob with
  subscription=both, bob logs in and finds alice with subscription=both; bob receives alice's
  presence (server probe on bob's initial presence) and alice receives bob's (broadcast).
"""
import asyncio

import common
from common import is_presence, presence_status


async def body(sc):
    a = sc.args
    n = common.nonce()
    if a.phase == "handshake":
        sc.step("login alice, bob")
        alice = await sc.client(a.alice_user, a.alice_password, resource="sub-a").login_or_fail("login_alice")
        bob = await sc.client(a.bob_user, a.bob_password, resource="sub-b").login_or_fail("login_bob")
        for c in (alice, bob):
            await c.roster_get()
            c.presence()
            await c.barrier()
        sc.step("removing earlier alice<->bob roster items")
        await common.remove_each_other(sc, alice, bob)

        sc.step("subscription handshake")
        await common.ensure_mutual_subscription(sc, alice, bob)

        sc.step("final rosters")
        await asyncio.sleep(0.2)
        ra, rb = await alice.roster_get(), await bob.roster_get()
        ia, ib = ra.get(bob.bare_jid), rb.get(alice.bare_jid)
        sc.info["alice_item"], sc.info["bob_item"] = ia, ib
        sc.check("alice_roster_both", ia is not None and ia["subscription"] == "both" and ia["ask"] is None, f"{ia}")
        sc.check("bob_roster_both", ib is not None and ib["subscription"] == "both" and ib["ask"] is None, f"{ib}")

        sc.step("presence both ways")
        await presence_both_ways(sc, alice, bob, n)
        await alice.logout()
        await bob.logout()
    else:
        sc.step("login alice (verify)")
        alice = await sc.client(a.alice_user, a.alice_password, resource="sub-a").login_or_fail("login_alice")
        ra = await alice.roster_get()
        ia = ra.get(f"{a.bob_user}@{a.domain}")
        sc.info["alice_item"] = ia
        sc.check("alice_roster_both", ia is not None and ia["subscription"] == "both", f"{ia}")
        alice.presence(status=f"alice verify {n}")
        await alice.barrier()

        sc.step("login bob (verify)")
        bob = sc.client(a.bob_user, a.bob_password, resource="sub-b")
        await bob.login_or_fail("login_bob")
        rb = await bob.roster_get()
        ib = rb.get(alice.bare_jid)
        sc.info["bob_item"] = ib
        sc.check("bob_roster_both", ib is not None and ib["subscription"] == "both", f"{ib}")
        ma = alice.mark()
        bob.presence(status=f"bob verify {n}")

        sc.step("presence after re-login")
        got = await bob.wait_for("presence", lambda x: is_presence(None, frm=alice.full_jid)(x)
                                 and presence_status(x) == f"alice verify {n}")
        sc.check("bob_receives_alice_presence_on_login", got is not None,
                 "bob's initial presence did not bring alice's current presence (probe)")
        got = await alice.wait_for("presence", lambda x: is_presence(None, frm=bob.full_jid)(x)
                                   and presence_status(x) == f"bob verify {n}", since=ma)
        sc.check("alice_receives_bob_presence", got is not None, "bob's initial presence was not broadcast to alice")
        await presence_both_ways(sc, alice, bob, n + "-2")
        await alice.logout()
        await bob.logout()


async def presence_both_ways(sc, alice, bob, n):
    mb = bob.mark()
    alice.presence(status=f"alice says {n}")
    got = await bob.wait_for("presence", lambda x: is_presence(None, frm=alice.full_jid)(x)
                             and presence_status(x) == f"alice says {n}", since=mb)
    sc.check("presence_alice_to_bob", got is not None, "bob did not receive alice's presence update")
    ma = alice.mark()
    bob.presence(status=f"bob says {n}")
    got = await alice.wait_for("presence", lambda x: is_presence(None, frm=bob.full_jid)(x)
                               and presence_status(x) == f"bob says {n}", since=ma)
    sc.check("presence_bob_to_alice", got is not None, "alice did not receive bob's presence update")


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--phase", choices=["handshake", "verify"], required=True)
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    common.run("subscription", p, body)
