#!/usr/bin/env python3
"""Scenario a: log in (STARTTLS or plaintext, forced SASL mechanism), bind a resource.

Checks: the session starts; the mechanism used is the one asked for and the server offered it;
the stream is encrypted exactly when --tls starttls or direct (XEP-0368); the bound JID is user@domain/<non-empty>;
a wrong password is refused with SASL <not-authorized/> (skip with --no-bad-password).
Info: offered mechanisms, mechanism used, TLS version, bound JID, whether the requested
resource was kept (RFC 6120 lets the server override it, so that is not a check).
"""
import common


async def body(sc):
    a = sc.args
    want_mech = a.mechanism
    sc.step("login")
    c = sc.client(a.user, a.password, resource=a.resource)
    outcome = await c.login()
    sc.info["offered_mechanisms"] = c.offered_mechanisms
    sc.info["stream_features"] = c.features_seen
    sc.require("session_established", outcome == "ok",
               f"{outcome}" + (f" (SASL failures: {c.auth_failures})" if c.auth_failures else ""))

    sc.info["mechanism_used"] = c.mechanism_used
    sc.info["encrypted"] = c.encrypted
    sc.info["tls_version"] = c.tls_version
    sc.info["bound_jid"] = c.full_jid
    sc.info["requested_resource"] = a.resource
    sc.info["resource_kept"] = common.resource_of(c.full_jid) == a.resource
    if want_mech:
        sc.check("mechanism_offered", want_mech in c.offered_mechanisms,
                 f"{want_mech} not in {c.offered_mechanisms}")
        sc.check("mechanism_used", c.mechanism_used == want_mech, f"used {c.mechanism_used}")
    sc.check("encryption_as_requested", c.encrypted == (a.tls in ("starttls", "direct")),
             f"encrypted={c.encrypted} with --tls {a.tls}")
    sc.check("bound_bare_jid", c.bare_jid == f"{a.user}@{a.domain}", f"bound {c.full_jid}")
    sc.check("bound_resource_nonempty", common.resource_of(c.full_jid) != "", f"bound {c.full_jid}")
    # The bound session answers an IQ (roster get is mandatory for IM servers, RFC 6121).
    sc.step("roster get after bind")
    t, _ = await c.iq("get", common.ET.Element(f"{{{common.ROSTER_NS}}}query"))
    sc.check("iq_after_bind", t == "result", f"roster get returned {t}")
    await c.logout()

    if not a.no_bad_password:
        sc.step("login with a wrong password")
        bad = sc.client(a.user, a.password + "-wrong", resource="bad")
        outcome = await bad.login()
        sc.info["bad_password_outcome"] = outcome
        sc.info["bad_password_sasl_conditions"] = bad.auth_failures
        sc.check("bad_password_rejected", outcome == "auth_failed", f"outcome {outcome}")
        sc.check("bad_password_not_authorized", "not-authorized" in bad.auth_failures,
                 f"SASL failure conditions {bad.auth_failures}")
        bad.hard_close()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    p.add_argument("--resource", default="interop-login")
    p.add_argument("--no-bad-password", action="store_true", help="skip the wrong-password login")
    common.run("login", p, body)
