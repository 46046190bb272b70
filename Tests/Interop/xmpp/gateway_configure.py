#!/usr/bin/env python3
"""The IRC gateway's `configure` ad-hoc command (XEP-0050, biboumi's field names), with
slixmpp: the network is Parley's own irc-server (--irc-port, plain text, accounts only),
which the gateway's default TLS port (--closed-port, where nothing listens) cannot reach.

alice's first entry into `#dev%127.0.0.1@irc.DOMAIN` is refused (remote-server-not-found).
The network JID lists `configure`; executing it returns biboumi's fields; a submission
with an unknown field is bad-request naming it; a submission of the plain port, no TLS
ports, her nick and her SASL password completes; then she enters (the irc-server lets
only logged-in clients register, so this is SASL PLAIN working), and executing the
command again shows the stored ports but never the password. Then the channel's own
`configure` makes #dev persistent: alice leaves the room, the gateway stays in the
channel (no PART or QUIT seen by bob, an IRC user of the irc-server), and when alice comes
back the message bob said meanwhile arrives as history with a XEP-0203 delay.
"""
import asyncio
import xml.etree.ElementTree as ET

import common
from irc_peer import IRCPeer
from muc import codes, is_from

COMMANDS = "http://jabber.org/protocol/commands"
DATA = "jabber:x:data"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
FIELDS = ["ports", "tls_ports", "verify_cert", "nick", "username", "realname", "pass", "sasl_password",
          "encoding_in", "encoding_out", "throttle_limit"]


def command(action, session=None, fields=None):
    """A `configure` command element with `action`, `session`, and a submitted form."""
    c = ET.Element(f"{{{COMMANDS}}}command", {"node": "configure", "action": action})
    if session:
        c.set("sessionid", session)
    if fields is not None:
        x = ET.SubElement(c, f"{{{DATA}}}x", {"type": "submit"})
        for var, values in fields:
            field = ET.SubElement(x, f"{{{DATA}}}field", {"var": var})
            for value in values:
                ET.SubElement(field, f"{{{DATA}}}value").text = value
    return c


def child_command(iq):
    """The `<command/>` of an IQ response, or None."""
    return iq.find(f"{{{COMMANDS}}}command") if iq is not None else None


def field_values(cmd, var):
    """The values of field `var` in the form of a command response."""
    for field in (cmd.iter(f"{{{DATA}}}field") if cmd is not None else []):
        if field.get("var") == var:
            return [v.text or "" for v in field.findall(f"{{{DATA}}}value")]
    return None


async def body(sc):
    a = sc.args
    gateway = f"irc.{a.domain}"
    network = f"127.0.0.1@{gateway}"
    room = f"#dev%127.0.0.1@{gateway}"
    alice = await sc.client("alice", a.alice_password, resource="desk", plugins=["xep_0045"]).login_or_fail()
    alice.presence()
    await alice.barrier()

    sc.step("before configuring: the default TLS port cannot be reached")
    mark = alice.mark()
    alice.plugin["xep_0045"].join_muc(room, "alice")
    refused = await alice.wait_for("presence", is_from(f"{room}/alice", "error"), since=mark, timeout=20)
    sc.check("unreachable_is_remote_server_not_found", refused is not None
             and common.stanza_error(refused) == "remote-server-not-found",
             refused is not None and ET.tostring(refused))

    sc.step("the network JID lists configure, and executing it returns biboumi's fields")
    t, xml = await alice.iq("get", ET.Element(f"{{{DISCO_ITEMS}}}query", {"node": COMMANDS}), to=network)
    nodes = [i.get("node") for i in xml.iter(f"{{{DISCO_ITEMS}}}item")] if xml is not None else []
    sc.check("commands_listed", t == "result" and "configure" in nodes, nodes)
    t, iq = await alice.iq("set", command("execute"), to=network)
    form = child_command(iq)
    sc.require("form_returned", t == "result" and form is not None and form.get("status") == "executing",
               [t, iq is not None and ET.tostring(iq)])
    session = form.get("sessionid")
    fields = [f.get("var") for f in form.iter(f"{{{DATA}}}field")]
    sc.check("biboumi_fields", all(f in fields for f in FIELDS), fields)

    sc.step("an unknown field is refused by name; a good submission completes")
    t, error = await alice.iq("set", command("complete", session, [("colour", ["blue"])]), to=network)
    sc.check("unknown_field_bad_request", t == "error" and "colour" in (common.stanza_error_text(error) or ""),
             error is not None and ET.tostring(error))
    t, iq = await alice.iq("set", command("complete", session, [
        ("ports", [str(a.irc_port)]), ("tls_ports", []), ("nick", ["alice"]),
        ("sasl_password", [a.irc_password])]), to=network)
    done = child_command(iq)
    sc.check("submission_completed", t == "result" and done is not None and done.get("status") == "completed",
             done is not None and ET.tostring(done))

    sc.step("alice enters with SASL over the configured port")
    mark = alice.mark()
    alice.plugin["xep_0045"].join_muc(room, "alice")
    own = await alice.wait_for("presence", lambda x: x.get("from") == f"{room}/alice" and x.get("type") is None,
                               since=mark, timeout=20)
    sc.check("entered_after_configure", own is not None and "110" in codes(own),
             [ET.tostring(x) for x in alice.matching("presence", lambda x: True, since=mark)])

    sc.step("the stored settings come back in the form, without the password")
    t, iq = await alice.iq("set", command("execute"), to=network)
    again = child_command(iq)
    sc.check("ports_stored", t == "result" and field_values(again, "ports") == [str(a.irc_port)]
             and field_values(again, "tls_ports") == [], again is not None and ET.tostring(again))
    sc.check("password_not_shown", field_values(again, "sasl_password") == [])

    sc.step("the channel is made persistent: alice leaves, bob talks, alice gets it as history")
    t, iq = await alice.iq("set", command("execute"), to=room.split("/")[0])
    form = child_command(iq)
    sc.check("channel_form_has_persistent", form is not None and field_values(form, "persistent") is not None,
             iq is not None and ET.tostring(iq))
    t, iq = await alice.iq("set", command("complete", form.get("sessionid") if form is not None else "x",
                                          [("persistent", ["true"])]), to=room)
    sc.check("channel_configured", t == "result" and child_command(iq) is not None
             and child_command(iq).get("status") == "completed")
    bob = IRCPeer()
    sc.require("bob_registered", await bob.connect(a.host, a.irc_port, "bob", a.bob_password) is not None)
    sc.require("bob_joined", await bob.join("#dev") is not None)
    mark = alice.mark()
    p = alice.Presence()
    p["to"] = f"{room}/alice"
    p["type"] = "unavailable"
    p.send()
    sc.check("left_110", await alice.wait_for("presence", is_from(f"{room}/alice", "unavailable"), since=mark) is not None)
    bob.connection.privmsg("#dev", "while you were away")
    await asyncio.sleep(2)  # longer than the gateway's idle-timeout (1 s in the test)
    sc.check("stays_in_channel", not any(e.type in ("part", "quit") and e.source.nick == "alice" for e in bob.events),
             [(e.type, e.source) for e in bob.events if e.type in ("part", "quit")])
    mark = alice.mark()
    alice.plugin["xep_0045"].join_muc(room, "alice")
    history = await alice.wait_for("message", common.body_contains("while you were away"), since=mark)
    sc.check("history_on_return", history is not None and history.find(f"{{{common.DELAY_NS}}}delay") is not None
             and history.get("from") == f"{room}/bob", history is not None and ET.tostring(history))
    bob.connection.disconnect("done")
    await alice.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepw")
    common.add_user_args(p, "bob", "bob", "bobpw")
    p.add_argument("--irc-port", type=int, required=True)
    p.add_argument("--irc-password", default="alicepw")
    common.run("gateway_configure", p, body)
