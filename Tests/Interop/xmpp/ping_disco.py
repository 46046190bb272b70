#!/usr/bin/env python3
"""Scenario i: XEP-0199 ping, XEP-0030 disco#info/#items, XEP-0092 version on the server JID.

Checks: ping to the domain gets a result from the domain; disco#info on the domain returns an
identity category='server' type='im' and lists http://jabber.org/protocol/disco#info and
urn:xmpp:ping; XEP-0092 version either answers (name and version not empty) and then
jabber:iq:version is listed, or answers an error and then it is not listed; disco#items gets a
result; an IQ get in an unknown namespace gets an error (service-unavailable or
feature-not-implemented, RFC 6120 §8.4).
Info: identities, features, items, version.
"""
import xml.etree.ElementTree as ET

import common

DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
PING = "urn:xmpp:ping"
VERSION = "jabber:iq:version"


async def body(sc):
    a = sc.args
    dom = a.domain
    sc.step("login")
    c = await sc.client(a.user, a.password, resource="disco").login_or_fail("login")

    sc.step("ping")
    t, x = await c.iq("get", ET.Element(f"{{{PING}}}ping"), to=dom)
    sc.check("ping_result", t == "result", f"{t} {common.stanza_error(x) if x is not None else ''}")
    if x is not None:
        sc.check("ping_from_domain", x.get("from") == dom, f"from={x.get('from')}")

    sc.step("disco#info")
    t, x = await c.iq("get", ET.Element(f"{{{DISCO_INFO}}}query"), to=dom)
    sc.require("disco_info_result", t == "result", f"{t} {common.stanza_error(x) if x is not None else ''}")
    q = x.find(f"{{{DISCO_INFO}}}query")
    sc.require("disco_info_query", q is not None, "result without <query/>")
    idents = [(i.get("category"), i.get("type"), i.get("name")) for i in q.findall(f"{{{DISCO_INFO}}}identity")]
    feats = [f.get("var") for f in q.findall(f"{{{DISCO_INFO}}}feature")]
    sc.info["identities"], sc.info["features"] = idents, feats
    sc.check("identity_server_im", any(cat == "server" and typ == "im" for cat, typ, _ in idents), f"{idents}")
    sc.check("feature_disco_info", DISCO_INFO in feats, f"{feats}")
    sc.check("feature_ping", PING in feats, f"{feats}")
    sc.check("features_unique", len(feats) == len(set(feats)), "a feature is listed twice (XEP-0030 §3.1)")

    sc.step("version")
    t, x = await c.iq("get", ET.Element(f"{{{VERSION}}}query"), to=dom)
    if t == "result":
        vq = x.find(f"{{{VERSION}}}query")
        name = vq.findtext(f"{{{VERSION}}}name") if vq is not None else None
        ver = vq.findtext(f"{{{VERSION}}}version") if vq is not None else None
        sc.info["version"] = {"name": name, "version": ver, "os": vq.findtext(f"{{{VERSION}}}os") if vq is not None else None}
        sc.check("version_name_and_version", bool(name) and bool(ver), f"name={name!r} version={ver!r}")
        sc.check("version_feature_listed", VERSION in feats, "answers jabber:iq:version but disco#info does not list it")
    else:
        sc.info["version"] = f"{t}: {common.stanza_error(x) if x is not None else ''}"
        sc.check("version_error_is_proper", t == "error", f"{t}")
        sc.check("version_feature_not_listed", VERSION not in feats, "lists jabber:iq:version but does not answer it")

    sc.step("disco#items")
    t, x = await c.iq("get", ET.Element(f"{{{DISCO_ITEMS}}}query"), to=dom)
    sc.check("disco_items_result", t == "result" and x.find(f"{{{DISCO_ITEMS}}}query") is not None,
             f"{t} {common.stanza_error(x) if x is not None else ''}")
    if t == "result":
        sc.info["items"] = [(i.get("jid"), i.get("node"), i.get("name"))
                            for i in x.find(f"{{{DISCO_ITEMS}}}query").findall(f"{{{DISCO_ITEMS}}}item")]

    sc.step("unknown namespace")
    t, x = await c.iq("get", ET.Element("{urn:example:parley:unknown}query"), to=dom)
    cond = common.stanza_error(x) if x is not None else None
    sc.info["unknown_iq_error"] = cond
    sc.check("unknown_iq_error", t == "error" and cond in ("service-unavailable", "feature-not-implemented"),
             f"{t} {cond}")
    await c.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    common.run("ping_disco", p, body)
