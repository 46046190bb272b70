#!/usr/bin/env python3
"""Web-status interop scenario: a slixmpp client against an XMPP server that hosts the
web-status component (XEP-0030 disco, XEP-0077 registration with a XEP-0004 form, presence
subscription, HTTP status page): parleyd's xmpp-c2s with web-status in process, or any server
(Prosody) with `parleyd web-status --connect` as its external component.

Steps and checks:
  * alice logs in (plaintext allowed for the test), requests her roster, sends presence;
  * disco#items on the server domain: whether it lists the component (info `component_listed`;
    a check with --expect-listed);
  * disco#info on the component: identity category='component' type='presence', features
    disco#info and jabber:iq:register;
  * register get: a form (type='form') with FORM_TYPE jabber:iq:register (hidden) and the
    boolean fields show_status_msg and show_full_jid, no <registered/>;
  * register set: the form submitted with show_status_msg=1, show_full_jid=0 -> result;
  * the component asks to see alice's presence (presence type='subscribe' from the component's
    domain) and alice approves (type='subscribed');
  * a headline from the component gives the page URL; a second register get shows
    <registered/>, show_status_msg=1 and the same URL in <instructions/>; the URL's id is not
    the bare JID in base64;
  * alice sets show=away, status 'in a meeting'; an HTTP GET (urllib) of the page shows
    'Away' and 'in a meeting', the .json form {"availability": "away", "status": ...} without
    "jid"; a random id is 404;
  * with --pause: prints {"ready": true, "url": URL} and waits for a line on stdin (the
    harness checks the page itself meanwhile);
  * <remove/> -> result; the component stops following alice (presence type='unsubscribe'); the page is 404;
  a second <remove/> is registration-required.
Info: url, identities, features, items.
"""
import asyncio
import base64
import json
import os
import re
import secrets
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "xmpp"))
import common  # noqa: E402
from common import is_presence  # noqa: E402

DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
REGISTER = "jabber:iq:register"
DATA = "jabber:x:data"
URL_PATTERN = re.compile(r"https?://[^\s()]+/status/[A-Za-z0-9_-]+")


def http_get(url, timeout=5.0):
    """(status, body) of a GET; 404 and other HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def form_fields(query):
    """{var: (type, [values])} of the data form in a register <query/>, or None."""
    x = query.find(f"{{{DATA}}}x") if query is not None else None
    if x is None:
        return None, None
    fields = {}
    for f in x.findall(f"{{{DATA}}}field"):
        fields[f.get("var")] = (f.get("type"), [v.text or "" for v in f.findall(f"{{{DATA}}}value")])
    return x.get("type"), fields


def submission(values):
    q = ET.Element(f"{{{REGISTER}}}query")
    x = ET.SubElement(q, f"{{{DATA}}}x", {"type": "submit"})
    ft = ET.SubElement(x, f"{{{DATA}}}field", {"var": "FORM_TYPE", "type": "hidden"})
    ET.SubElement(ft, f"{{{DATA}}}value").text = REGISTER
    for var, value in values.items():
        f = ET.SubElement(x, f"{{{DATA}}}field", {"var": var, "type": "boolean"})
        ET.SubElement(f, f"{{{DATA}}}value").text = value
    return q


async def body(sc):
    a = sc.args
    comp = a.component or f"status.{a.domain}"
    loop = asyncio.get_running_loop()

    sc.step("login")
    c = await sc.client(a.user, a.password, resource="webstatus").login_or_fail("login")
    await c.roster_get()
    c.presence()
    await c.barrier()

    sc.step("disco#items on the server")
    t, x = await c.iq("get", ET.Element(f"{{{DISCO_ITEMS}}}query"), to=a.domain)
    items = [] if x is None or t != "result" else [
        i.get("jid") for i in x.find(f"{{{DISCO_ITEMS}}}query").findall(f"{{{DISCO_ITEMS}}}item")]
    sc.info["items"] = items
    sc.info["component_listed"] = comp in items
    if a.expect_listed:
        sc.check("component_listed", comp in items, f"{items}")

    sc.step("disco#info on the component")
    t, x = await c.iq("get", ET.Element(f"{{{DISCO_INFO}}}query"), to=comp)
    sc.require("disco_info_result", t == "result", f"{t} {common.stanza_error(x) if x is not None else ''}")
    q = x.find(f"{{{DISCO_INFO}}}query")
    idents = [(i.get("category"), i.get("type"), i.get("name")) for i in q.findall(f"{{{DISCO_INFO}}}identity")]
    feats = [f.get("var") for f in q.findall(f"{{{DISCO_INFO}}}feature")]
    sc.info["identities"], sc.info["features"] = idents, feats
    sc.check("identity_component_presence", any(i[0] == "component" and i[1] == "presence" for i in idents), f"{idents}")
    sc.check("feature_disco_info", DISCO_INFO in feats, f"{feats}")
    sc.check("feature_register", REGISTER in feats, f"{feats}")
    sc.check("disco_from_component", x.get("from") == comp, f"from={x.get('from')}")

    sc.step("registration form")
    t, x = await c.iq("get", ET.Element(f"{{{REGISTER}}}query"), to=comp)
    sc.require("register_get_result", t == "result", f"{t} {common.stanza_error(x) if x is not None else ''}")
    q = x.find(f"{{{REGISTER}}}query")
    ftype, fields = form_fields(q)
    sc.require("form_present", fields is not None, "no jabber:x:data form in the registration query")
    sc.check("form_type_form", ftype == "form", f"type={ftype}")
    sc.check("form_type_field", fields.get("FORM_TYPE") == ("hidden", [REGISTER]), f"{fields.get('FORM_TYPE')}")
    for var in ("show_status_msg", "show_full_jid"):
        sc.check(f"field_{var}_boolean", fields.get(var, (None,))[0] == "boolean", f"{fields.get(var)}")
    sc.check("not_registered_yet", q.find(f"{{{REGISTER}}}registered") is None, "<registered/> before registering")
    sc.check("instructions_present", bool((q.findtext(f"{{{REGISTER}}}instructions") or "").strip()), "no instructions")

    sc.step("submit the form")
    mark = c.mark()
    t, x = await c.iq("set", submission({"show_status_msg": "1", "show_full_jid": "0"}), to=comp)
    sc.require("register_set_result", t == "result", f"{t} {common.stanza_error(x) if x is not None else ''}")

    sc.step("the component asks for alice's presence")
    sub = await c.wait_for("presence", is_presence("subscribe", frm=comp), since=mark)
    sc.require("component_subscribes", sub is not None, "no presence type=subscribe from the component")
    c.presence("subscribed", to=comp)

    sc.step("the page address")
    headline = await c.wait_for(
        "message", lambda m: m.get("from") == comp and m.get("type") == "headline"
        and URL_PATTERN.search(common.message_body(m) or ""), since=mark)
    sc.require("headline_with_url", headline is not None, "no headline with the page URL from the component")
    url = URL_PATTERN.search(common.message_body(headline)).group(0)
    sc.info["url"] = url
    page_id = url.rsplit("/", 1)[1]
    bare_b64 = base64.b64encode(c.bare_jid.encode()).decode()
    sc.check("id_not_jid", page_id not in (bare_b64, bare_b64.rstrip("="), base64.urlsafe_b64encode(
        c.bare_jid.encode()).decode().rstrip("=")) and a.user not in page_id, page_id)

    t, x = await c.iq("get", ET.Element(f"{{{REGISTER}}}query"), to=comp)
    q = x.find(f"{{{REGISTER}}}query") if t == "result" else None
    sc.check("reregistration_registered", q is not None and q.find(f"{{{REGISTER}}}registered") is not None,
             "no <registered/> on the second get")
    _, fields = form_fields(q)
    sc.check("reregistration_current_values", fields is not None and fields.get("show_status_msg", (0, []))[1] == ["1"]
             and fields.get("show_full_jid", (0, []))[1] == ["0"], f"{fields}")
    sc.check("reregistration_url", q is not None and url in (q.findtext(f"{{{REGISTER}}}instructions") or ""),
             q.findtext(f"{{{REGISTER}}}instructions") if q is not None else None)

    sc.step("presence away")
    c.presence(show="away", status="in a meeting")
    await c.barrier()
    deadline = loop.time() + common.STEP_TIMEOUT
    status, page = None, ""
    while loop.time() < deadline:
        status, page = await loop.run_in_executor(None, http_get, url)
        if status == 200 and "Away" in page and "in a meeting" in page:
            break
        await asyncio.sleep(0.1)
    sc.check("page_shows_away", status == 200 and "Away" in page and "in a meeting" in page, f"{status} {page[-300:]}")
    status, doc = await loop.run_in_executor(None, http_get, url + ".json")
    try:
        obj = json.loads(doc) if status == 200 else None
    except ValueError:
        obj = None
    sc.check("json_shows_away", obj == {"availability": "away", "status": "in a meeting"}, f"{status} {doc}")
    unknown = url.rsplit("/", 1)[0] + "/" + secrets.token_hex(16)
    status, _ = await loop.run_in_executor(None, http_get, unknown)
    sc.check("unknown_id_404", status == 404, f"{status}")

    if a.pause:
        sc.step("paused for the harness")
        print(json.dumps({"ready": True, "url": url}), flush=True)
        line = await loop.run_in_executor(None, sys.stdin.readline)
        sc.check("resumed", line != "", "stdin closed before the harness said go")

    sc.step("remove the registration")
    mark = c.mark()
    q = ET.Element(f"{{{REGISTER}}}query")
    ET.SubElement(q, f"{{{REGISTER}}}remove")
    t, x = await c.iq("set", q, to=comp)
    sc.require("remove_result", t == "result", f"{t} {common.stanza_error(x) if x is not None else ''}")
    # RFC 6121 §3.3: the component stops following alice; her server tells her.
    gone = await c.wait_for("presence", is_presence("unsubscribe", frm=comp), since=mark)
    sc.check("component_unsubscribed", gone is not None, "no presence type=unsubscribe from the component")
    status, _ = await loop.run_in_executor(None, http_get, url)
    sc.check("removed_page_404", status == 404, f"{status}")
    t, x = await c.iq("set", q, to=comp)
    sc.check("remove_again_registration_required", t == "error" and common.stanza_error(x) == "registration-required",
             f"{t} {common.stanza_error(x) if x is not None else ''}")
    await c.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    p.add_argument("--component", default=None, help="the component's domain (default status.DOMAIN)")
    p.add_argument("--expect-listed", action="store_true", help="require the server's disco#items to list the component")
    p.add_argument("--pause", action="store_true", help="print a ready line and wait for a stdin line before removing")
    common.run("webstatus_register", p, body)
