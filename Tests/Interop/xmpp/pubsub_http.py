#!/usr/bin/env python3
"""pubsub's HTTP face (docs/pubsub.md, "HTTP face") read and written with curl while
slixmpp clients use the same nodes over XMPP, against the real `parleyd` (xmpp-c2s,
pubsub and web-status sharing one HTTP port; pubsub with http-allow-plain-auth).

alice creates the open node `feed` and bob subscribes over XMPP; `curl -N` follows
/pubsub/feed/events. alice publishes an item whose payload holds hostile text over
XMPP: the stream receives the event, /pubsub/feed gives it as JSON and /pubsub/feed.atom
as an Atom entry with the payload as escaped text (no markup from it in the feed). A
POST with alice's password publishes: bob's XMPP client gets the event, and so does the
stream. alice makes the node's token, a POST with it publishes, a wrong or revoked one
gets 401, and bob may not make one (403). A bad password gets 401 with a Basic challenge, bob (no publisher) 403, an
unknown node 404, a path trick 404, a payload past the limit 413, a body with a DTD or
not XML 400. A whitelist node refuses an anonymous reader (401) and a stranger (403) and
serves its owner. A retraction and the node's deletion reach the stream, which then ends.
"""
import asyncio
import base64
import json
import xml.etree.ElementTree as ET

import common
from pubsub_core import ATOM, call, config, entry, errors, event_item, event_title

HOSTILE = "<script>alert(1)</script> & ]]> \"quotes\""


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def curl(url, *options, data=None):
    """(status, headers text, body) of one request with curl."""
    args = ["curl", "-s", "-D", "-", "-o", "-", "--max-time", "10", *options]
    if data is not None:
        args += ["--data-binary", "@-", "-H", "Content-Type: application/xml"]
    args.append(url)
    proc = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate(data.encode() if data is not None else None)
    text = out.decode("utf-8", "replace")
    head, _, body = text.partition("\r\n\r\n")
    status = int(head.split(" ", 2)[1]) if head.startswith("HTTP/") else 0
    return status, head.lower(), body


class EventStream:
    """`curl -N` on a node's event stream; its events as (name, data object)."""

    def __init__(self, url):
        self.url = url
        self.events = []
        self.opened = asyncio.Event()
        self.new = asyncio.Event()
        self.ended = asyncio.Event()

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            "curl", "-s", "-N", "--max-time", "30", self.url, stdout=asyncio.subprocess.PIPE)
        self.task = asyncio.ensure_future(self._read())
        await asyncio.wait_for(self.opened.wait(), common.STEP_TIMEOUT)

    async def _read(self):
        name = None
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                break
            line = line.decode().rstrip("\n")
            if line.startswith(": following"):
                self.opened.set()
            elif line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                self.events.append((name, json.loads(line[len("data: "):])))
                self.new.set()
        self.ended.set()
        self.new.set()

    async def wait(self, pred, start):
        return await common.wait_until(self.events, start, pred, self.new)

    def stop(self):
        if self.proc.returncode is None:
            self.proc.kill()


def parser(description):
    """The scenario arguments with alice's and bob's accounts."""
    p = common.base_parser(description)
    for who in ("alice", "bob"):
        common.add_user_args(p, who, who, f"{who}pw")
    return p


async def open_feed(sc, title):
    """alice and bob logged in with xep_0060; alice creates the open node `feed` titled
    `title` and bob subscribes. (alice, bob)."""
    a = sc.args
    service = f"pubsub.{a.domain}"
    sc.step("login")
    clients = []
    for who, resource in (("alice", "desk"), ("bob", "phone")):
        c = await sc.client(getattr(a, f"{who}_user"), getattr(a, f"{who}_password"), resource=resource,
                            plugins=["xep_0030", "xep_0004", "xep_0060"]).login_or_fail()
        c.presence()
        await c.barrier()
        clients.append(c)
    alice, bob = clients
    sc.step("an open node and a subscriber")
    t, xml = await call(alice.plugin["xep_0060"].create_node(
        service, "feed", config=config(alice, [("pubsub#title", title)])))
    sc.require("create_feed", t == "result", xml is not None and errors(xml))
    t, _ = await call(bob.plugin["xep_0060"].subscribe(service, "feed"))
    sc.require("bob_subscribed", t == "result")
    return alice, bob


async def body(sc):
    a = sc.args
    service = f"pubsub.{a.domain}"
    base = f"http://127.0.0.1:{a.http_port}/pubsub"
    alice, bob = await open_feed(sc, "Feed <&>")
    clients = [alice, bob]
    ps = alice.plugin["xep_0060"]

    sc.step("a stream")
    stream = EventStream(f"{base}/feed/events")
    await stream.start()
    sc.check("stream_opened", stream.opened.is_set())

    sc.step("publish over XMPP, read over HTTP")
    mark, seen = bob.mark(), len(stream.events)
    t, xml = await call(ps.publish(service, "feed", id="one", payload=entry(HOSTILE)))
    sc.check("xmpp_published", t == "result", xml is not None and errors(xml))
    got = await bob.wait_for("message", event_item("feed", "one"), since=mark)
    sc.check("bob_receives_xmpp_item", event_title(got) == HOSTILE)
    event = await stream.wait(lambda e: e[0] == "publish", seen)
    sc.check("stream_publish_event", event is not None and event[1]["node"] == "feed"
             and event[1]["item"]["id"] == "one" and event[1]["item"]["publisher"] == f"{a.alice_user}@{a.domain}"
             and "&lt;script&gt;" in (event[1]["item"]["payload"] or ""), event)

    status, head, text = await curl(f"{base}/feed")
    doc = json.loads(text) if status == 200 else {}
    items = doc.get("items", [])
    sc.check("json_read", status == 200 and "content-type: application/json" in head and doc.get("node") == "feed"
             and len(items) == 1 and items[0]["id"] == "one" and items[0]["published"].endswith("Z"), (status, text))
    payload = ET.fromstring(items[0]["payload"]) if items else None
    sc.check("json_payload_is_the_xml", payload is not None and payload.findtext(f"{{{ATOM}}}title") == HOSTILE)

    status, head, text = await curl(f"{base}/feed.atom")
    feed = ET.fromstring(text.encode()) if status == 200 else None
    entries = feed.findall(f"{{{ATOM}}}entry") if feed is not None else []
    content = entries[0].find(f"{{{ATOM}}}content") if entries else None
    sc.check("atom_read", status == 200 and "application/atom+xml" in head and len(entries) == 1
             and feed.findtext(f"{{{ATOM}}}title") == "Feed <&>"
             and entries[0].findtext(f"{{{ATOM}}}author/{{{ATOM}}}name") == f"{a.alice_user}@{a.domain}", (status, text))
    sc.check("atom_payload_escaped_text", content is not None and content.get("type") == "text" and len(content) == 0
             and ET.fromstring(content.text).findtext(f"{{{ATOM}}}title") == HOSTILE
             and "<script" not in text, text)

    sc.step("publish over HTTP")
    post = "<entry xmlns='http://www.w3.org/2005/Atom'><title>from curl</title></entry>"
    mark, seen = bob.mark(), len(stream.events)
    status, head, text = await curl(f"{base}/feed", "-H", f"Authorization: {basic(a.alice_user, a.alice_password)}",
                                    data=post)
    item_id = text.strip()
    sc.check("http_published", status == 201 and item_id != "", (status, text))
    got = await bob.wait_for("message", event_item("feed", item_id), since=mark)
    sc.check("bob_receives_http_item", event_title(got) == "from curl", got is not None and ET.tostring(got))
    event = await stream.wait(lambda e: e[0] == "publish" and e[1]["item"]["id"] == item_id, seen)
    sc.check("stream_gets_http_item", event is not None)

    sc.step("a per-node token")
    auth = ["-H", f"Authorization: {basic(a.alice_user, a.alice_password)}"]
    status, _, token = await curl(f"{base}/feed/token", "-X", "POST", *auth)
    token = token.strip()
    sc.check("token_issued", status == 201 and len(token) == 43, (status, token))
    status, _, _ = await curl(f"{base}/feed/token", "-X", "POST",
                              "-H", f"Authorization: {basic(a.bob_user, a.bob_password)}")
    sc.check("token_owner_only_403", status == 403, status)
    by_token = "<entry xmlns='http://www.w3.org/2005/Atom'><title>by token</title></entry>"
    mark = bob.mark()
    status, _, text = await curl(f"{base}/feed", "-H", f"Authorization: Bearer {token}", data=by_token)
    sc.check("token_published", status == 201, (status, text))
    got = await bob.wait_for("message", event_item("feed", text.strip()), since=mark)
    sc.check("bob_receives_token_item", event_title(got) == "by token", got is not None and ET.tostring(got))
    status, _, _ = await curl(f"{base}/feed", "-H", "Authorization: Bearer not-the-token", data=by_token)
    sc.check("wrong_token_401", status == 401, status)
    status, _, _ = await curl(f"{base}/feed/token", "-X", "DELETE", *auth)
    sc.check("token_revoked_204", status == 204, status)
    status, _, _ = await curl(f"{base}/feed", "-H", f"Authorization: Bearer {token}", data=by_token)
    sc.check("revoked_token_401", status == 401, status)

    sc.step("refusals")
    status, head, _ = await curl(f"{base}/feed", "-H", f"Authorization: {basic(a.alice_user, 'wrong')}", data=post)
    sc.check("bad_password_401", status == 401 and 'www-authenticate: basic realm=' in head, (status, head))
    status, _, _ = await curl(f"{base}/feed", data=post)
    sc.check("anonymous_post_401", status == 401, status)
    status, _, text = await curl(f"{base}/feed", "-H", f"Authorization: {basic(a.bob_user, a.bob_password)}", data=post)
    sc.check("not_a_publisher_403", status == 403, (status, text))
    status, _, _ = await curl(f"{base}/nothing", *auth, data=post)
    sc.check("unknown_node_404", status == 404, status)
    status, _, _ = await curl(f"{base}/nothing")
    sc.check("unknown_node_read_404", status == 404, status)
    status, _, _ = await curl(f"{base}/..%2Ffeed", "--path-as-is")
    sc.check("path_trick_404", status == 404, status)
    status, _, _ = await curl(f"{base}/feed", *auth, data="<x>" + "a" * 70_000 + "</x>")
    sc.check("too_large_413", status == 413, status)
    dtd = "<!DOCTYPE x [<!ENTITY e 'boom'>]><x>&e;</x>"
    status, _, _ = await curl(f"{base}/feed", *auth, data=dtd)
    sc.check("dtd_400", status == 400, status)
    status, _, _ = await curl(f"{base}/feed", *auth, data="not xml")
    sc.check("not_xml_400", status == 400, status)

    sc.step("a whitelist node")
    t, _ = await call(ps.create_node(service, "closed", config=config(alice, [("pubsub#access_model", "whitelist")])))
    sc.require("create_closed", t == "result")
    status, head, _ = await curl(f"{base}/closed")
    sc.check("closed_anonymous_401", status == 401 and "www-authenticate" in head, status)
    status, _, _ = await curl(f"{base}/closed", "-H", f"Authorization: {basic(a.bob_user, a.bob_password)}")
    sc.check("closed_stranger_403", status == 403, status)
    status, _, text = await curl(f"{base}/closed", *auth)
    sc.check("closed_owner_200", status == 200 and json.loads(text)["items"] == [], (status, text))
    status, _, _ = await curl(f"{base}/closed/events")
    sc.check("closed_stream_anonymous_401", status == 401, status)

    sc.step("retract and delete reach the stream")
    seen = len(stream.events)
    t, _ = await call(ps.retract(service, "feed", "one"))
    sc.check("retracted", t == "result")
    event = await stream.wait(lambda e: e[0] == "retract", seen)
    sc.check("stream_retract_event", event is not None and event[1]["ids"] == ["one"], event)
    seen = len(stream.events)
    t, _ = await call(ps.delete_node(service, "feed"))
    sc.check("deleted", t == "result")
    event = await stream.wait(lambda e: e[0] == "delete", seen)
    sc.check("stream_delete_event", event is not None and event[1] == {"node": "feed"}, event)
    try:
        await asyncio.wait_for(stream.ended.wait(), common.STEP_TIMEOUT)
    except asyncio.TimeoutError:
        pass
    sc.check("stream_ends_after_delete", stream.ended.is_set())
    stream.stop()
    for c in clients:
        await c.logout()


if __name__ == "__main__":
    p = parser(__doc__)
    p.add_argument("--http-port", type=int, required=True)
    common.run("pubsub_http", p, body)
