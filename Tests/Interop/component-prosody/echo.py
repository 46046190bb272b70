#!/usr/bin/env python3
"""Interop (b): Parley's echo component behind a real Prosody.

alice, logged into the server (Prosody) with slixmpp, sends `hi` to the component's domain
(an external XEP-0114 component, `parleyd echo --connect …`) and must get `echo: hi` back,
from the component's domain, with the same type and id. She then subscribes to the
component and must get `subscribed` and its available presence (status `echoing`); an IQ
get to the component gets an error reply, service-unavailable, in the client namespace
(never silence, and never an `<error/>` a client cannot read).

Takes the common arguments (see Tests/Interop/xmpp/README.md) plus --component DOMAIN and
--user/--password; prints one JSON line like every scenario.
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "xmpp"))

import common  # noqa: E402
from common import message_body, presence_status, stanza_error  # noqa: E402


async def body(sc):
    a = sc.args
    component = a.component
    sc.step("login")
    alice = await sc.client(a.user, a.password, resource="echo-test").login_or_fail("login")
    alice.presence()
    await alice.barrier()

    sc.step("hi -> echo: hi")
    mark = alice.mark()
    msg = alice.Message()
    msg["to"] = component
    msg["type"] = "chat"
    msg["id"] = "echo-" + common.nonce()
    msg["body"] = "hi"
    msg.send()
    got = await alice.wait_for("message", lambda x: common.bare(x.get("from")) == component, since=mark)
    sc.require("echo_received", got is not None, f"nothing came back from {component}")
    sc.check("echo_body", message_body(got) == "echo: hi", f"body={message_body(got)!r}")
    sc.check("echo_not_error", got.get("type") == "chat", f"type={got.get('type')}, error={stanza_error(got)}")
    sc.check("echo_id_kept", got.get("id") == msg["id"], f"id={got.get('id')}")
    sc.check("echo_to_sender", got.get("to") == alice.full_jid, f"to={got.get('to')}")

    sc.step("subscribe to the component (from scratch: an earlier run's roster item is removed)")
    if component in await alice.roster_get():
        mark = alice.mark()
        kind, _ = await alice.roster_set(component, remove=True)
        sc.require("old_item_removed", kind == "result", f"roster remove: {kind}")
        await alice.wait_for("roster_push", common.roster_push_for(component, lambda i: i["subscription"] == "remove"),
                             since=mark)
    mark = alice.mark()
    alice.presence("subscribe", to=component)
    granted = await alice.wait_for("presence", common.is_presence("subscribed", from_bare=component), since=mark)
    sc.check("subscription_granted", granted is not None, "no presence type=subscribed from the component")
    online = await alice.wait_for("presence", common.is_presence(None, from_bare=component), since=mark)
    sc.check("component_presence", online is not None and presence_status(online) == "echoing",
             f"presence: {None if online is None else ET.tostring(online)}")

    sc.step("an IQ get the bot does not serve is answered with service-unavailable")
    kind, xml = await alice.iq("get", ET.Element("{urn:xmpp:ping}ping"), to=component)
    condition = stanza_error(xml) if kind == "error" else None
    sc.check("iq_answered", kind == "error", f"iq: {kind}")
    sc.check("iq_service_unavailable", condition == "service-unavailable",
             f"condition: {condition} in {None if xml is None else ET.tostring(xml)}")
    await alice.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--component", default="echo.localhost")
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    common.run("component-echo", p, body)
