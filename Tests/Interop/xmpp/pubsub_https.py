#!/usr/bin/env python3
"""pubsub's HTTP face over TLS (docs/pubsub.md, "HTTP face: TLS") against the real
`parleyd`: xmpp-c2s with STARTTLS and pubsub with `http-tls: true`, both on the domain's
certificate in storage/tls/ (given as --ca-file), without `http-allow-plain-auth`.

alice creates the open node `feed` over XMPP and bob subscribes. curl reads it over https
as JSON, trusting only --ca-file (the certificate xmpp-c2s offers), and with TLS 1.2 as
the highest version; plain HTTP on that port gets no answer. A POST with alice's password
over https publishes and bob's XMPP client gets the event; alice makes the node's token
over https and a POST with it publishes too. On --plain-port (another `parleyd` whose
pubsub face is plain HTTP, without http-allow-plain-auth) the same Basic and Bearer
POSTs are refused with 403.
"""
import json
import xml.etree.ElementTree as ET

import common
from pubsub_core import call, entry, event_item, event_title
from pubsub_http import basic, curl, open_feed, parser


async def body(sc):
    a = sc.args
    service = f"pubsub.{a.domain}"
    base = f"https://{a.domain}:{a.https_port}/pubsub"
    # Resolve the domain to loopback and trust only the domain's certificate.
    tls = ["--resolve", f"{a.domain}:{a.https_port}:127.0.0.1", "--cacert", a.ca_file]
    auth = ["-H", f"Authorization: {basic(a.alice_user, a.alice_password)}"]
    alice, bob = await open_feed(sc, "Feed")
    clients = [alice, bob]
    ps = alice.plugin["xep_0060"]

    sc.step("read over https")
    t, _ = await call(ps.publish(service, "feed", id="one", payload=entry("over xmpp")))
    sc.check("xmpp_published", t == "result")
    status, head, text = await curl(f"{base}/feed", *tls)
    doc = json.loads(text) if status == 200 else {}
    sc.check("https_json_read", status == 200 and "content-type: application/json" in head
             and [i["id"] for i in doc.get("items", [])] == ["one"], (status, text))
    status, _, _ = await curl(f"{base}/feed", *tls, "--tls-max", "1.2")
    sc.check("https_tls12_read", status == 200, status)
    status, _, _ = await curl(f"{base}/feed", "-k", "--tlsv1.3")
    sc.check("https_tls13_read", status == 200, status)
    status, _, _ = await curl(f"http://127.0.0.1:{a.https_port}/pubsub/feed")
    sc.check("plain_http_on_https_port_unanswered", status == 0, status)

    sc.step("publish over https with Basic auth")
    post = "<entry xmlns='http://www.w3.org/2005/Atom'><title>over https</title></entry>"
    mark = bob.mark()
    status, _, text = await curl(f"{base}/feed", *tls, *auth, data=post)
    item_id = text.strip()
    sc.check("https_basic_published", status == 201 and item_id != "", (status, text))
    got = await bob.wait_for("message", event_item("feed", item_id), since=mark)
    sc.check("bob_receives_https_item", event_title(got) == "over https", got is not None and ET.tostring(got))

    sc.step("a token over https")
    status, _, token = await curl(f"{base}/feed/token", "-X", "POST", *tls, *auth)
    token = token.strip()
    sc.check("https_token_issued", status == 201 and len(token) == 43, (status, token))
    by_token = "<entry xmlns='http://www.w3.org/2005/Atom'><title>by token</title></entry>"
    mark = bob.mark()
    status, _, text = await curl(f"{base}/feed", *tls, "-H", f"Authorization: Bearer {token}", data=by_token)
    sc.check("https_token_published", status == 201, (status, text))
    got = await bob.wait_for("message", event_item("feed", text.strip()), since=mark)
    sc.check("bob_receives_token_item", event_title(got) == "by token", got is not None and ET.tostring(got))

    sc.step("plain HTTP still refuses credentials")
    plain = f"http://127.0.0.1:{a.plain_port}/pubsub/feed"
    status, _, text = await curl(plain, *auth, data=post)
    sc.check("plain_basic_post_403", status == 403 and "plain HTTP" in text, (status, text))
    status, _, text = await curl(plain, "-H", f"Authorization: Bearer {token}", data=by_token)
    sc.check("plain_bearer_post_403", status == 403 and "plain HTTP" in text, (status, text))
    for c in clients:
        await c.logout()


if __name__ == "__main__":
    p = parser(__doc__)
    p.add_argument("--https-port", type=int, required=True)
    p.add_argument("--ca-file", required=True, help="the domain's certificate, trusted as the only root")
    p.add_argument("--plain-port", type=int, required=True, help="a pubsub face over plain HTTP")
    common.run("pubsub_https", p, body)
