"""What the Twisted / tx-xmpp scenarios share (tx_muc_client.py, pubsub_txxmpp.py): checks
counted into one JSON line, a client made the way a Wokkel bot makes one (an XMPPClient
service with a subprotocol handler, `Ready` once logged in), waiting for a condition, and running a scenario on the
reactor under a hard timeout.

Each scenario prints {"ok": …, "checks": {…}, "failed": […]} (and "info" when it has any)
on stdout, each failed check on stderr, and exits 0 only when every check passed.
"""
import argparse
import json
import sys

from twisted.internet import defer, reactor, ssl
from twisted.internet.task import deferLater
from twisted.words.protocols.jabber import jid, xmlstream
from tx_xmpp.client import XMPPClient

checks = {}
info = {}


def check(name, ok, detail=None):
    checks[name] = bool(ok)
    if not ok:
        print(f"FAILED {name}: {detail}", file=sys.stderr, flush=True)


class Ready:
    """Mixed in before a tx-xmpp subprotocol handler (`class R(Ready, MUCClient)`): `ready` is a
    Deferred that fires with the handler once its stream is initialized (logged in, bound)."""

    @property
    def ready(self):
        if "_ready" not in self.__dict__:
            self._ready = defer.Deferred()
        return self._ready

    def connectionInitialized(self):
        super().connectionInitialized()
        if not self.ready.called:
            self.ready.callback(self)


def client(args, user, password, handler, resource="tx"):
    """Starts an XMPPClient for user@domain/resource with `handler` attached; returns the
    client service (stopService() ends it)."""
    c = XMPPClient(jid.JID(f"{user}@{args.domain}/{resource}"), password, host=args.host, port=args.port)
    authenticator = c.factory.authenticator
    associate = authenticator.associateWithStream

    def associate_without_verification(xs):
        # COMPAT: Twisted's XMPP client verifies the server's certificate when it starts
        # TLS; the test server's is self-signed, so TLS is used without verification.
        associate(xs)
        for initializer in xs.initializers:
            if isinstance(initializer, xmlstream.TLSInitiatingInitializer):
                initializer._configurationForTLS = ssl.CertificateOptions()

    authenticator.associateWithStream = associate_without_verification
    handler.setHandlerParent(c)
    c.startService()
    return c


async def until(predicate, timeout=10.0):
    waited = 0.0
    while not predicate() and waited < timeout:
        await deferLater(reactor, 0.05, lambda: None)
        waited += 0.05
    return predicate()


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--domain", default="localhost")
    p.add_argument("--timeout", type=float, default=30)
    return p


def run(scenario, args):
    """Runs `await scenario(args)` on the reactor, at most --timeout seconds; reports and exits."""
    def done(result):
        if isinstance(result, Exception) or hasattr(result, "getTraceback"):
            print(result.getTraceback() if hasattr(result, "getTraceback") else result, file=sys.stderr)
            checks["completed"] = False
        if reactor.running:
            reactor.stop()

    d = defer.ensureDeferred(scenario(args))
    d.addBoth(done)
    reactor.callLater(args.timeout, lambda: (checks.__setitem__("completed", False), reactor.stop()))
    reactor.run()
    failed = [name for name, ok in checks.items() if not ok]
    result = {"ok": bool(checks) and not failed, "checks": checks, "failed": failed}
    if info:
        result["info"] = info
    print(json.dumps(result, default=str))
    sys.exit(0 if not failed and checks else 1)
