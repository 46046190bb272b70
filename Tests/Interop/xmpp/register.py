#!/usr/bin/env python3
"""Scenario h: in-band registration (XEP-0077): create, log in, change password, remove.

1. A new account (--new-user, default a fresh random name) is registered before
   authentication on a fresh stream (after STARTTLS with --tls starttls): the registration
   form must offer username and password; the submission must succeed; the same stream then
   logs in with SASL and binds. Whether the server advertised the iq-register stream feature
   is reported (info.register_feature_advertised; XEP-0077 says SHOULD) but not checked: the
   registration IQ is sent either way.
2. Registering the same name again is refused with <conflict/>.
3. Logged in, the password is changed (jabber:iq:register set with username+password).
   Login with the old password fails; login with the new one succeeds.
4. Logged in, the account is removed (<remove/>): a result comes back (or the server
   closes the stream right after, which is reported). Login afterwards fails.
"""
import asyncio
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.stanza import StreamFeatures

import common

REG_NS = "jabber:iq:register"


class RegClient(common.Client):
    """Registers its own JID/password before SASL, on the stream it then logs in with."""

    def __init__(self, sc, user, password, resource):
        super().__init__(sc, user, password, resource=resource, plugins=["xep_0077"])
        # Replace xep_0077's feature handler with one that reports failures and stops.
        self.unregister_feature("register", self.plugin["xep_0077"].order)
        self.register_feature("register", self._register_feature, restart=True, order=50)
        self.add_filter("in", self._force_register_feature)
        self.reg_advertised = None
        self.reg_fields = None
        self.reg_outcome = asyncio.get_event_loop().create_future()

    def _force_register_feature(self, stanza):
        if isinstance(stanza, StreamFeatures) and "mechanisms" not in self.features and \
                ("starttls" in self.features or self.sc.args.tls == "none") and self.reg_advertised is None:
            present = stanza.xml.find("{http://jabber.org/features/iq-register}register") is not None
            self.reg_advertised = present
            if not present:
                stanza.enable("register")
        return stanza

    def _set_outcome(self, v):
        if not self.reg_outcome.done():
            self.reg_outcome.set_result(v)

    async def _register_feature(self, features):
        if "mechanisms" in self.features or self.reg_outcome.done():
            return False
        iq = self.Iq()
        iq["type"] = "get"
        iq["to"] = self.sc.args.domain
        iq.enable("register")
        try:
            form = await iq.send(timeout=common.STEP_TIMEOUT)
        except slixmpp.exceptions.IqError as e:
            self._set_outcome(f"form error: {common.stanza_error(e.iq.xml)}")
            self.hard_close()
            return True
        except slixmpp.exceptions.IqTimeout:
            self._set_outcome("form timeout")
            self.hard_close()
            return True
        q = form.xml.find(f"{{{REG_NS}}}query")
        self.reg_fields = [ch.tag.split("}", 1)[1] for ch in q] if q is not None else []
        iq = self.Iq()
        iq["type"] = "set"
        iq["to"] = self.sc.args.domain
        iq["register"]["username"] = self.requested_jid.user
        iq["register"]["password"] = self.password
        try:
            await iq.send(timeout=common.STEP_TIMEOUT)
        except slixmpp.exceptions.IqError as e:
            self._set_outcome(f"error: {common.stanza_error(e.iq.xml)}")
            self.hard_close()
            return True
        except slixmpp.exceptions.IqTimeout:
            self._set_outcome("timeout")
            self.hard_close()
            return True
        self._set_outcome("ok")
        return False  # go on with SASL on this stream


async def register_iq(c, payload_children):
    q = ET.Element(f"{{{REG_NS}}}query")
    for tag, text in payload_children:
        ET.SubElement(q, f"{{{REG_NS}}}{tag}").text = text
    return await c.iq("set", q, to=c.sc.args.domain)


async def body(sc):
    a = sc.args
    user = a.new_user or f"reg{common.nonce()}"
    pw1, pw2 = a.new_password, a.new_password + "-changed"
    sc.info["user"] = user

    sc.step("register a new account, then log in on that stream")
    rc = RegClient(sc, user, pw1, "reg-1")
    sc.clients.append(rc)
    outcome = await rc.login()
    reg = rc.reg_outcome.result() if rc.reg_outcome.done() else "registration not attempted"
    sc.info["register_feature_advertised"] = rc.reg_advertised
    sc.info["registration_form_fields"] = rc.reg_fields
    sc.require("register_ok", reg == "ok", reg)
    sc.check("form_has_username_password", rc.reg_fields is not None and
             {"username", "password"} <= set(rc.reg_fields), f"fields {rc.reg_fields}")
    sc.require("login_after_register", outcome == "ok", outcome)
    sc.check("bound_as_new_user", rc.bare_jid == f"{user}@{a.domain}", rc.full_jid)

    sc.step("register the same name again")
    dup = RegClient(sc, user, "another-password", "reg-dup")
    sc.clients.append(dup)
    dup_login = asyncio.ensure_future(dup.login(timeout=common.STEP_TIMEOUT))
    try:
        dup_reg = await asyncio.wait_for(asyncio.shield(dup.reg_outcome), common.STEP_TIMEOUT)
    except asyncio.TimeoutError:
        dup_reg = "no answer"
    dup_login.cancel()
    dup.hard_close()
    sc.info["duplicate_registration"] = dup_reg
    sc.check("duplicate_refused_conflict", dup_reg == "error: conflict", dup_reg)

    sc.step("change password")
    t, x = await register_iq(rc, [("username", user), ("password", pw2)])
    sc.check("password_change_result", t == "result", f"{t} {common.stanza_error(x) if x is not None else ''}")
    await rc.logout()
    old = sc.client(user, pw1, resource="reg-old")
    o = await old.login()
    sc.check("old_password_refused", o == "auth_failed", o)
    new = sc.client(user, pw2, resource="reg-new")
    o = await new.login()
    sc.require("new_password_accepted", o == "ok", o)

    sc.step("remove the account")
    closed = asyncio.get_running_loop().create_future()
    new.add_event_handler("disconnected", lambda e: closed.done() or closed.set_result(True))
    t, x = await register_iq(new, [("remove", None)])
    sc.info["remove_reply"] = t
    sc.check("remove_result", t == "result", f"{t} {common.stanza_error(x) if x is not None else ''}")
    try:
        await asyncio.wait_for(asyncio.shield(closed), 2.0)
        sc.info["stream_closed_after_remove"] = True
    except asyncio.TimeoutError:
        sc.info["stream_closed_after_remove"] = False
        await new.logout()
    gone = sc.client(user, pw2, resource="reg-gone")
    o = await gone.login()
    sc.check("login_after_removal_fails", o == "auth_failed", o)


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--new-user", default=None, help="local part to register (default: reg<random>)")
    p.add_argument("--new-password", default="regpass-1")
    common.run("register", p, body)
