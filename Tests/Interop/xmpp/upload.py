#!/usr/bin/env python3
"""HTTP File Upload (XEP-0363, urn:xmpp:http:upload:0) with a plain HTTP client (Python's
http.client). The upload service is asked at the server's own JID, where parleyd serves it;
Prosody 0.12's mod_http_file_share is a component of its own, so this runs against parleyd.

The server must announce a max-file-size of at least --file-size and a quota of less than
3 × --file-size (parleyd: --http-port 0 --upload-max-file-size 65536 --upload-quota 8192
with the default --file-size 3000).
  * upload_advertised: the server's disco#info lists urn:xmpp:http:upload:0 with an XEP-0128
    form whose max-file-size is a number (§3).
  * slot_granted: <request filename size content-type/> → <slot><put url/><get url/></slot>
    (§4), http(s) URLs.
  * put_created: an HTTP PUT of exactly `size` bytes with that Content-Type → 201 (§6).
  * get_same_bytes: a GET of the get URL returns the same bytes, the Content-Type given, and
    X-Content-Type-Options: nosniff.
  * second_put_refused: another PUT to the same URL → 4xx, the file unchanged.
  * wrong_length_refused: a PUT whose body is not `size` bytes → 4xx, and a GET → 404.
  * too_large_refused: a request one byte over max-file-size → not-acceptable with
    <file-too-large><max-file-size/></file-too-large> (§5.1).
  * path_in_name_refused: filename '../escape.txt' and 'a/b.txt' → bad-request; nothing is
    written outside the upload folder.
  * quota_refused: slots are granted until the quota is used, then resource-constraint
    (§5.2 quota reached).
"""
import asyncio
import http.client
import os
import ssl
import urllib.parse
import xml.etree.ElementTree as ET

import common

NS = "urn:xmpp:http:upload:0"
DATA_NS = "jabber:x:data"


def request_element(name, size, content_type="application/octet-stream"):
    return ET.Element(f"{{{NS}}}request", {"filename": name, "size": str(size), "content-type": content_type})


def http_request(method, url, body=None, headers=None):
    """(status, headers dict lower-cased, body bytes) of one request."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=10, context=ssl._create_unverified_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


async def call(method, url, body=None, headers=None):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: http_request(method, url, body, headers))


async def slot(c, name, size, content_type="application/octet-stream"):
    t, x = await c.iq("get", request_element(name, size, content_type))
    if t != "result":
        return t, x, None, None
    put = x.find(f".//{{{NS}}}put")
    get = x.find(f".//{{{NS}}}get")
    return t, x, put.get("url") if put is not None else None, get.get("url") if get is not None else None


async def body(sc):
    a = sc.args
    n = common.nonce()
    c = await sc.client(a.user, a.password, resource="upload").login_or_fail("login")
    t, x = await c.iq("get", ET.Element("{http://jabber.org/protocol/disco#info}query"), to=a.domain)
    feats = [f.get("var") for f in x.iter("{http://jabber.org/protocol/disco#info}feature")] if x is not None else []
    max_size = None
    for form in (x.iter(f"{{{DATA_NS}}}x") if x is not None else []):
        values = {f.get("var"): (f.findtext(f"{{{DATA_NS}}}value")) for f in form.iter(f"{{{DATA_NS}}}field")}
        if values.get("FORM_TYPE") == NS and (values.get("max-file-size") or "").isdigit():
            max_size = int(values["max-file-size"])
    sc.check("upload_advertised", NS in feats and max_size is not None, f"features {feats}, max-file-size {max_size}")
    data = os.urandom(a.file_size)
    t, x, put, get = await slot(c, f"photo {n}.png", len(data), "image/png")
    sc.check("slot_granted", t == "result" and bool(put) and bool(get) and put.startswith("http"), f"{t}: put {put} get {get}")
    if put and get:
        status, _, _ = await call("PUT", put, data, {"Content-Type": "image/png", "Content-Length": str(len(data))})
        sc.check("put_created", status == 201, f"PUT → {status}")
        status, headers, fetched = await call("GET", get)
        sc.check("get_same_bytes", status == 200 and fetched == data and headers.get("content-type") == "image/png"
                 and headers.get("x-content-type-options") == "nosniff",
                 f"GET → {status}, {len(fetched)} bytes, type {headers.get('content-type')}")
        status, _, _ = await call("PUT", put, b"x" * len(data), {"Content-Type": "image/png", "Content-Length": str(len(data))})
        _, _, again = await call("GET", get)
        sc.check("second_put_refused", 400 <= status < 500 and again == data, f"second PUT → {status}")
    t, x, put, get = await slot(c, f"short {n}.bin", 100)
    if put:
        status, _, _ = await call("PUT", put, b"y" * 60, {"Content-Length": "60", "Content-Type": "application/octet-stream"})
        gone, _, _ = await call("GET", get)
        sc.check("wrong_length_refused", 400 <= status < 500 and gone == 404, f"PUT of 60 for 100 → {status}; GET → {gone}")
    if max_size is not None:
        t, x = await c.iq("get", request_element(f"big {n}.bin", max_size + 1))
        too_large = x.find(f".//{{{NS}}}file-too-large") if x is not None else None
        sc.check("too_large_refused", t == "error" and common.stanza_error(x) == "not-acceptable" and too_large is not None
                 and too_large.findtext(f"{{{NS}}}max-file-size") == str(max_size),
                 f"{t} {common.stanza_error(x) if x is not None else ''}: {common.serialize(x)[:300] if x is not None else ''}")
    outcomes = []
    for name in ("../escape.txt", "a/b.txt"):
        t, x = await c.iq("get", request_element(name, 10))
        outcomes.append((t, common.stanza_error(x) if x is not None else None))
    sc.check("path_in_name_refused", all(o == ("error", "bad-request") for o in outcomes), f"{outcomes}")
    granted, refusal = 0, None
    for i in range(8):
        t, x, _, _ = await slot(c, f"fill {n} {i}.bin", a.file_size)
        if t == "result":
            granted += 1
        else:
            refusal = common.stanza_error(x)
            break
    sc.check("quota_refused", refusal == "resource-constraint" and granted < 8, f"{granted} slots, then {refusal}")
    await c.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    p.add_argument("--file-size", type=int, default=3000)
    common.run("upload", p, body)
