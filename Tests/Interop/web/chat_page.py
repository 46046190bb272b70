#!/usr/bin/env python3
"""The chat page (/chat) in a real browser: headless Chromium driven by selenium against a
running parleyd (xmpp-c2s with its HTTP listener at its defaults, muc, irc-server).

alice logs in on the page (SCRAM over the loopback WebSocket, `require-tls` on), adds bob
(a slixmpp client over STARTTLS) who approves and asks back; the page approves, shows bob
online with his hostile status as text; alice and bob exchange one-to-one messages (bob's
reply is hostile markup). dave (python `irc` library) is in #dev and speaks before alice
enters dev@conference.DOMAIN: the page shows that line as history, dave and carol (a
slixmpp occupant with a hostile nick) in the occupant list; alice's groupchat reaches both,
and both reach the page. No element is ever created from network text, nothing is fetched
from another origin, the page weighs under 100 KB over the wire, and the document carries
its security headers. Saves a phone-sized screenshot (--screenshot).

Prints one JSON line (see Tests/Interop/xmpp/common.py); exits 0 only when every check passed.
"""
import asyncio
import json
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "xmpp"))

import common  # noqa: E402
from irc_peer import IRCPeer  # noqa: E402
from muc import MUC  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

import xml.etree.ElementTree as ET  # noqa: E402

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_NICK = "<b>carol</b>"
WAIT = 15  # seconds for one thing to show up in the page


def browser(args):
    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    # Root in a container: no sandbox. No GPU, a phone-sized window, nothing of Google's.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=412,915", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-default-apps",
                 "--disable-extensions", "--lang=en-US"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=args.chromedriver))


class Page:
    """Blocking selenium steps, run off the event loop (asyncio.to_thread) so the slixmpp
    and IRC clients keep reading while the browser works."""

    def __init__(self, driver):
        self.d = driver

    def wait(self, predicate, timeout=WAIT):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(lambda d: predicate())
        except Exception:  # noqa: BLE001 - a timeout is a failed check, reported by the caller
            return None

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def fill(self, element_id, text):
        el = self.d.find_element(By.ID, element_id)
        el.clear()
        el.send_keys(text)

    def open_menu(self):
        """On a phone-sized window the contacts and rooms sit behind the menu button."""
        if not self.d.find_element(By.ID, "sidebar").is_displayed():
            self.d.find_element(By.ID, "menu-button").click()

    def click(self, css):
        self.d.find_element(By.CSS_SELECTOR, css).click()

    def submit(self, form_id):
        self.js("document.getElementById(arguments[0]).requestSubmit()", form_id)

    def text(self, css):
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null", css)

    def texts(self, css):
        return self.js("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", css)

    def log_bodies(self, css="#log .msg .body"):
        return self.texts(css)

    def injected(self):
        """Elements that only injected markup would create (the page makes none of these)."""
        return self.js("return document.querySelectorAll('img, script:not([src]), b, iframe, object').length")


async def run_in_page(fn, *a):
    return await asyncio.to_thread(fn, *a)


async def body(sc):
    a = sc.args
    base = f"http://127.0.0.1:{a.http_port}"
    room = f"dev@conference.{a.domain}"

    sc.step("start the browser")
    driver = await asyncio.to_thread(browser, a)
    sc.info["browser"] = driver.capabilities.get("browserVersion")
    # A phone's viewport (412 x 915 CSS pixels, a Pixel 7's): the window alone cannot be made
    # narrower than 500 pixels.
    await asyncio.to_thread(driver.execute_cdp_cmd, "Emulation.setDeviceMetricsOverride",
                            {"width": 412, "height": 915, "deviceScaleFactor": 1, "mobile": True})
    page = Page(driver)
    try:
        await scenario(sc, a, page, base, room)
    finally:
        await asyncio.to_thread(driver.quit)


async def scenario(sc, a, page, base, room):
    sc.step("bob and carol log in with slixmpp, dave with the irc library")
    bob = await sc.client("bob", a.bob_password, resource="desk").login_or_fail()
    bob.send_presence(pstatus="at my desk")
    carol = await sc.client("carol", a.carol_password, resource="tab", plugins=["xep_0045"]).login_or_fail()
    carol.send_presence()
    dave = IRCPeer()
    sc.require("irc_registered", await dave.connect(a.host, a.irc_port, "dave", a.dave_password) is not None)
    sc.require("irc_joined", await dave.join("#dev") is not None)
    dave.connection.privmsg("#dev", "said before alice came")
    await asyncio.sleep(0.3)

    sc.step("the page loads and alice logs in")
    await run_in_page(page.d.get, base + "/chat")
    sc.check("page_title", page.d.title == "Parley chat", page.d.title)
    await run_in_page(page.fill, "login-jid", f"alice@{a.domain}")
    await run_in_page(page.fill, "login-password", a.alice_password)
    await run_in_page(page.submit, "login-form")
    me = await run_in_page(page.wait, lambda: (page.text("#me") or "").startswith(f"alice@{a.domain}/"))
    sc.require("logged_in", me, await run_in_page(page.text, "#login-status"))
    mechanism = await run_in_page(page.js, "return document.body.dataset.mechanism")
    sc.info["mechanism"] = mechanism
    sc.check("scram_over_loopback_websocket", mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-1"), mechanism)

    sc.step("alice adds bob; bob approves and asks back; the page approves")
    since = bob.mark()
    await run_in_page(page.open_menu)
    await run_in_page(page.fill, "add-contact-jid", "bob")
    await run_in_page(page.submit, "add-contact-form")
    ask = await bob.wait_for("presence", lambda x: x.get("type") == "subscribe", since=since)
    sc.require("bob_asked", ask is not None)
    bob.send_presence(pto=f"alice@{a.domain}", ptype="subscribed")
    bob.send_presence(pto=f"alice@{a.domain}", ptype="subscribe")
    request = f'#requests li[data-jid="bob@{a.domain}"] .allow'
    shown = await run_in_page(page.wait, lambda: page.js("return !!document.querySelector(arguments[0])", request))
    sc.require("request_shown", shown)
    await run_in_page(page.click, request)
    contact = f'#contacts li[data-jid="bob@{a.domain}"]'
    online = await run_in_page(page.wait, lambda: page.js(
        "const e = document.querySelector(arguments[0]); return !!e && e.classList.contains('online')", contact))
    sc.check("contact_online", online, await run_in_page(page.text, contact))

    sc.step("bob's hostile status renders as text")
    bob.send_presence(pstatus=HOSTILE, pshow="away")
    status = await run_in_page(page.wait, lambda: HOSTILE in (page.text(contact + " .status") or ""))
    sc.check("hostile_status_as_text", status, await run_in_page(page.text, contact + " .status"))
    sc.check("contact_away", await run_in_page(page.js,
             "return document.querySelector(arguments[0]).classList.contains('away')", contact))

    sc.step("one-to-one: alice writes to bob, bob answers with markup")
    since = bob.mark()
    await run_in_page(page.open_menu)
    await run_in_page(page.click, contact + " button")
    await run_in_page(page.fill, "send-text", "hello bob & co")
    await run_in_page(page.submit, "send-form")
    got = await bob.wait_for("message", lambda x: x.findtext(f"{{{common.CLIENT_NS}}}body") == "hello bob & co", since=since)
    sc.check("bob_got_alices_message", got is not None and got.get("type") == "chat"
             and common.bare(got.get("from", "")) == f"alice@{a.domain}", got)
    bob.send_message(mto=f"alice@{a.domain}", mbody="hi alice " + HOSTILE, mtype="chat")
    reply = await run_in_page(page.wait, lambda: ("hi alice " + HOSTILE) in page.log_bodies())
    sc.check("bobs_reply_as_text", reply, await run_in_page(page.log_bodies))
    sc.check("no_element_from_chat", await run_in_page(page.injected) == 0)

    sc.step("alice joins #dev: history on entry, the IRC user in the occupants")
    await run_in_page(page.open_menu)
    await run_in_page(page.fill, "join-room", "dev")
    await run_in_page(page.submit, "join-form")
    joined = await run_in_page(page.wait, lambda: page.js(
        "const e = document.querySelector('#rooms li[data-jid=\"' + arguments[0] + '\"]'); return !!e && e.classList.contains('joined')", room))
    sc.require("room_joined", joined)
    history = await run_in_page(page.wait, lambda: "said before alice came" in page.log_bodies("#log .msg.history .body"))
    sc.check("history_on_entry", history, await run_in_page(page.log_bodies))
    dave_listed = await run_in_page(page.wait, lambda: "dave" in page.texts("#occupants .nick"))
    sc.check("irc_user_in_occupants", dave_listed, await run_in_page(page.texts, "#occupants .nick"))

    sc.step("carol enters with a hostile nick")
    since = carol.mark()
    p = carol.Presence()
    p["to"] = f"{room}/{HOSTILE_NICK}"
    ET.SubElement(p.xml, f"{{{MUC}}}x")
    p.send()
    entered = await carol.wait_for("presence", lambda x: x.get("from") == f"{room}/{HOSTILE_NICK}", since=since)
    sc.require("carol_entered", entered is not None and entered.get("type") != "error", entered)
    listed = await run_in_page(page.wait, lambda: HOSTILE_NICK in page.texts("#occupants .nick"))
    sc.check("hostile_nick_as_text", listed, await run_in_page(page.texts, "#occupants .nick"))

    sc.step("groupchat both ways")
    irc_since = len(dave.events)
    since = carol.mark()
    await run_in_page(page.fill, "send-text", "hello room")
    await run_in_page(page.submit, "send-form")
    heard = await dave.wait(lambda e: e.type == "pubmsg" and e.target == "#dev" and e.arguments == ["hello room"],
                            since=irc_since)
    sc.check("irc_user_got_groupchat", heard is not None and heard.source.nick == "alice", heard)
    got = await carol.wait_for("message", lambda x: x.get("type") == "groupchat"
                               and x.findtext(f"{{{common.CLIENT_NS}}}body") == "hello room", since=since)
    sc.check("occupant_got_groupchat", got is not None, got)
    echoed = await run_in_page(page.wait, lambda: "hello room" in page.log_bodies("#log .msg.mine .body"))
    sc.check("own_groupchat_echoed", echoed, await run_in_page(page.log_bodies))
    dave.connection.privmsg("#dev", "hi from irc")
    carol.send_message(mto=room, mbody="carol says " + HOSTILE, mtype="groupchat")
    both = await run_in_page(page.wait, lambda: {"hi from irc", "carol says " + HOSTILE} <= set(page.log_bodies()))
    sc.check("room_messages_shown", both, await run_in_page(page.log_bodies))
    froms = await run_in_page(page.texts, "#log .msg .from")
    sc.check("senders_shown", "dave" in froms and HOSTILE_NICK in froms, froms)
    sc.check("no_element_from_room", await run_in_page(page.injected) == 0)

    sc.step("the layout fits a phone")
    sc.check("no_horizontal_overflow", await run_in_page(
        page.js, "return document.documentElement.scrollWidth <= window.innerWidth"),
        await run_in_page(page.js, "return [document.documentElement.scrollWidth, window.innerWidth]"))

    sc.step("screenshot")
    if a.screenshot:
        os.makedirs(os.path.dirname(a.screenshot), exist_ok=True)
        await run_in_page(page.js, "document.getElementById('send-text').blur()")
        sc.check("screenshot_saved", await run_in_page(page.d.save_screenshot, a.screenshot))

    sc.step("someone not in the contacts writes: the conversation is listed")
    carol.send_message(mto=f"alice@{a.domain}", mbody="carol here, not a contact", mtype="chat")
    stranger = f'#contacts li.stranger[data-jid="carol@{a.domain}"]'
    listed = await run_in_page(page.wait, lambda: page.js("return !!document.querySelector(arguments[0])", stranger))
    sc.check("stranger_listed", listed)
    if listed:
        await run_in_page(page.open_menu)
        await run_in_page(page.click, stranger + " button")
        shown = await run_in_page(page.wait, lambda: "carol here, not a contact" in page.log_bodies())
        sc.check("stranger_message_shown", shown, await run_in_page(page.log_bodies))

    sc.step("alice leaves the room: the IRC user sees her part")
    await run_in_page(page.open_menu)
    await run_in_page(page.click, f'#rooms li[data-jid="{room}"] button')
    irc_since = len(dave.events)
    await run_in_page(page.click, "#leave")
    parted = await dave.wait(lambda e: e.type in ("part", "quit") and e.source.nick == "alice", since=irc_since)
    sc.check("left_room", parted is not None)
    gone = await run_in_page(page.wait, lambda: not page.js(
        "return !!document.querySelector('#rooms li[data-jid=\"' + arguments[0] + '\"]')", room))
    sc.check("room_forgotten", gone)

    sc.step("network: same origin only, page weight, security headers, console")
    check_network(sc, a, page, base)
    sc.step("HTTP: revalidation and HEAD")
    await asyncio.to_thread(check_http, sc, base)


def check_network(sc, a, page, base):
    origin = urlsplit(base)
    events = [json.loads(entry["message"])["message"] for entry in page.d.get_log("performance")]
    urls = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    sockets = [e["params"]["url"] for e in events if e["method"] == "Network.webSocketCreated"]
    foreign = [u for u in urls + sockets
               if not u.startswith("data:") and (urlsplit(u).hostname, urlsplit(u).port) != (origin.hostname, origin.port)]
    sc.info["requests"] = urls
    sc.check("requests_seen", any(u.endswith("/chat/chat.js") for u in urls) and sockets, urls + sockets)
    sc.check("no_other_origin", not foreign, foreign)
    # Bytes over the wire: Chromium's encodedDataLength of every HTTP response (headers too).
    sizes = {}
    ids = {e["params"]["requestId"]: e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"}
    for e in events:
        if e["method"] == "Network.loadingFinished" and e["params"]["requestId"] in ids:
            sizes[ids[e["params"]["requestId"]]] = e["params"]["encodedDataLength"]
    total = int(sum(sizes.values()))
    sc.info["page_bytes"] = total
    sc.info["page_sizes"] = sizes
    resource_total = page.js(
        "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".reduce((n, e) => n + e.transferSize, 0)")
    sc.info["performance_transfer_bytes"] = resource_total
    sc.check("page_under_100KB", 0 < total < 100_000 and resource_total < 100_000, (total, resource_total))
    documents = [e["params"]["response"] for e in events if e["method"] == "Network.responseReceived"
                 and e["params"]["response"]["url"].endswith("/chat")]
    headers = {k.lower(): v for k, v in (documents[0]["headers"] if documents else {}).items()}
    sc.check("csp_header", headers.get("content-security-policy", "").startswith("default-src 'self'"), headers)
    sc.check("nosniff_header", headers.get("x-content-type-options") == "nosniff", headers)
    sc.check("html_type", headers.get("content-type") == "text/html; charset=utf-8", headers)
    console = page.d.get_log("browser")
    bad = [c for c in console if c.get("level") == "SEVERE" or "Content Security Policy" in c.get("message", "")]
    sc.check("console_clean", not bad, bad)


def check_http(sc, base):
    """RFC 9110 §13.1.2: a cached copy is revalidated with its ETag (304, no body); §9.3.2:
    HEAD answers with GET's fields and no content."""
    with urllib.request.urlopen(base + "/chat/chat.js", timeout=5) as response:
        etag, length = response.headers["ETag"], len(response.read())
    request = urllib.request.Request(base + "/chat/chat.js", headers={"If-None-Match": etag})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status = response.status
    except urllib.error.HTTPError as error:  # urllib reports 304 as an error
        status, body = error.code, error.read()
    sc.check("revalidated_304", status == 304 and body == b"", status)
    head = urllib.request.Request(base + "/chat", method="HEAD")
    with urllib.request.urlopen(head, timeout=5) as response:
        sc.check("head", response.status == 200 and response.read() == b""
                 and response.headers["Content-Type"] == "text/html; charset=utf-8", dict(response.headers))
    sc.info["chat_js_bytes"] = length


def main():
    p = common.base_parser("the chat page in headless Chromium")
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--irc-port", type=int, required=True)
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    p.add_argument("--screenshot", default=None)
    for who in ("alice", "bob", "carol", "dave"):
        p.add_argument(f"--{who}-password", default=f"{who}pass")
    common.run("chat_page", p, body)


if __name__ == "__main__":
    main()
