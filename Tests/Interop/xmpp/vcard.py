#!/usr/bin/env python3
"""vcard-temp (XEP-0054), vCard4 over PEP (XEP-0292) and the avatar conversions of XEP-0398.

alice and bob (contacts, common.make_contacts); the vCard and PEP requests are raw XML. Each run
uses a PNG of its own (a 1x1 image with the run's nonce in a tEXt chunk), so that the SHA-1 ids
differ from run to run.
  * vcard_get_empty_or_item_not_found: alice stores an empty <vCard/> (a clean slate), then a
    get returns an IQ result with no FN, NICKNAME or PHOTO content, or item-not-found (XEP-0054
    §3.1: "If no vCard exists, the server MUST return a stanza error (which SHOULD be
    <item-not-found/>) or an IQ-result containing an empty <vCard/> element"). Info
    empty_vcard_outcome, and first_get_outcome (the get before anything was stored).
  * vcard_set_then_get: alice stores FN, NICKNAME and PHOTO (TYPE image/png, BINVAL) → result;
    her get returns the same FN, NICKNAME, TYPE and image bytes (§3.2 "Updating One's vCard",
    §3.1 "Retrieving One's vCard").
  * contact_sees_vcard: bob's get to alice's bare JID returns the same (§3.3 "Viewing Another
    User's vCard").
  * vcard_too_large: a vCard of 300 KiB (a PHOTO BINVAL) is refused: a stanza error, or the
    stream closed with a stream error (a server's stanza size limit; RFC 6120 §4.9.3.14
    policy-violation); info too_large_outcome (what came); vcard_too_large_not_stored: a later
    get (on a new stream if the old one was closed) returns the vCard stored before.
  * vcard4_pep (XEP-0292 as of its 1.x versions: the vCard4 is published to the PEP node
    'urn:xmpp:vcard4' with the item id 'current'; its 0.x versions used an IQ <vcard/> get/set
    and the node for notifications only): alice publishes
    <vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'> with fn and nickname there → result;
    bob's pubsub items request on that node returns it. Info vcard4_after_vcard_temp: what that node held after the vcard-temp set (Prosody's
    mod_vcard_legacy keeps vcard-temp as vCard4 there); vcard_temp_after_vcard4: what a
    vcard-temp get shows after the vCard4 publish; vcard4_iq_get: the answer to
    <vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/> sent to the bare JID (the IQ form of
    XEP-0292 0.x, which Prosody's mod_vcard4 answers from the PEP node).
  * XEP-0398, judged when the account's disco#info lists urn:xmpp:pep-vcard-conversion:0 (§2
    "The service MUST include … feature"; info conversion_advertised):
      - avatar_metadata_after_photo: after the vcard-temp PHOTO, 'urn:xmpp:avatar:metadata'
        has an item whose id is the SHA-1 of the image, with <info id=that bytes type=image/png/>,
        and 'urn:xmpp:avatar:data' has it (§3.2: vCard to PEP is a MAY, but then "The id of that
        item MUST be the SHA-1 hash of the image … using the type value from the vCard as a
        type attribute in the info element"); info avatar_metadata when not advertised;
      - presence_photo_hash: bob gets alice's next available presence with
        <x xmlns='vcard-temp:x:update'><photo>SHA-1</photo></x> (§4: "services MUST include the
        hash on behalf of their users in every available presence");
      - avatar_pep_to_vcard: alice publishes a second image through XEP-0084 (data, then
        metadata); a vcard-temp get then shows it as PHOTO (§3.1: "the service MUST look up the
        corresponding item published in the 'urn:xmpp:avatar:data' node and store the content
        of the data element as a photo in the vcard").

PROSODY 0.12 (mod_vcard_legacy in the base config, mod_vcard4 opt-in): vcard-temp is not stored
as such but converted to the vCard4 PEP node and the XEP-0084 nodes (and read back from them);
an empty vCard reads back as an IQ result without content; the 300 KiB vCard exceeds the
c2s stanza size limit (256 KiB): the stream is closed with policy-violation.
"""
import asyncio
import base64
import hashlib
import os
import struct
import xml.etree.ElementTree as ET
import zlib

import common

VCARD_NS = "vcard-temp"
VCARD4_NS = "urn:ietf:params:xml:ns:vcard-4.0"
VCARD4_NODE = "urn:xmpp:vcard4"
PUBSUB_NS = "http://jabber.org/protocol/pubsub"
META_NS = "urn:xmpp:avatar:metadata"
DATA_NS = "urn:xmpp:avatar:data"
UPDATE_NS = "vcard-temp:x:update"
CONVERSION = "urn:xmpp:pep-vcard-conversion:0"
TOO_LARGE = 300 * 1024


def png(tag):
    """A valid 1x1 PNG holding `tag` in a tEXt chunk."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"tEXt", b"Comment\x00" + tag.encode())
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def vcard_el(fields=None, photo=None, photo_type="image/png", binval=None):
    v = ET.Element(f"{{{VCARD_NS}}}vCard")
    for k, val in (fields or {}).items():
        ET.SubElement(v, f"{{{VCARD_NS}}}{k}").text = val
    if photo is not None or binval is not None:
        p = ET.SubElement(v, f"{{{VCARD_NS}}}PHOTO")
        ET.SubElement(p, f"{{{VCARD_NS}}}TYPE").text = photo_type
        ET.SubElement(p, f"{{{VCARD_NS}}}BINVAL").text = binval if binval is not None else base64.b64encode(photo).decode()
    return v


def parse_vcard(iq):
    """{FN, NICKNAME, TYPE, IMAGE (bytes or None)} of a vcard-temp result."""
    v = iq.find(f"{{{VCARD_NS}}}vCard") if iq is not None else None
    if v is None:
        return None
    text = lambda path: (v.findtext(path) or "").strip() or None  # noqa: E731
    b = text(f"{{{VCARD_NS}}}PHOTO/{{{VCARD_NS}}}BINVAL")
    try:
        image = base64.b64decode("".join(b.split())) if b else None
    except ValueError:
        image = b"<undecodable>"
    return {"FN": text(f"{{{VCARD_NS}}}FN"), "NICKNAME": text(f"{{{VCARD_NS}}}NICKNAME"),
            "TYPE": text(f"{{{VCARD_NS}}}PHOTO/{{{VCARD_NS}}}TYPE"), "IMAGE": image}


def short(v):
    if v is None:
        return None
    return {k: (f"{len(x)} bytes sha1 {hashlib.sha1(x).hexdigest()}" if isinstance(x, bytes) else x) for k, x in v.items()}


async def vcard_get(c, to=None):
    t, x = await c.iq("get", ET.Element(f"{{{VCARD_NS}}}vCard"), to=to)
    return t, x, (parse_vcard(x) if t == "result" else None)


def outcome(t, x):
    return t if t != "error" else f"error {common.stanza_error_type(x)}/{common.stanza_error(x)}"


def pubsub_items_el(node):
    p = ET.Element(f"{{{PUBSUB_NS}}}pubsub")
    ET.SubElement(p, f"{{{PUBSUB_NS}}}items", {"node": node})
    return p


async def items(c, jid, node):
    """(iq type, [item elements]) of a pubsub items request."""
    t, x = await c.iq("get", pubsub_items_el(node), to=jid)
    its = x.findall(f"{{{PUBSUB_NS}}}pubsub/{{{PUBSUB_NS}}}items/{{{PUBSUB_NS}}}item") if t == "result" else []
    return t, x, its


async def publish(c, node, item_id, payload):
    return await c.iq("set", common.pubsub_publish(node, item_id, payload))


def vcard4_el(fn, nick):
    v = ET.Element(f"{{{VCARD4_NS}}}vcard")
    ET.SubElement(ET.SubElement(v, f"{{{VCARD4_NS}}}fn"), f"{{{VCARD4_NS}}}text").text = fn
    ET.SubElement(ET.SubElement(v, f"{{{VCARD4_NS}}}nickname"), f"{{{VCARD4_NS}}}text").text = nick
    return v


def vcard4_fields(item):
    v = item.find(f"{{{VCARD4_NS}}}vcard") if item is not None else None
    if v is None:
        return None
    return {"fn": v.findtext(f"{{{VCARD4_NS}}}fn/{{{VCARD4_NS}}}text"),
            "nickname": v.findtext(f"{{{VCARD4_NS}}}nickname/{{{VCARD4_NS}}}text")}


def empty_vcard(v):
    return v is not None and not any(v[k] for k in ("FN", "NICKNAME", "IMAGE"))


async def check_empty(sc, alice):
    t, x, v = await vcard_get(alice)
    sc.info["first_get_outcome"] = outcome(t, x) + (f" {short(v)}" if v else "")
    ts, xs = await alice.iq("set", vcard_el())
    sc.require("empty_vcard_stored", ts == "result", f"set <vCard/>: {outcome(ts, xs)}")
    t, x, v = await vcard_get(alice)
    sc.info["empty_vcard_outcome"] = ("result, empty" if empty_vcard(v) else outcome(t, x) + (f" {short(v)}" if v else ""))
    sc.check("vcard_get_empty_or_item_not_found",
             empty_vcard(v) or (t == "error" and common.stanza_error(x) == "item-not-found"),
             f"get after storing an empty vCard: {outcome(t, x)} {short(v)}")


async def check_set_get(sc, alice, bob, expected):
    ts, xs = await alice.iq("set", vcard_el({"FN": expected["FN"], "NICKNAME": expected["NICKNAME"]}, photo=expected["IMAGE"]))
    t, x, v = await vcard_get(alice)
    sc.check("vcard_set_then_get", ts == "result" and v == expected,
             f"set {outcome(ts, xs)}; get {outcome(t, x)}: {short(v)}, expected {short(expected)}")
    t, x, v = await vcard_get(bob, to=alice.bare_jid)
    sc.check("contact_sees_vcard", t == "result" and v == expected and x.get("from") in (alice.bare_jid, None),
             f"bob's get {outcome(t, x)} from {x.get('from') if x is not None else None}: {short(v)}")


async def check_too_large(sc, alice, expected):
    a = sc.args
    big = base64.b64encode(os.urandom(TOO_LARGE * 3 // 4)).decode()
    errors = []
    alice.add_event_handler("stream_error", lambda s: errors.append(s.xml))
    task = asyncio.ensure_future(alice.iq("set", vcard_el({"FN": "too large", "NICKNAME": "too large"}, binval=big), timeout=8))
    for _ in range(80):  # the answer, or a stream error (then the IQ is never answered)
        if task.done() or errors:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    if task.done():
        t, x = task.result()
    else:
        task.cancel()
        t, x = "no answer", None
    closed = alice.transport is None or alice.transport.is_closing()
    if t == "error":
        sc.info["too_large_outcome"] = f"stanza error {outcome(t, x)}"
    elif errors:
        conds = [ch.tag.split("}", 1)[1] for ch in errors[0] if "xmpp-streams" in ch.tag and not ch.tag.endswith("}text")]
        text = errors[0].findtext("{urn:ietf:params:xml:ns:xmpp-streams}text")
        sc.info["too_large_outcome"] = f"stream error {conds[0] if conds else '?'}" + (f" ({text})" if text else "") + (", stream closed" if closed else "")
    else:
        sc.info["too_large_outcome"] = f"{t}" + (", stream closed without a stream error" if closed else "")
    sc.check("vcard_too_large", t == "error" or bool(errors), sc.info["too_large_outcome"])
    checker = alice
    if closed or t != "result":
        if closed:
            checker = await sc.client(a.alice_user, a.alice_password, resource="vc-a2").login_or_fail("login_after_too_large")
    t, x, v = await vcard_get(checker)
    sc.check("vcard_too_large_not_stored", t == "result" and v == expected, f"get afterwards {outcome(t, x)}: {short(v)}")
    return checker


async def check_avatar_from_vcard(sc, alice, bob, image, advertised):
    sha = hashlib.sha1(image).hexdigest()
    t, x, its = await items(alice, alice.bare_jid, META_NS)
    info = its[0].find(f"{{{META_NS}}}metadata/{{{META_NS}}}info") if its else None
    got = {"item_id": its[0].get("id") if its else None,
           "info": dict(info.attrib) if info is not None else None}
    dt, dx, dits = await items(alice, alice.bare_jid, DATA_NS)
    data = dits[0].findtext(f"{{{DATA_NS}}}data") if dits else None
    data_ok = data is not None and base64.b64decode("".join(data.split())) == image and dits[0].get("id") == sha
    sc.info["avatar_metadata"] = {"items": outcome(t, x), **got, "data_item_matches": data_ok}
    ok = (got["item_id"] == sha and got["info"] is not None and got["info"].get("id") == sha
          and got["info"].get("type") == "image/png" and got["info"].get("bytes") == str(len(image)) and data_ok)
    if advertised:
        sc.check("avatar_metadata_after_photo", ok, f"expected id {sha}: {sc.info['avatar_metadata']}")
        mb = bob.mark()
        alice.presence(status="vcard photo hash")
        p = await bob.wait_for("presence", common.is_presence(None, frm=alice.full_jid), since=mb)
        photo = p.findtext(f"{{{UPDATE_NS}}}x/{{{UPDATE_NS}}}photo") if p is not None else None
        sc.info["presence_photo"] = photo
        sc.check("presence_photo_hash", photo == sha, f"bob got {common.serialize(p) if p is not None else None}")
    else:
        sc.info["avatar_metadata_note"] = "urn:xmpp:pep-vcard-conversion:0 not advertised: not judged"


async def check_avatar_to_vcard(sc, alice, image):
    sha = hashlib.sha1(image).hexdigest()
    d = ET.Element(f"{{{DATA_NS}}}data")
    d.text = base64.b64encode(image).decode()
    t1, x1 = await publish(alice, DATA_NS, sha, d)
    meta = ET.Element(f"{{{META_NS}}}metadata")
    ET.SubElement(meta, f"{{{META_NS}}}info", {"id": sha, "bytes": str(len(image)), "type": "image/png", "width": "1", "height": "1"})
    t2, x2 = await publish(alice, META_NS, sha, meta)
    t, x, v = await vcard_get(alice)
    sc.check("avatar_pep_to_vcard", t1 == "result" and t2 == "result" and v is not None and v["IMAGE"] == image
             and v["TYPE"] == "image/png",
             f"publish data {outcome(t1, x1)}, metadata {outcome(t2, x2)}; vCard {outcome(t, x)}: {short(v)}")


async def check_vcard4(sc, alice, bob, n):
    t, x, its = await items(alice, alice.bare_jid, VCARD4_NODE)
    sc.info["vcard4_after_vcard_temp"] = (vcard4_fields(its[-1]) if its else outcome(t, x) + " (no item)")
    t, x = await alice.iq("get", ET.Element(f"{{{VCARD4_NS}}}vcard"), to=alice.bare_jid)
    sc.info["vcard4_iq_get"] = (outcome(t, x) + (f" {vcard4_fields(x)}" if t == "result" else ""))
    fn, nick = f"vCard4 {n}", f"v4nick-{n}"
    tp, xp = await publish(alice, VCARD4_NODE, "current", vcard4_el(fn, nick))
    t, x, its = await items(bob, alice.bare_jid, VCARD4_NODE)
    got = [vcard4_fields(i) for i in its if i.get("id") == "current"]
    sc.check("vcard4_pep", tp == "result" and got == [{"fn": fn, "nickname": nick}],
             f"publish {outcome(tp, xp)}; bob's items {outcome(t, x)}: {got}")
    t, x, v = await vcard_get(alice)
    sc.info["vcard_temp_after_vcard4"] = outcome(t, x) + (f" {short(v)}" if v else "")


async def body(sc):
    a = sc.args
    n = common.nonce()
    sc.step("login alice and bob")
    alice = await sc.client(a.alice_user, a.alice_password, resource="vc-a").login_or_fail("login_alice")
    bob = await sc.client(a.bob_user, a.bob_password, resource="vc-b").login_or_fail("login_bob")
    await common.make_contacts(sc, alice, bob)
    for c in (alice, bob):
        c.presence()
        await c.barrier()
    t, feats = await alice.disco_features(alice.bare_jid)
    advertised = CONVERSION in feats
    sc.info["conversion_advertised"] = advertised
    image = png(f"parley vcard {n}")
    expected = {"FN": f"Alice {n}", "NICKNAME": f"alice-{n}", "TYPE": "image/png", "IMAGE": image}
    sc.step("empty vCard")
    await check_empty(sc, alice)
    sc.step("set and get")
    await check_set_get(sc, alice, bob, expected)
    sc.step("XEP-0398 vCard -> PEP")
    await check_avatar_from_vcard(sc, alice, bob, image, advertised)
    sc.step("too large")
    alice = await check_too_large(sc, alice, expected)
    if advertised:
        sc.step("XEP-0398 PEP -> vCard")
        await check_avatar_to_vcard(sc, alice, png(f"parley vcard {n} second"))
    sc.step("vCard4 over PEP")
    await check_vcard4(sc, alice, bob, n)
    await alice.logout()
    await bob.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    common.run("vcard", p, body)
