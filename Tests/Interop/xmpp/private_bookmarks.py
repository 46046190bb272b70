#!/usr/bin/env python3
"""Private XML storage (XEP-0049), PEP Native Bookmarks (XEP-0402) and Bookmarks Conversion
(XEP-0411) on alice's account.

alice/pb-r1 (plain) and alice/pb-r2 (slixmpp's XEP-0115 caps with 'urn:xmpp:bookmarks:1+notify'
and 'storage:bookmarks+notify', XEP-0163 "Filtered Notifications") and bob; the requests are raw
XML. Every run uses room JIDs and values with a nonce of its own. The run replaces alice's bookmarks (all of them).
  * private_roundtrip: a set of <prefs xmlns='urn:example:parley:private'> (children, attributes,
    text) → result; a get of that element returns it unchanged (XEP-0049 §2.3 examples "Client
    Stores Private Data", "Client Retrieves Private Data").
  * private_other_namespace_isolated: a second element in another namespace is stored; the
    first still reads back unchanged, the second reads back as stored, a third never stored
    namespace reads back empty (the element, no children), and bob's get of the first
    namespace does not return alice's data (§2.1: data is keyed by its namespace, per user).
  * private_other_user_refused: alice's get to bob's bare JID → forbidden or service-unavailable
    (§2.3: "If a user attempts to get or set jabber:iq:private data that belongs to another
    user, the server MUST return a "Forbidden" or "Service Unavailable" error").
  * private_empty_query_refused: a set with an empty <query/> → not-acceptable (§2.3: "At least
    one child element with a proper namespace MUST be included; otherwise the server MUST
    respond with a "Not Acceptable" error"); info empty_query_error. --accept-bad-format accepts
    any error. A get with an empty query is info only, empty_get_error (§2.3: "SHOULD return a
    "Bad Format" error (however, some existing implementations return a "Not Acceptable"
    error)"). Both are read from the raw XML (common.Client.iq_raw): slixmpp cannot parse an
    error whose condition RFC 6120 does not define.
    PROSODY DEVIATION: Prosody 0.12's mod_private answers both with <bad-format/>, which is
    neither XEP-0049's not-acceptable nor one of RFC 6120 §8.3.3's defined conditions, so
    against Prosody this check fails unless --accept-bad-format (prosody/validate.sh gives it).
  * private_jabber_namespace_answered: storing <x xmlns='jabber:client'/> and
    <query xmlns='jabber:iq:private'/> inside the query is answered (result or error, not a
    time-out); info reserved_namespace_outcome records which: §2.3 "Certain namespaces are
    reserved in Jabber (namespaces beginning with 'jabber:' …). If a user attempts to get or
    set jabber:iq:private data in a reserved namespace, historically some server
    implementations have chosen to return an error (commonly "Not Acceptable") … Such behavior
    is OPTIONAL" — so a refusal is not required and not judged. --require-reserved-refusal makes
    it a check (private_jabber_namespace_refused: not-acceptable or bad-request).
  * bookmarks2_publish_and_get: alice publishes to 'urn:xmpp:bookmarks:1' the item id=room JID
    with <conference xmlns='urn:xmpp:bookmarks:1' name=… autojoin='true'><nick>…</nick>
    </conference> and the publish-options persist_items=true, max_items=max,
    send_last_published_item=never, access_model=whitelist (XEP-0402 "Adding a bookmark")
    → result; an items request returns that item with name, autojoin and nick unchanged
    ("Retrieving all bookmarks").
  * bookmarks2_notification_other_resource: r2 (+notify in its caps) gets the event
    <message from=alice-bare><event><items node='urn:xmpp:bookmarks:1'><item id=room> with the
    conference (XEP-0402 "Bookmark Notifications"; XEP-0163 "Filtered Notifications"). Info
    notification_count.
  * XEP-0411 (the XEP-0048 'storage:bookmarks' data seen through XEP-0049 and through the PEP
    node 'storage:bookmarks'):
      - conversion_0411_advertised: the account's disco#info lists
        urn:xmpp:bookmarks-conversion:0 (§2: "The service MUST include …");
      - conversion_0411_private_to_pep: a <storage xmlns='storage:bookmarks'> with room A stored
        through XEP-0049 is in the PEP node 'storage:bookmarks' (§3: "a service MUST support
        conversion from PEP to Private XML and vice versa");
      - conversion_0411_private_notifies: r2 (+notify for 'storage:bookmarks' too) gets that
        event from alice's bare JID (§3: "When a legacy client modifies bookmarks over Private
        XML the service MUST send out notification messages to all subscribers of the
        'storage:bookmarks' node");
      - conversion_0411_pep_to_private: a storage with rooms A and B published to the PEP node
        'storage:bookmarks' (publish-options persist_items, access_model whitelist: private
        data as XEP-0223 stores it) reads back through XEP-0049 with A and B.
    XEP-0402 "Compatibility" says a server MAY unify XEP-0049/XEP-0048 bookmarks with
    'urn:xmpp:bookmarks:1' (in the text read here); what Prosody does is info: compat_0402_private_to_bookmarks2 (room A
    as an item of 'urn:xmpp:bookmarks:1'), compat_0402_bookmarks2_to_private (the room of
    bookmarks2_publish_and_get in the XEP-0049 storage), compat_features (the account's
    bookmarks features).

PROSODY 0.12 (mod_private in the base config, mod_bookmarks opt-in): reserved namespaces are
stored like any other (allowed: OPTIONAL in XEP-0049); an empty query is refused with the
condition <bad-format/> (the deviation above); another user's data → service-unavailable;
mod_bookmarks keeps XEP-0049
'storage:bookmarks', the PEP node 'storage:bookmarks' and 'urn:xmpp:bookmarks:1' as three
views of one list (a XEP-0049 or 'storage:bookmarks' write replaces the whole
'urn:xmpp:bookmarks:1' node), and advertises urn:xmpp:bookmarks:1#compat, #compat-pep and
urn:xmpp:bookmarks-conversion:0 on the account.
"""
import asyncio
import xml.etree.ElementTree as ET

import common

PRIVATE_NS = "jabber:iq:private"
LEGACY_NS = "storage:bookmarks"
BOOKMARKS = "urn:xmpp:bookmarks:1"
PUBSUB_NS = "http://jabber.org/protocol/pubsub"
EVENT_NS = "http://jabber.org/protocol/pubsub#event"
CONVERSION = "urn:xmpp:bookmarks-conversion:0"
MINE, OTHER, NEVER = "urn:example:parley:private", "urn:example:parley:private:other", "urn:example:parley:private:never"
R2_PLUGINS = ("xep_0030", "xep_0115", "xep_0163")


def private_query(*children):
    q = ET.Element(f"{{{PRIVATE_NS}}}query")
    for ch in children:
        q.append(ch)
    return q


def prefs(ns, n, tag="prefs"):
    el = ET.Element(f"{{{ns}}}{tag}", {"run": n})
    nick = ET.SubElement(el, f"{{{ns}}}nick", {"lang": "en"})
    nick.text = f"Hamlet {n} & <co>"
    ET.SubElement(el, f"{{{ns}}}empty")
    return el


def stored(x, ns, tag="prefs"):
    """The stored element of a private get result, or None."""
    return x.find(f"{{{PRIVATE_NS}}}query/{{{ns}}}{tag}") if x is not None else None


def outcome(t, x):
    return t if t != "error" else f"error {common.stanza_error_type(x)}/{common.stanza_error(x)}"


async def items(c, node):
    p = ET.Element(f"{{{PUBSUB_NS}}}pubsub")
    ET.SubElement(p, f"{{{PUBSUB_NS}}}items", {"node": node})
    t, x = await c.iq("get", p, to=c.bare_jid)
    its = x.findall(f"{{{PUBSUB_NS}}}pubsub/{{{PUBSUB_NS}}}items/{{{PUBSUB_NS}}}item") if t == "result" else []
    return t, x, its


def conference2(name, nick):
    c = ET.Element(f"{{{BOOKMARKS}}}conference", {"name": name, "autojoin": "true"})
    ET.SubElement(c, f"{{{BOOKMARKS}}}nick").text = nick
    return c


def conf2_fields(item):
    c = item.find(f"{{{BOOKMARKS}}}conference") if item is not None else None
    if c is None:
        return None
    return {"name": c.get("name"), "autojoin": c.get("autojoin") in ("true", "1"), "nick": c.findtext(f"{{{BOOKMARKS}}}nick")}


def legacy_storage(rooms):
    s = ET.Element(f"{{{LEGACY_NS}}}storage")
    for jid, name in rooms:
        c = ET.SubElement(s, f"{{{LEGACY_NS}}}conference", {"jid": jid, "name": name, "autojoin": "false"})
        ET.SubElement(c, f"{{{LEGACY_NS}}}nick").text = "alice"
    return s


def legacy_rooms(storage):
    if storage is None:
        return []
    return sorted(c.get("jid") for c in storage.findall(f"{{{LEGACY_NS}}}conference"))


async def private_rooms(c):
    t, x = await c.iq("get", private_query(ET.Element(f"{{{LEGACY_NS}}}storage")))
    return t, x, legacy_rooms(stored(x, LEGACY_NS, "storage"))


async def pep_legacy_rooms(c):
    t, x, its = await items(c, LEGACY_NS)
    rooms = sorted(r for it in its for r in legacy_rooms(it.find(f"{{{LEGACY_NS}}}storage")))
    return t, x, rooms


async def check_private(sc, r1, bob, n):
    mine, other = prefs(MINE, n), prefs(OTHER, n, "settings")
    ts, xs = await r1.iq("set", private_query(mine))
    t, x = await r1.iq("get", private_query(ET.Element(f"{{{MINE}}}prefs")))
    got = stored(x, MINE)
    sc.check("private_roundtrip", ts == "result" and t == "result" and got is not None
             and common.serialize(got) == common.serialize(mine),
             f"set {outcome(ts, xs)}; get {outcome(t, x)}: {common.serialize(got) if got is not None else None}")
    ts2, xs2 = await r1.iq("set", private_query(other))
    t1, x1 = await r1.iq("get", private_query(ET.Element(f"{{{MINE}}}prefs")))
    t2, x2 = await r1.iq("get", private_query(ET.Element(f"{{{OTHER}}}settings")))
    t3, x3 = await r1.iq("get", private_query(ET.Element(f"{{{NEVER}}}prefs")))
    never = stored(x3, NEVER)
    tb, xb = await bob.iq("get", private_query(ET.Element(f"{{{MINE}}}prefs")))
    bobs = stored(xb, MINE)
    leaked = bobs is not None and bobs.get("run") == n
    ok = (ts2 == "result" and stored(x1, MINE) is not None and common.serialize(stored(x1, MINE)) == common.serialize(mine)
          and stored(x2, OTHER, "settings") is not None
          and common.serialize(stored(x2, OTHER, "settings")) == common.serialize(other)
          and t3 == "result" and never is not None and len(never) == 0 and not leaked)
    sc.check("private_other_namespace_isolated", ok,
             f"set other {outcome(ts2, xs2)}; first {outcome(t1, x1)}; other {outcome(t2, x2)}; never-stored "
             f"{outcome(t3, x3)} {common.serialize(never) if never is not None else None}; bob's {outcome(tb, xb)} leaked={leaked}")
    t, x = await r1.iq("get", private_query(ET.Element(f"{{{MINE}}}prefs")), to=bob.bare_jid)
    sc.info["other_user_outcome"] = outcome(t, x)
    sc.check("private_other_user_refused", t == "error" and common.stanza_error(x) in ("forbidden", "service-unavailable"),
             sc.info["other_user_outcome"])
    t, x = await r1.iq_raw("set", private_query())
    sc.info["empty_query_error"] = outcome(t, x)
    sc.check("private_empty_query_refused", t == "error" and (common.stanza_error(x) == "not-acceptable"
                                                               or sc.args.accept_bad_format),
             sc.info["empty_query_error"])
    t, x = await r1.iq_raw("get", private_query())
    sc.info["empty_get_error"] = outcome(t, x)


async def check_reserved(sc, r1, n):
    results = {}
    for ns, tag in (("jabber:client", "x"), (PRIVATE_NS, "query")):
        el = ET.Element(f"{{{ns}}}{tag}", {"run": n})
        t, x = await r1.iq("set", private_query(el))
        results[ns] = outcome(t, x)
    sc.info["reserved_namespace_outcome"] = results
    sc.check("private_jabber_namespace_answered", all(v != "timeout" for v in results.values()), str(results))
    if sc.args.require_reserved_refusal:
        sc.check("private_jabber_namespace_refused",
                 all(v.split("/")[-1] in ("not-acceptable", "bad-request") and v.startswith("error") for v in results.values()),
                 str(results))


async def check_0411(sc, r1, r2, n, room_a, room_b):
    t, feats = await r1.disco_features(r1.bare_jid)
    sc.info["compat_features"] = sorted(f for f in feats if "bookmarks" in f)
    sc.check("conversion_0411_advertised", CONVERSION in feats, f"disco#info {t}: {sorted(feats)}")
    m2 = r2.mark()
    ts, xs = await r1.iq("set", private_query(legacy_storage([(room_a, f"A {n}")])))
    t, x, rooms = await pep_legacy_rooms(r1)
    sc.check("conversion_0411_private_to_pep", ts == "result" and rooms == [room_a],
             f"XEP-0049 set {outcome(ts, xs)}; PEP storage:bookmarks {outcome(t, x)}: {rooms}")

    def legacy_event(x):
        its = x.findall(f"{{{EVENT_NS}}}event/{{{EVENT_NS}}}items[@node='{LEGACY_NS}']/{{{EVENT_NS}}}item")
        return any(legacy_rooms(i.find(f"{{{LEGACY_NS}}}storage")) == [room_a] for i in its)
    ev = await r2.wait_for("message", legacy_event, since=m2)
    sc.check("conversion_0411_private_notifies", ev is not None and ev.get("from") == r1.bare_jid,
             f"r2 (storage:bookmarks+notify) got {common.serialize(ev) if ev is not None else None}")
    t2, x2, its = await items(r1, BOOKMARKS)
    sc.info["compat_0402_private_to_bookmarks2"] = sorted(i.get("id") for i in its) if t2 == "result" else outcome(t2, x2)
    opts = common.publish_options(persist_items="true", access_model="whitelist")
    tp, xp = await r1.iq("set", common.pubsub_publish(LEGACY_NS, "current", legacy_storage([(room_a, f"A {n}"), (room_b, f"B {n}")]), opts))
    t, x, rooms = await private_rooms(r1)
    sc.check("conversion_0411_pep_to_private", tp == "result" and rooms == sorted([room_a, room_b]),
             f"PEP publish {outcome(tp, xp)}; XEP-0049 get {outcome(t, x)}: {rooms}")


async def check_bookmarks2(sc, r1, r2, n, room_c):
    m2 = r2.mark()
    name, nick = f"Parley room {n}", f"alice-{n}"
    opts = common.publish_options(persist_items="true", max_items="max", send_last_published_item="never", access_model="whitelist")
    tp, xp = await r1.iq("set", common.pubsub_publish(BOOKMARKS, room_c, conference2(name, nick), opts))
    t, x, its = await items(r1, BOOKMARKS)
    mine = [conf2_fields(i) for i in its if i.get("id") == room_c]
    sc.check("bookmarks2_publish_and_get", tp == "result" and mine == [{"name": name, "autojoin": True, "nick": nick}],
             f"publish {outcome(tp, xp)}; items {outcome(t, x)}: {mine}")

    def event_for(x):
        it = x.find(f"{{{EVENT_NS}}}event/{{{EVENT_NS}}}items[@node='{BOOKMARKS}']/{{{EVENT_NS}}}item[@id='{room_c}']")
        return it is not None and conf2_fields(it) == {"name": name, "autojoin": True, "nick": nick}
    ev = await r2.wait_for("message", event_for, since=m2)
    await asyncio.sleep(0.5)
    sc.info["notification_count"] = len(r2.matching("message", event_for, since=m2))
    sc.check("bookmarks2_notification_other_resource", ev is not None and ev.get("from") == r1.bare_jid,
             f"r2 got {common.serialize(ev) if ev is not None else None}")
    t, x, rooms = await private_rooms(r1)
    sc.info["compat_0402_bookmarks2_to_private"] = (room_c in rooms) if t == "result" else outcome(t, x)


async def body(sc):
    a = sc.args
    n = common.nonce()
    sc.step("login alice/pb-r1, alice/pb-r2 (+notify), bob")
    r1 = await sc.client(a.alice_user, a.alice_password, resource="pb-r1").login_or_fail("login_r1")
    r2 = await sc.client(a.alice_user, a.alice_password, resource="pb-r2", plugins=R2_PLUGINS).login_or_fail("login_r2")
    r2.plugin["xep_0163"].add_interest(BOOKMARKS)
    r2.plugin["xep_0163"].add_interest(LEGACY_NS)
    await r2.plugin["xep_0115"].update_caps(broadcast=False)
    bob = await sc.client(a.bob_user, a.bob_password, resource="pb-b").login_or_fail("login_bob")
    for c in (r1, r2, bob):
        c.presence()
        await c.barrier()
    await asyncio.sleep(1.0)  # the server asks r2 for its caps (XEP-0115 §6.3)
    sc.step("private XML storage")
    await check_private(sc, r1, bob, n)
    await check_reserved(sc, r1, n)
    room_a, room_b, room_c = (f"{x}-{n}@conference.{a.domain}" for x in ("pb-a", "pb-b", "pb-c"))
    sc.step("XEP-0411 conversion")
    await check_0411(sc, r1, r2, n, room_a, room_b)
    sc.step("XEP-0402 bookmarks")
    await check_bookmarks2(sc, r1, r2, n, room_c)
    for c in (r1, r2, bob):
        await c.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    p.add_argument("--require-reserved-refusal", action="store_true",
                   help="also require not-acceptable/bad-request for data in jabber: namespaces (OPTIONAL in XEP-0049)")
    p.add_argument("--accept-bad-format", action="store_true",
                   help="private_empty_query_refused accepts any error, not only not-acceptable (Prosody 0.12: bad-format)")
    common.run("private_bookmarks", p, body)
