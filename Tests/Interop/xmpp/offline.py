#!/usr/bin/env python3
"""Scenario g: offline message storage (XEP-0160) with an XEP-0203 delay stamp.

--phase send --nonce N (bob must be offline): alice sends a type=chat message whose body
  contains N to bob's bare JID; no error may come back within the quiet period.
  Without --nonce one is generated; it is printed in info.nonce for the receive phase.
--phase receive --nonce N: bob logs in and sends initial presence; exactly one message
  containing N arrives, from alice (full or bare JID), type chat, with the body unchanged and
  <delay xmlns='urn:xmpp:delay' stamp=... from=.../> where stamp is an XEP-0082 UTC DateTime not
  in the future (and not older than --max-age seconds) and 'from' is present (the server's
  domain is expected by XEP-0160; the actual value is reported in info.delay_from).
  A second login then receives it no more (the store was emptied).
"""
import asyncio

import common
from common import DELAY_NS, message_body


def body_text(n):
    return f"offline test {n} \u00e9\u2603"


async def body(sc):
    a = sc.args
    if a.phase == "send":
        n = a.nonce or common.nonce()
        sc.info["nonce"] = n
        sc.step("alice sends to offline bob")
        alice = await sc.client(a.alice_user, a.alice_password, resource="off-a").login_or_fail("login_alice")
        alice.presence()
        m0 = alice.mark()
        m = alice.Message()
        m["to"] = f"{a.bob_user}@{a.domain}"
        m["type"] = "chat"
        m["id"] = f"offline-{n}"
        m["body"] = body_text(n)
        m.send()
        await alice.barrier()
        await asyncio.sleep(common.QUIET_PERIOD)
        errors = alice.matching("message", lambda x: x.get("type") == "error", since=m0)
        sc.check("no_error_to_sender", not errors,
                 f"error {common.stanza_error(errors[0]) if errors else None} from {errors[0].get('from') if errors else None}")
        await alice.logout()
        return

    n = a.nonce
    sc.info["nonce"] = n
    sc.step("bob logs in")
    bob = await sc.client(a.bob_user, a.bob_password, resource="off-b").login_or_fail("login_bob")
    await bob.roster_get()
    bob.presence()
    got = await bob.wait_for("message", common.body_contains(f"offline test {n}"))
    sc.require("offline_message_delivered", got is not None, "the stored message did not arrive after initial presence")
    await asyncio.sleep(1.0)
    copies = len(bob.matching("message", common.body_contains(f"offline test {n}")))
    sc.check("delivered_once", copies == 1, f"{copies} copies")
    sc.check("body_unchanged", message_body(got) == body_text(n), f"body {message_body(got)!r}")
    sc.check("from_alice", common.bare(got.get("from")) == f"{a.alice_user}@{a.domain}", f"from={got.get('from')}")
    sc.check("type_chat", got.get("type") == "chat", f"type={got.get('type')}")
    sc.info["from"] = got.get("from")
    sc.info["id_kept"] = got.get("id") == f"offline-{n}"
    delays = got.findall(f"{{{DELAY_NS}}}delay")
    sc.require("delay_element", len(delays) == 1, f"{len(delays)} urn:xmpp:delay elements")
    d = delays[0]
    sc.info["delay_stamp"], sc.info["delay_from"] = d.get("stamp"), d.get("from")
    stamp_ok, detail = False, f"stamp={d.get('stamp')!r}"
    try:
        ts = common.parse_stamp(d.get("stamp") or "")
        age = (common.now_utc() - ts).total_seconds()
        sc.info["delay_age_s"] = round(age, 2)
        stamp_ok = -5 <= age <= a.max_age
        detail += f" age {age:.1f} s"
    except ValueError as e:
        detail += f" ({e})"
    sc.check("delay_stamp_valid", stamp_ok, detail)
    sc.check("delay_stamp_utc", (d.get("stamp") or "").endswith("Z"), "XEP-0082 requires UTC with 'Z'")
    sc.check("delay_from_present", bool(d.get("from")), "no 'from' on <delay/>")
    await bob.logout()

    sc.step("bob logs in again: the store must be empty")
    again = await sc.client(a.bob_user, a.bob_password, resource="off-b2").login_or_fail("login_bob_again")
    again.presence()
    await again.barrier()
    await asyncio.sleep(common.QUIET_PERIOD)
    sc.check("not_delivered_twice", not again.matching("message", common.body_contains(f"offline test {n}")),
             "the offline message came again on the next login")
    await again.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--phase", choices=["send", "receive"], required=True)
    p.add_argument("--nonce", default=None)
    p.add_argument("--max-age", type=float, default=3600.0, help="oldest acceptable delay stamp, seconds")
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    common.run("offline", p, body, validate=lambda a: "--phase receive needs --nonce (printed by --phase send)"
               if a.phase == "receive" and not a.nonce else None)
