#!/usr/bin/env python3
"""Scenario b: roster pushes between two resources of one user (RFC 6121 §2.1.6, §2.3, §2.4, §2.5).

Resource 1 and 2 log in and request the roster (that makes them "interested resources").
Resource 1 adds CONTACT with a name and a group: both resources get a roster push (from the
bare JID or no 'from'), roster get on both shows it with subscription=none. Resource 1 renames
it and moves it to another group: push to resource 2 with the new values. Resource 1 removes
it: both get a push with subscription=remove, roster get on both no longer lists it.
The contact is removed first if a previous run left it behind.
"""
import asyncio

import common
from common import parse_roster, roster_push_for


def push_from_ok(c, x):
    frm = x.get("from")
    return frm is None or frm == c.bare_jid


async def body(sc):
    a = sc.args
    contact = f"{a.contact}@{a.domain}"
    n = common.nonce()
    name1, group1 = f"Roster Test {n}", "Interop"
    name2, group2 = f"Renamed {n}", "Interop Renamed"

    sc.step("login r1, r2")
    r1 = await sc.client(a.user, a.password, resource="roster-r1").login_or_fail("login_r1")
    r2 = await sc.client(a.user, a.password, resource="roster-r2").login_or_fail("login_r2")
    sc.step("roster get (becoming interested resources)")
    before = await r1.roster_get()
    await r2.roster_get()
    if contact in before:
        sc.step("removing a leftover contact")
        m = r1.mark()
        await r1.roster_set(contact, remove=True)
        await r1.wait_for("roster_push", roster_push_for(contact, lambda i: i["subscription"] == "remove"), since=m)
        await asyncio.sleep(0.3)

    # --- add
    sc.step("r1 adds the contact")
    m1, m2 = r1.mark(), r2.mark()
    t, x = await r1.roster_set(contact, name=name1, groups=[group1])
    sc.require("add_result", t == "result", f"roster set returned {t}: {common.stanza_error(x) if x is not None else ''}")
    p2 = await r2.wait_for("roster_push", roster_push_for(contact), since=m2)
    sc.require("add_push_r2", p2 is not None, "resource 2 received no roster push")
    item = parse_roster(p2)[contact]
    sc.info["add_push_item"] = item
    sc.check("add_push_r2_name", item["name"] == name1, f"name={item['name']!r}")
    sc.check("add_push_r2_group", item["groups"] == [group1], f"groups={item['groups']}")
    sc.check("add_push_r2_subscription_none", item["subscription"] == "none" and item["ask"] is None,
             f"subscription={item['subscription']} ask={item['ask']}")
    sc.check("add_push_r2_from", push_from_ok(r2, p2), f"push from={p2.get('from')}")
    sc.check("add_push_single_item", len(parse_roster(p2)) == 1, f"push items {list(parse_roster(p2))}")
    p1 = await r1.wait_for("roster_push", roster_push_for(contact), since=m1)
    sc.check("add_push_r1", p1 is not None, "resource 1 (the one that changed it) received no push")

    sc.step("roster get on both after add")
    for label, c in (("r1", r1), ("r2", r2)):
        it = (await c.roster_get()).get(contact)
        sc.check(f"get_after_add_{label}", it is not None and it["name"] == name1 and it["groups"] == [group1]
                 and it["subscription"] == "none", f"item {it}")

    # --- update
    sc.step("r1 renames the contact")
    m1, m2 = r1.mark(), r2.mark()
    t, _ = await r1.roster_set(contact, name=name2, groups=[group2])
    sc.check("update_result", t == "result", f"roster set returned {t}")
    p2 = await r2.wait_for("roster_push", roster_push_for(contact, lambda i: i["name"] == name2), since=m2)
    sc.check("update_push_r2", p2 is not None and parse_roster(p2)[contact]["groups"] == [group2],
             f"push {parse_roster(p2).get(contact) if p2 is not None else None}")
    it = (await r2.roster_get()).get(contact)
    sc.check("get_after_update_r2", it is not None and it["name"] == name2 and it["groups"] == [group2], f"item {it}")

    # --- remove
    sc.step("r1 removes the contact")
    m1, m2 = r1.mark(), r2.mark()
    t, _ = await r1.roster_set(contact, remove=True)
    sc.check("remove_result", t == "result", f"roster set returned {t}")
    is_removal = roster_push_for(contact, lambda i: i["subscription"] == "remove")
    p2 = await r2.wait_for("roster_push", is_removal, since=m2)
    sc.check("remove_push_r2", p2 is not None, "resource 2 received no push with subscription=remove")
    if p2 is not None:
        sc.check("remove_push_r2_from", push_from_ok(r2, p2), f"push from={p2.get('from')}")
    p1 = await r1.wait_for("roster_push", is_removal, since=m1)
    sc.check("remove_push_r1", p1 is not None, "resource 1 received no push with subscription=remove")
    sc.step("roster get on both after remove")
    for label, c in (("r1", r1), ("r2", r2)):
        roster = await c.roster_get()
        sc.check(f"get_after_remove_{label}", contact not in roster, f"still listed: {roster.get(contact)}")

    await r1.logout()
    await r2.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    p.add_argument("--contact", default="roster-test", help="local part of the contact added and removed")
    common.run("roster_push", p, body)
