"""What the federation scenarios share: two servers instead of one.

The single-server helpers of ../common.py (Scenario, Client, run, the predicates and the
subscription flow) are reused as they are; a client here belongs to server A or server B,
each with its own host, c2s port, domain and c2s TLS choice. federate.sh passes them in the
environment (FED_A_HOST, FED_A_PORT, FED_A_DOMAIN, FED_A_TLS, and the same for B), which are
the defaults of the arguments below, so a scenario also runs by hand against any two servers
that federate.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import common  # noqa: E402  (../common.py)

S2S_TIMEOUT = 30.0  # seconds for a first stanza that needs a new s2s connection (DNS, TLS, auth)


def parser(description):
    p = argparse.ArgumentParser(description=description)
    env = os.environ.get
    for side, host, domain in (("a", "127.0.0.2", "a.test"), ("b", "127.0.0.3", "b.test")):
        S = side.upper()
        p.add_argument(f"--{side}-host", default=env(f"FED_{S}_HOST", host), help=f"server {S}'s c2s address")
        p.add_argument(f"--{side}-port", type=int, default=int(env(f"FED_{S}_PORT", "5222")))
        p.add_argument(f"--{side}-domain", default=env(f"FED_{S}_DOMAIN", domain))
        p.add_argument(f"--{side}-tls", choices=["starttls", "none"], default=env(f"FED_{S}_TLS", "starttls"),
                       help="c2s: STARTTLS (certificate not checked) or a plaintext stream")
    p.add_argument("--mechanism", default=None, help="force this c2s SASL mechanism")
    p.add_argument("--s2s-timeout", type=float, default=S2S_TIMEOUT,
                   help="wait this long for a stanza that opens a new s2s connection")
    p.add_argument("--timeout", type=float, default=90.0, help="hard overall timeout in seconds")
    p.add_argument("--verbose", action="store_true", help="slixmpp debug log (XML trace) on stderr")
    return p


class _Side:
    """What common.Client reads from a scenario (args.host/port/domain/tls/mechanism, check,
    require), with one server's values; everything else is the real scenario's."""

    def __init__(self, sc, side):
        self._sc = sc
        a = sc.args
        self.args = argparse.Namespace(**vars(a))
        self.args.host = getattr(a, f"{side}_host")
        self.args.port = getattr(a, f"{side}_port")
        self.args.domain = getattr(a, f"{side}_domain")
        self.args.tls = getattr(a, f"{side}_tls")

    def __getattr__(self, name):
        return getattr(self._sc, name)


def client(sc, side, user, password, resource=None, **kw):
    """A common.Client of server `side` ("a" or "b"), torn down with the scenario."""
    c = common.Client(_Side(sc, side), user, password, resource=resource, **kw)
    sc.clients.append(c)
    return c


def run(name, p, body):
    common.run(name, p, body)
