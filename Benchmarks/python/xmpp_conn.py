"""A minimal raw XMPP client connection for the IM benchmark (scripts/bench-xmpp-im).

asyncio Protocol + xml.etree.ElementTree.XMLPullParser (expat) fed with the stream; each
complete top-level element (depth 2) is one stanza. SASL PLAIN without TLS, resource
binding, XEP-0198 counting (the inbound `h`, answering the server's `<r/>`). No TLS.
"""
import asyncio
import base64
import collections
import socket
import struct
import time
from xml.etree.ElementTree import XMLPullParser
from xml.sax.saxutils import escape, quoteattr

NS_STREAM = "http://etherx.jabber.org/streams"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_SM = "urn:xmpp:sm:3"
NS_CLIENT = "jabber:client"
FEATURES = f"{{{NS_STREAM}}}features"
STREAM_ERROR = f"{{{NS_STREAM}}}error"
SASL_SUCCESS = f"{{{NS_SASL}}}success"
SM_R, SM_A = f"{{{NS_SM}}}r", f"{{{NS_SM}}}a"
SM_ENABLED, SM_RESUMED = f"{{{NS_SM}}}enabled", f"{{{NS_SM}}}resumed"
COUNTED = {f"{{{NS_CLIENT}}}message", f"{{{NS_CLIENT}}}presence", f"{{{NS_CLIENT}}}iq"}


class XMPPError(Exception):
    """A login or protocol step that failed; str() is the reason for the report."""


def local(tag):
    return tag.rsplit("}", 1)[-1]


class Conn(asyncio.Protocol):
    """One client stream. Until `handler` is set, stanzas queue for `next()`."""

    def __init__(self, opts, user, resource):
        self.opts, self.user, self.resource = opts, user, resource
        self.jid = None
        self.transport = None
        self.closed = False
        self.stream_error = None
        self.inbox = collections.deque()
        self.waiter = None
        self.handler = None
        self.sm_counting = False   # XEP-0198: count inbound stanzas (from <enabled/> or
                                   # <resumed/> on), answer <r/>
        self.h_in = 0
        self.sm_advertised = False
        self.received = 0          # stanzas seen (all kinds), for the report
        self._out = []             # send_soon's queue
        self._new_parser()

    # --- asyncio.Protocol ----------------------------------------------------------------
    def _new_parser(self):
        self.parser = XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.root = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        try:
            self.parser.feed(data)
            events = self.parser.read_events()
            restart = False
            for event, el in events:
                if event == "start":
                    self.depth += 1
                    if self.depth == 1:
                        self.root = el
                    continue
                self.depth -= 1
                if self.depth == 1:
                    self.root.remove(el)
                    if el.tag == SASL_SUCCESS:
                        restart = True   # the server sends nothing more before our new header
                    self._stanza(el)
                elif self.depth == 0:
                    self._closed("stream closed by server")
            if restart:
                self._new_parser()
        except Exception as e:  # malformed XML from the server: record it and stop
            self._closed(f"parse error: {e}")
            if self.transport:
                self.transport.abort()

    def connection_lost(self, exc):
        self._closed(f"connection lost{': ' + str(exc) if exc else ''}")

    def _stanza(self, el):
        self.received += 1
        tag = el.tag
        if tag == STREAM_ERROR:
            self.stream_error = local(el[0].tag) if len(el) else "?"
        if tag == SM_ENABLED:
            self.sm_counting, self.h_in = True, 0   # stanzas before it are not counted
        elif tag == SM_RESUMED:
            self.sm_counting = True
        elif self.sm_counting:
            if tag in COUNTED:
                self.h_in += 1
            elif tag == SM_R:
                self.send(f"<a xmlns='{NS_SM}' h='{self.h_in}'/>")
                return
            elif tag == SM_A:
                return
        if self.handler is not None:
            self.handler(self, el)
            return
        self.inbox.append(el)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _closed(self, why):
        if not self.closed:
            self.closed = True
            self.close_reason = self.stream_error and f"stream error {self.stream_error}" or why
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    # --- client side ------------------------------------------------------------------
    def send(self, text):
        if not self.closed and self.transport is not None:
            self.transport.write(text.encode())

    def send_soon(self, text):
        """Queues text and writes everything queued once this loop iteration ends: one
        write for the messages a burst of arrivals lets out, not one per message."""
        if not self._out:
            asyncio.get_running_loop().call_soon(self._flush)
        self._out.append(text)

    def _flush(self):
        out, self._out = self._out, []
        self.send("".join(out))

    def header(self):
        self.send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  f"xmlns:stream='{NS_STREAM}' to={quoteattr(self.opts.domain)} version='1.0'>")

    async def next(self, timeout=None):
        """The next queued stanza; XMPPError when the stream ends or on timeout."""
        timeout = timeout or self.opts.step_timeout
        deadline = time.monotonic() + timeout
        while not self.inbox:
            if self.closed:
                raise XMPPError(self.close_reason)
            left = deadline - time.monotonic()
            if left <= 0:
                raise XMPPError(f"timeout ({timeout:g} s) waiting for the server")
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(self.waiter, left)
            except asyncio.TimeoutError:
                pass
        el = self.inbox.popleft()
        if el.tag == STREAM_ERROR:
            raise XMPPError(f"stream error {self.stream_error}")
        return el

    async def iq(self, body, iq_id, type_="set", to=None):
        """Sends an iq and returns its reply (other stanzas on the way are dropped)."""
        to_attr = f" to={quoteattr(to)}" if to else ""
        self.send(f"<iq type='{type_}' id='{iq_id}'{to_attr}>{body}</iq>")
        while True:
            el = await self.next()
            if local(el.tag) == "iq" and el.get("id") == iq_id:
                return el

    async def login(self):
        """Connects, PLAIN, restart; returns the post-auth features (sm_advertised set)."""
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.create_connection(lambda: self, self.opts.host, self.opts.port),
                                   self.opts.step_timeout)
        except (OSError, asyncio.TimeoutError) as e:
            raise XMPPError(f"connect: {e or 'timeout'}")
        self.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.header()
        el = await self.next()
        if el.tag != FEATURES:
            raise XMPPError(f"expected features, got {local(el.tag)}")
        cred = base64.b64encode(f"\0{self.user}\0{self.opts.password}".encode()).decode()
        self.send(f"<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{cred}</auth>")
        el = await self.next()
        if el.tag != SASL_SUCCESS:
            raise XMPPError(f"SASL {local(el.tag)} {' '.join(local(c.tag) for c in el)}".strip())
        self.header()
        features = await self.next()
        if features.tag != FEATURES:
            raise XMPPError(f"expected features after SASL, got {local(features.tag)}")
        self.sm_advertised = features.find(f"{{{NS_SM}}}sm") is not None
        return features

    async def bind(self):
        el = await self.iq(f"<bind xmlns='{NS_BIND}'><resource>{escape(self.resource)}</resource></bind>", "bind")
        if el.get("type") != "result":
            raise XMPPError("bind refused")
        j = el.find(f"{{{NS_BIND}}}bind/{{{NS_BIND}}}jid")
        self.jid = j.text if j is not None else f"{self.user}@{self.opts.domain}/{self.resource}"

    async def session(self, presence=True):
        """login + bind + initial presence."""
        await self.login()
        await self.bind()
        if presence:
            self.send("<presence/>")

    async def sm_enable(self, resume=True):
        """XEP-0198 <enable/>: returns (True, id) on <enabled/>, (False, reason) otherwise."""
        self.send(f"<enable xmlns='{NS_SM}'{' resume=' + quoteattr('true') if resume else ''}/>")
        while True:
            try:
                el = await self.next()
            except XMPPError as e:
                return False, str(e)
            name = local(el.tag)
            if name == "enabled" and el.tag.startswith(f"{{{NS_SM}}}"):
                if resume and el.get("resume") not in ("true", "1"):
                    return False, "enabled without resume"
                return True, el.get("id")
            if name == "failed":
                cond = " ".join(local(c.tag) for c in el)
                return False, f"<failed/>{' ' + cond if cond else ''}"
            if el.tag in COUNTED:
                continue   # a stanza that arrived first (counted in h if after enable)
            return False, f"unexpected <{name}/>"

    def abort(self, rst=True):
        """Drops the TCP connection without </stream:stream> (RST with SO_LINGER 0)."""
        if self.transport is None:
            return
        if rst:
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    def close(self):
        self.send("</stream:stream>")
        if self.transport is not None:
            self.transport.close()


# --- the server's /proc figures ----------------------------------------------------------
CLK_TCK = __import__("os").sysconf("SC_CLK_TCK")


def server_cpu_s(pid):
    """utime + stime of PID (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def server_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
