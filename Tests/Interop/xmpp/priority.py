#!/usr/bin/env python3
"""Scenario f: delivery of messages sent to a bare JID by resource priority (RFC 6121 §8.5.2.1.1).

bob logs in twice ('high' and 'low'); alice sends type=chat messages to bob's bare JID.
  1. priorities 5 / 1: only 'high' receives it.
  2. priorities 5 / 5: the server may deliver to all or to one of them; reported in
     info.equal_priority_delivery ("all" or "one:<resource>"); fails only if none gets it.
  3. priorities 5 / -1: 'high' receives it, 'low' (negative) does not.
  4. 'high' logs out, only 'low' (-1) is online: 'low' still must not receive it (a negative
     priority resource never gets bare-JID messages). What happened instead (offline storage
     delivered on the next login, or an error to alice) is reported in info, not checked.
A resource that receives the same message twice fails the scenario. Carbons copies
(urn:xmpp:carbons:2 wrappers) carry no body and are not counted.
"""
import asyncio

import common


async def body(sc):
    a = sc.args
    n = common.nonce()
    bob_bare = f"{a.bob_user}@{a.domain}"
    quiet = a.quiet

    sc.step("login alice, bob/high, bob/low")
    alice = await sc.client(a.alice_user, a.alice_password, resource="prio-a").login_or_fail("login_alice")
    alice.presence()
    high = await sc.client(a.bob_user, a.bob_password, resource="prio-high").login_or_fail("login_bob_high")
    low = await sc.client(a.bob_user, a.bob_password, resource="prio-low").login_or_fail("login_bob_low")

    async def set_priorities(ph, pl):
        high.presence(priority=ph)
        low.presence(priority=pl)
        await high.barrier()
        await low.barrier()
        await asyncio.sleep(0.3)

    async def send_and_collect(tag, expect_delivery=True):
        token = f"prio {n} {tag}"
        marks = {c: c.mark() for c in (high, low, alice)}
        m = alice.Message()
        m["to"] = bob_bare
        m["type"] = "chat"
        m["body"] = token
        m.send()
        # Wait until someone got it (or the step timeout), then a quiet period for extra copies.
        if expect_delivery:
            waits = [asyncio.ensure_future(c.wait_for("message", common.body_contains(token), since=marks[c]))
                     for c in (high, low)]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED, timeout=common.STEP_TIMEOUT)
            for w in waits:
                w.cancel()
        await asyncio.sleep(quiet if expect_delivery else common.QUIET_PERIOD)
        counts = {c: len(c.matching("message", common.body_contains(token), since=marks[c])) for c in (high, low)}
        errors = alice.matching("message", lambda x: x.get("type") == "error", since=marks[alice])
        return counts, errors

    sc.step("priorities 5 / 1")
    await set_priorities(5, 1)
    counts, _ = await send_and_collect("5-1")
    sc.info["delivery_5_1"] = {"high": counts[high], "low": counts[low]}
    sc.check("higher_priority_gets_it", counts[high] == 1, f"high got {counts[high]} copies")
    sc.check("lower_priority_does_not", counts[low] == 0, f"low got {counts[low]} copies")

    sc.step("priorities 5 / 5")
    await set_priorities(5, 5)
    counts, _ = await send_and_collect("5-5")
    sc.info["delivery_5_5"] = {"high": counts[high], "low": counts[low]}
    sc.check("equal_priority_someone_gets_it", counts[high] + counts[low] >= 1, "neither resource got it")
    sc.check("equal_priority_no_duplicates", counts[high] <= 1 and counts[low] <= 1, f"{counts[high]}/{counts[low]} copies")
    if counts[high] and counts[low]:
        sc.info["equal_priority_delivery"] = "all"
    elif counts[high] or counts[low]:
        sc.info["equal_priority_delivery"] = "one:" + ("prio-high" if counts[high] else "prio-low")
    else:
        sc.info["equal_priority_delivery"] = "none"

    sc.step("priorities 5 / -1")
    await set_priorities(5, -1)
    counts, _ = await send_and_collect("5-neg")
    sc.info["delivery_5_neg"] = {"high": counts[high], "low": counts[low]}
    sc.check("positive_gets_it_over_negative", counts[high] == 1, f"high got {counts[high]} copies")
    sc.check("negative_priority_never_gets_bare_jid_message", counts[low] == 0, f"low got {counts[low]} copies")

    sc.step("only the negative-priority resource online")
    await high.logout()
    await asyncio.sleep(0.3)
    counts, errors = await send_and_collect("neg-only", expect_delivery=False)
    sc.check("negative_priority_alone_never_gets_it", counts[low] == 0, f"low got {counts[low]} copies")
    outcome = "error to sender: " + str(common.stanza_error(errors[0])) if errors else "no error to sender"
    await low.logout()
    sc.step("bob logs in again (what became of the last message)")
    again = await sc.client(a.bob_user, a.bob_password, resource="prio-again").login_or_fail("login_bob_again")
    again.presence(priority=0)
    got = await again.wait_for("message", common.body_contains(f"prio {n} neg-only"), timeout=2.0)
    if got is not None:
        outcome += "; delivered at next login" + (" with delay" if got.find(f"{{{common.DELAY_NS}}}delay") is not None else "")
    else:
        outcome += "; not delivered at next login"
    sc.info["negative_only_outcome"] = outcome
    await again.logout()
    await alice.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    p.add_argument("--quiet", type=float, default=1.0, help="seconds to wait for extra copies after the first")
    common.run("priority", p, body)
