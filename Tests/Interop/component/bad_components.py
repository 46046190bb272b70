#!/usr/bin/env python3
"""Interop (d): components that a router must refuse, over plain sockets (XEP-0114 needs
no library: a stream header, a SHA-1 handshake, stanzas).

  * wrong_secret:  the right domain, a wrong secret          -> <not-authorized/>
  * taken_domain:  a domain another component holds, right secret -> <conflict/>
  * spoofed_from:  a valid component sends from a user's JID  -> <invalid-from/>
  * unknown_domain: a domain with no secret configured        -> <host-unknown/>

Each must end with that stream error and the connection closed. Prints one JSON line
like the other scenarios: {"scenario", "ok", "checks", "failed", "info", "error"};
exit 0 only when every check passed.

    bad_components.py --port 5347 --taken echo.localhost --taken-secret pass \
        --free web.localhost --free-secret w3b --user-jid alice@localhost
"""
import argparse
import hashlib
import json
import socket
import sys
import time
import xml.etree.ElementTree as ET

STREAMS = "http://etherx.jabber.org/streams"
STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams"
COMPONENT = "jabber:component:accept"


class Closed(Exception):
    pass


class RawComponent:
    """One XEP-0114 connection: writes text, reads the server's stream incrementally."""

    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.header = None
        self.queue = []
        self.ended = False

    def send(self, text):
        self.sock.sendall(text.encode())

    def _pump(self):
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.parser.feed(data)
        for event, el in self.parser.read_events():
            if event == "start":
                if self.depth == 0:
                    self.header = dict(el.attrib)
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth == 1:
                    self.queue.append(el)
                elif self.depth == 0:
                    self.ended = True

    def open(self, domain):
        self.send(f"<stream:stream xmlns='{COMPONENT}' xmlns:stream='{STREAMS}' to='{domain}'>")
        while self.header is None:
            self._pump()
        return self.header

    def next_element(self):
        while not self.queue:
            self._pump()
        return self.queue.pop(0)

    def handshake(self, secret):
        digest = hashlib.sha1((self.header.get("id", "") + secret).encode()).hexdigest()
        self.send(f"<handshake>{digest}</handshake>")
        return self.next_element()

    def closes(self):
        """True when the stream ends and the server closes the connection."""
        try:
            while True:
                self._pump()
        except Closed:
            return True
        except OSError:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def stream_error(el):
    """The condition of a <stream:error/>, or None for anything else."""
    if el is None or el.tag != f"{{{STREAMS}}}error":
        return None
    for child in el:
        if child.tag.startswith(f"{{{STREAM_ERRORS}}}") and not child.tag.endswith("}text"):
            return child.tag.split("}", 1)[1]
    return "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--taken", required=True, help="a domain another component is connected as")
    p.add_argument("--taken-secret", required=True)
    p.add_argument("--free", required=True, help="a configured domain nobody is connected as")
    p.add_argument("--free-secret", required=True)
    p.add_argument("--user-jid", default="alice@localhost", help="a user's JID to spoof")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per read")
    a = p.parse_args()
    checks, info, error = {}, {}, None
    started = time.monotonic()

    def refused(name, domain, action, want):
        c = RawComponent(a.host, a.port, a.timeout)
        try:
            header = c.open(domain)
            info[f"{name}_header_from"] = header.get("from")
            el = action(c)
            got = stream_error(el)
            info[f"{name}_got"] = got if got else (ET.tostring(el, encoding="unicode") if el is not None else None)
            checks[f"{name}_{want}"] = got == want
            checks[f"{name}_closed"] = c.closes()
        finally:
            c.close()

    try:
        refused("wrong_secret", a.taken, lambda c: c.handshake(a.taken_secret + "-wrong"), "not-authorized")
        refused("taken_domain", a.taken, lambda c: c.handshake(a.taken_secret), "conflict")

        def spoof(c):
            answer = c.handshake(a.free_secret)
            checks["spoofed_from_handshake_ok"] = answer.tag == f"{{{COMPONENT}}}handshake"
            c.send(f"<message from='{a.user_jid}' to='{a.user_jid}' type='chat'><body>forged</body></message>")
            return c.next_element()

        refused("spoofed_from", a.free, spoof, "invalid-from")
        refused("unknown_domain", "nobody." + a.free, lambda c: c.next_element(), "host-unknown")
    except Exception as e:  # noqa: BLE001 - any crash is a failed scenario
        error = f"{type(e).__name__}: {e}"

    info["elapsed_s"] = round(time.monotonic() - started, 2)
    ok = error is None and bool(checks) and all(checks.values())
    failed = [k for k, v in checks.items() if not v]
    print(json.dumps({"scenario": "bad_components", "ok": ok, "checks": checks, "failed": failed,
                      "info": info, "error": error}), flush=True)
    for k in failed:
        print(f"bad_components: FAIL {k} ({info})", file=sys.stderr)
    if error:
        print(f"bad_components: ERROR {error}", file=sys.stderr)
        sys.exit(2)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
