#!/usr/bin/env python3
"""External service discovery (XEP-0215, urn:xmpp:extdisco:2) with TURN REST credentials.

The server is started with `--external-services turn:turn.example.org:3478:udp,stun:stun.example.org:3478`
and `--turn-secret SECRET` (the same secret is given to this script); alice logs in.
  * extdisco_advertised: the server's disco#info lists urn:xmpp:extdisco:2 (§4).
  * services_listed: <services/> returns both services with type, host, port (and the TURN
    service's transport) (§3.1).
  * turn_credentials: the TURN service carries username, password, expires and restricted='1';
    the username is "<expiry seconds>:<alice's bare JID>", the expiry is in the future and
    matches `expires`, and the password is base64(HMAC-SHA1(secret, username)), computed here
    (the TURN REST scheme coturn's use-auth-secret checks); the STUN service carries none.
  * type_filter: <services type='stun'/> returns only the STUN service (§3.1).
  * credentials_request: <credentials><service host='turn.example.org' type='turn'/></credentials>
    returns that service with credentials (§3.3); an unknown host is item-not-found.
"""
import base64
import hashlib
import hmac
import time
import xml.etree.ElementTree as ET

import common

NS = "urn:xmpp:extdisco:2"


def services_of(x):
    return [s for s in x.iter(f"{{{NS}}}service")] if x is not None else []


def check_turn(sc, service, secret, bare):
    user, password = service.get("username") or "", service.get("password") or ""
    expiry, _, account = user.partition(":")
    expected = base64.b64encode(hmac.new(secret.encode(), user.encode(), hashlib.sha1).digest()).decode()
    try:
        stamp = common.parse_stamp(service.get("expires") or "")
    except ValueError:
        stamp = None
    ok = (account == bare and expiry.isdigit() and int(expiry) > time.time() and password == expected
          and service.get("restricted") in ("1", "true") and stamp is not None and abs(stamp.timestamp() - int(expiry)) < 1)
    return ok, f"username {user!r}, expires {service.get('expires')}, password matches: {password == expected}"


async def body(sc):
    a = sc.args
    c = await sc.client(a.user, a.password, resource="extdisco").login_or_fail("login")
    t, feats = await c.disco_features(a.domain)
    sc.check("extdisco_advertised", NS in feats, f"disco#info {t}: {sorted(feats)}")
    t, x = await c.iq("get", ET.Element(f"{{{NS}}}services"))
    found = {s.get("type"): s for s in services_of(x)}
    turn, stun = found.get("turn"), found.get("stun")
    sc.check("services_listed", t == "result" and turn is not None and stun is not None
             and turn.get("host") == "turn.example.org" and turn.get("port") == "3478" and turn.get("transport") == "udp"
             and stun.get("host") == "stun.example.org" and stun.get("port") == "3478",
             f"{t}: {[common.serialize(s) for s in services_of(x)]}")
    if turn is not None and stun is not None:
        ok, detail = check_turn(sc, turn, a.turn_secret, c.bare_jid)
        sc.check("turn_credentials", ok and stun.get("password") is None, detail)
    t, x = await c.iq("get", ET.Element(f"{{{NS}}}services", {"type": "stun"}))
    sc.check("type_filter", t == "result" and [s.get("type") for s in services_of(x)] == ["stun"], f"{t}: {len(services_of(x))}")
    request = ET.Element(f"{{{NS}}}credentials")
    ET.SubElement(request, f"{{{NS}}}service", {"host": "turn.example.org", "type": "turn"})
    t, x = await c.iq("get", request)
    one = services_of(x)
    ok = t == "result" and len(one) == 1 and check_turn(sc, one[0], a.turn_secret, c.bare_jid)[0]
    unknown = ET.Element(f"{{{NS}}}credentials")
    ET.SubElement(unknown, f"{{{NS}}}service", {"host": "nowhere.example.org", "type": "turn"})
    t2, x2 = await c.iq("get", unknown)
    sc.check("credentials_request", ok and t2 == "error" and common.stanza_error(x2) == "item-not-found",
             f"{t}: {len(one)} service(s); unknown host: {t2} {common.stanza_error(x2) if x2 is not None else ''}")
    await c.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    p.add_argument("--turn-secret", required=True)
    common.run("external_services", p, body)
