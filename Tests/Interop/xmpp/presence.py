#!/usr/bin/env python3
"""Scenario d: presence broadcast, and unavailable after an abrupt disconnect (RFC 6121 §4.2, §4.5.2).

Setup (idempotent): if alice and bob are not subscribed to each other both ways, the full
handshake is run (checks prefixed sub_). Then bob is online; alice logs in and sends initial
presence with show, status text and priority: bob receives it from alice's full JID with the
same show/status/priority, and alice receives bob's presence (probe answer). Then alice's TCP
connection is closed without </stream:stream> (transport abort; --abrupt rst sends a TCP RST):
bob must receive presence type=unavailable from that full JID.
"""
import asyncio

import common
from common import CLIENT_NS, is_presence, presence_show, presence_status


async def body(sc):
    a = sc.args
    n = common.nonce()

    sc.step("setup: checking the subscription")
    sa = await sc.client(a.alice_user, a.alice_password, resource="pres-setup-a").login_or_fail("login_alice_setup")
    sb = await sc.client(a.bob_user, a.bob_password, resource="pres-setup-b").login_or_fail("login_bob_setup")
    await common.make_contacts(sc, sa, sb)
    await sa.logout()
    await sb.logout()

    sc.step("bob online")
    bob = await sc.client(a.bob_user, a.bob_password, resource="pres-b").login_or_fail("login_bob")
    await bob.roster_get()
    bob.presence(status=f"bob here {n}")
    await bob.barrier()

    sc.step("alice online with status")
    mb = bob.mark()
    alice = await sc.client(a.alice_user, a.alice_password, resource="pres-a").login_or_fail("login_alice")
    await alice.roster_get()
    status = f"alice status {n} \u00e9\u2603"
    alice.presence(status=status, show="away", priority=3)
    got = await bob.wait_for("presence", is_presence(None, frm=alice.full_jid), since=mb)
    sc.require("bob_receives_alice_available", got is not None, "no available presence from alice's full JID")
    sc.check("status_text_preserved", presence_status(got) == status, f"status {presence_status(got)!r}")
    sc.check("show_preserved", presence_show(got) == "away", f"show {presence_show(got)!r}")
    prio = got.find(f"{{{CLIENT_NS}}}priority")
    sc.check("priority_preserved", prio is not None and prio.text == "3",
             f"priority {prio.text if prio is not None else None!r}")
    got = await alice.wait_for("presence", lambda x: is_presence(None, frm=bob.full_jid)(x)
                               and presence_status(x) == f"bob here {n}")
    sc.check("alice_receives_bob_presence_on_login", got is not None,
             "alice's initial presence did not bring bob's current presence")

    sc.step("alice disconnects abruptly")
    mb = bob.mark()
    alice_full = alice.full_jid
    alice.hard_close(rst=(a.abrupt == "rst"))
    got = await bob.wait_for("presence", is_presence("unavailable", frm=alice_full), since=mb,
                             timeout=a.unavailable_timeout)
    sc.check("bob_receives_unavailable_after_abort", got is not None,
             f"no unavailable presence from {alice_full} within {a.unavailable_timeout:g} s")
    if got is not None:
        sc.info["unavailable_status"] = presence_status(got)
    await bob.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    p.add_argument("--abrupt", choices=["fin", "rst"], default="fin",
                   help="how alice's socket is closed: plain close (FIN) or RST (SO_LINGER 0)")
    p.add_argument("--unavailable-timeout", type=float, default=8.0)
    common.run("presence", p, body)
