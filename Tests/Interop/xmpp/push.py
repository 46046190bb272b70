#!/usr/bin/env python3
"""Push notifications (XEP-0357, urn:xmpp:push:0), the user's server side. (Prosody 0.12 has no
mod_cloud_notify of its own: it is a community module, so this runs against parleyd only.)

alice registers an "app server" that is bob's resource `app` (any JID may be one: the
notification is an IQ routed to it), with publish-options carrying a secret; bob's
resource `sender` sends alice messages.
  * push_advertised: disco#info on alice's own bare JID lists urn:xmpp:push:0 (§4).
  * enable_result: <enable jid node><x type=submit>publish-options</x></enable> → result (§5).
  * enable_without_node_refused: <enable jid/> without a node → an error (bad-request).
  * notified_when_offline: alice logs out; bob/sender sends her a chat message; bob/app gets
    <iq type='set' from=alice-bare><pubsub><publish node=N><item><notification
    xmlns='urn:xmpp:push:0'><x type=submit> with FORM_TYPE urn:xmpp:push:summary,
    message-count and last-message-sender bob's bare JID</x></notification></item></publish>
    <publish-options> with the secret</publish-options></pubsub></iq> (§7);
  * no_body_in_notification: the notification does not carry the body (the server's
    privacy choice; §7 makes last-message-body optional);
  * disable_stops: after <disable jid node/> (§6) another offline message brings no push.
"""
import asyncio
import xml.etree.ElementTree as ET

import common

NS = "urn:xmpp:push:0"
PUBSUB_NS = "http://jabber.org/protocol/pubsub"
DATA_NS = "jabber:x:data"


def form_values(x):
    values = {}
    for field in x.iter(f"{{{DATA_NS}}}field"):
        value = field.find(f"{{{DATA_NS}}}value")
        values[field.get("var")] = value.text if value is not None else None
    return values


def enable_element(app_jid, node, secret):
    enable = ET.Element(f"{{{NS}}}enable", {"jid": app_jid, "node": node})
    form = ET.SubElement(enable, f"{{{DATA_NS}}}x", {"type": "submit"})
    for var, value in (("FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options"), ("secret", secret)):
        field = ET.SubElement(form, f"{{{DATA_NS}}}field", {"var": var})
        ET.SubElement(field, f"{{{DATA_NS}}}value").text = value
    return enable


async def body(sc):
    a = sc.args
    n = common.nonce()
    node, secret = f"node-{n}", f"secret-{n}"
    sc.step("login alice, bob/app (the app server), bob/sender")
    alice = await sc.client(a.alice_user, a.alice_password, resource="push-a").login_or_fail("login_alice")
    app = await sc.client(a.bob_user, a.bob_password, resource="app").login_or_fail("login_app")
    sender = await sc.client(a.bob_user, a.bob_password, resource="sender").login_or_fail("login_sender")
    app.record_iq_sets(PUBSUB_NS)
    for c in (alice, app, sender):
        c.presence()
        await c.barrier()
    t, feats = await alice.disco_features(alice.bare_jid)
    sc.check("push_advertised", NS in feats, f"disco#info {t}: {sorted(feats)}")
    t, x = await alice.iq("set", ET.Element(f"{{{NS}}}enable", {"jid": app.full_jid}))
    sc.check("enable_without_node_refused", t == "error", f"{t} {common.stanza_error(x) if x is not None else ''}")
    t, x = await alice.iq("set", enable_element(app.full_jid, node, secret))
    sc.check("enable_result", t == "result", f"{t} {common.stanza_error(x) if x is not None else ''}")

    sc.step("alice goes offline; bob writes to her")
    await alice.logout()
    await asyncio.sleep(0.5)
    mark = app.mark()
    token = f"push {n} first"
    sender.send_chat(f"{a.alice_user}@{a.domain}", token)
    got = await app.wait_for("push", lambda x: x.find(f".//{{{NS}}}notification") is not None, since=mark)
    values = form_values(got.find(f".//{{{NS}}}notification")) if got is not None else {}
    publish = got.find(f"{{{PUBSUB_NS}}}pubsub/{{{PUBSUB_NS}}}publish") if got is not None else None
    options = form_values(got.find(f"{{{PUBSUB_NS}}}pubsub/{{{PUBSUB_NS}}}publish-options")) if got is not None \
        and got.find(f"{{{PUBSUB_NS}}}pubsub/{{{PUBSUB_NS}}}publish-options") is not None else {}
    sc.check("notified_when_offline", got is not None and common.bare(got.get("from") or "") == f"{a.alice_user}@{a.domain}"
             and publish is not None and publish.get("node") == node
             and values.get("FORM_TYPE") == "urn:xmpp:push:summary" and values.get("message-count") is not None
             and values.get("last-message-sender") == sender.bare_jid and options.get("secret") == secret,
             f"notification: {common.serialize(got)[:600] if got is not None else None}")
    sc.check("no_body_in_notification", got is not None and token not in common.serialize(got),
             "the body was in the notification" if got is not None else "no notification")

    sc.step("alice disables push; another offline message brings none")
    alice2 = await sc.client(a.alice_user, a.alice_password, resource="push-a2").login_or_fail("login_alice_again")
    t, _ = await alice2.iq("set", ET.Element(f"{{{NS}}}disable", {"jid": app.full_jid, "node": node}))
    await alice2.logout()
    await asyncio.sleep(0.5)
    mark = app.mark()
    sender.send_chat(f"{a.alice_user}@{a.domain}", f"push {n} second")
    await asyncio.sleep(common.QUIET_PERIOD)
    later = app.matching("push", lambda x: x.find(f".//{{{NS}}}notification") is not None, since=mark)
    sc.check("disable_stops", t == "result" and not later, f"disable: {t}; notifications after: {len(later)}")
    for c in (app, sender):
        await c.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    common.run("push", p, body)
