#!/usr/bin/env python3
"""federate.sh's epilogue: reads the scenario's JSON line on stdin, adds what the servers'
logs show (info.harness) and the harness's own checks (`harness_*`), prints the line again
and exits with the scenario's code, or 1 when only a harness check failed.

From each Prosody's debug log: the s2s connections completed (`Outgoing s2s connection
a.test->b.test complete`), how each was authenticated (XEP-0178 SASL EXTERNAL:
`SASL EXTERNAL with X succeeded` when sending, `Accepting SASL EXTERNAL identity from X`
when receiving; XEP-0220 dialback: `sent dialback key on outgoing s2s stream` when sending,
`asking X if key … belongs to them` when receiving) and the TLS of each stream. From dnsmasq's
query log (--srv): the SRV and address queries it answered.

With --b-kind ejabberd, B's log is ejabberd 23.01's (`Accepted inbound s2s dialback
authentication a.test -> b.test`, `Accepted outbound s2s EXTERNAL authentication …`, the
`(tls|<pid>)` socket of each; see ejabberd_log) and the same keys are filled from it.

Checks (they read B's log, Prosody's or ejabberd's: B sees both directions):
  harness_s2s_auth_external / harness_s2s_auth_dialback: B authenticated A's streams with the
    mode's mechanism, and never with the other one;
  harness_s2s_tls: every s2s stream B logged was encrypted (at least one, none plaintext);
  harness_srv_used (--srv): dnsmasq was asked for _xmpp-server._tcp.b.test and B (listening
    on the SRV record's port only) received an s2s connection.
"""
import argparse
import json
import os
import re
import sys

p = argparse.ArgumentParser()
p.add_argument("--dir", required=True)
p.add_argument("--mode", required=True)
p.add_argument("--srv", default="0")
p.add_argument("--a-kind", default="prosody")
p.add_argument("--b-kind", default="prosody")
p.add_argument("--log-level", default="debug")
p.add_argument("--rc", type=int, required=True)
args = p.parse_args()

raw = sys.stdin.read()
result = None
for line in reversed(raw.splitlines()):
    line = line.strip()
    if line.startswith("{"):
        try:
            result = json.loads(line)
            break
        except ValueError:
            pass
if result is None:
    result = {"scenario": "unknown", "ok": False, "checks": {}, "failed": [], "info": {},
              "error": f"the scenario printed no JSON line (exit {args.rc}); stdout: {raw[-500:]!r}"}
    args.rc = 2  # also when the harness's --hard-timeout killed it (timeout's 124/137)


def read(name):
    path = os.path.join(args.dir, name)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def prosody_log(text):
    out = {
        "connections": sorted(set(m.group(1).lower() + " " + m.group(2)
                                  for m in re.finditer(r"(Incoming|Outgoing) s2s connection (\S+->\S+) complete", text))),
        "external_sent_to": sorted(set(re.findall(r"SASL EXTERNAL with (\S+) succeeded", text))),
        "external_accepted_from": sorted(set(re.findall(r"Accepting SASL EXTERNAL identity from (\S+)", text))),
        "external_failed": sorted(set(re.findall(r"SASL EXTERNAL with (\S+) failed", text))),
        "dialback_keys_sent": len(re.findall(r"sent dialback key on outgoing s2s stream", text)),
        "dialback_verified_for": sorted(set(re.findall(r"asking (\S+) if key \S+ belongs to them", text))),
        "s2s_targets": sorted(set(re.findall(r"Next target to try is (\S+)", text))),
        "tls": sorted(set(v for _, v in re.findall(r"\b(s2s(?:in|out)[0-9a-f]+)\s+\w+\s+Stream encrypted \(([^)]*)\)", text))),
    }
    # s2s sessions are named s2sinXXXX / s2soutXXXX in the log: which of them were encrypted.
    # A session that never received or sent anything is the harness's own port probe.
    s2s_ids = set(re.findall(r"\b(s2s(?:in|out)[0-9a-f]+)\s+\w+\s+(?:Received\[|Sending\[|sent dialback|Stream encrypted)", text))
    enc_ids = set(re.findall(r"\b(s2s(?:in|out)[0-9a-f]+)\s+\w+\s+Stream encrypted", text))
    out["s2s_streams"] = len(s2s_ids)
    out["s2s_streams_encrypted"] = len(enc_ids & s2s_ids)
    if out["external_accepted_from"] or out["external_sent_to"]:
        mech = "SASL EXTERNAL"
        if out["dialback_verified_for"] or out["dialback_keys_sent"]:
            mech = "mixed: SASL EXTERNAL and dialback"
    elif out["dialback_verified_for"] or out["dialback_keys_sent"]:
        mech = "dialback"
    else:
        mech = "none seen"
    out["mechanism"] = mech
    return out


def ejabberd_log(text):
    """The same summary from ejabberd 23.01's log (--b ejabberd). Every s2s authentication is
    one line, `(tls|<0.514.0>) Accepted inbound s2s dialback authentication a.test -> b.test
    (127.0.0.1)` (or `Accepted outbound …`, `Failed inbound/outbound … : REASON`), from
    ejabberd_s2s_in/ejabberd_s2s_out at info level; the socket (`tls|` or `tcp|`) says whether
    the stream was encrypted. ejabberd does not log the TLS version or cipher. At debug level it
    also logs each stream's XML (`Send XML on stream` / `Received XML on stream`)."""
    acc = re.findall(r"\((tls|tcp)\|(<[\d.]+>)\) Accepted (inbound|outbound) s2s (\S+) authentication (\S+) -> (\S+)", text)
    fail = re.findall(r"\((tls|tcp)\|(<[\d.]+>)\) Failed (inbound|outbound) s2s (\S+) authentication (\S+) -> (\S+) \([^)]*\): (.*)", text)
    out = {
        "connections": sorted(set(("incoming " if d == "inbound" else "outgoing ") + f"{f}->{t}"
                                  for _, _, d, _, f, t in acc)),
        "external_sent_to": sorted(set(t for _, _, d, m, f, t in acc if d == "outbound" and m == "EXTERNAL")),
        "external_accepted_from": sorted(set(f for _, _, d, m, f, t in acc if d == "inbound" and m == "EXTERNAL")),
        "external_failed": sorted(set(f"{d} {f}->{t}: {why.strip()}" for _, _, d, m, f, t, why in fail if m == "EXTERNAL")),
        "dialback_failed": sorted(set(f"{d} {f}->{t}: {why.strip()}" for _, _, d, m, f, t, why in fail if m == "dialback")),
        "dialback_sent_to": sorted(set(t for _, _, d, m, f, t in acc if d == "outbound" and m == "dialback")),
        "dialback_verified_for": sorted(set(f for _, _, d, m, f, t in acc if d == "inbound" and m == "dialback")),
        "s2s_targets": sorted(set(re.findall(r"Outbound s2s connection started: (\S+ -> \S+)", text))),
    }
    # The streams that authenticated (or tried to) and which of them ran over TLS.
    streams = {pid: sock for sock, pid, *_ in acc + fail}
    out["s2s_streams"] = len(streams)
    out["s2s_streams_encrypted"] = sum(1 for sock in streams.values() if sock == "tls")
    accepted_ext = out["external_sent_to"] or out["external_accepted_from"]
    accepted_db = out["dialback_sent_to"] or out["dialback_verified_for"]
    if accepted_ext and accepted_db:
        mech = "mixed: SASL EXTERNAL and dialback"
    elif accepted_ext:
        mech = "SASL EXTERNAL"
    elif accepted_db:
        mech = "dialback"
    else:
        mech = "none seen"
    out["mechanism"] = mech
    # For the checks: "dialback keys sent" means outgoing streams authenticated by dialback.
    out["dialback_keys_sent"] = len(out["dialback_sent_to"])
    return out


harness = {"mode": args.mode, "srv": args.srv == "1", "a": args.a_kind, "b": args.b_kind, "log_level": args.log_level}
checks = {}
details = {}
b = (ejabberd_log if args.b_kind == "ejabberd" else prosody_log)(read("b.log"))
harness["b_log"] = b
if args.a_kind == "prosody":
    harness["a_log"] = prosody_log(read("a.log"))
harness["s2s_auth"] = {k: v["mechanism"] for k, v in (("a", harness.get("a_log")), ("b", b)) if v}

if args.log_level != "debug" and args.b_kind != "ejabberd":
    harness["auth_and_tls_checks"] = "skipped: they read Prosody's debug log"
elif args.b_kind == "ejabberd" and args.log_level in ("warn", "error"):
    harness["auth_and_tls_checks"] = "skipped: they read ejabberd's info lines"
elif args.mode == "external":
    # (with ejabberd B also: every stream B authenticated, both directions, was SASL EXTERNAL)
    ok = bool(b["external_accepted_from"]) and not b["dialback_verified_for"] and not b["dialback_keys_sent"]
    checks["harness_s2s_auth_external"] = ok
    if not ok:
        details["harness_s2s_auth_external"] = f"B's log: {b['mechanism']}"
else:
    # COMPAT (ejabberd 23.01): ejabberd offers SASL EXTERNAL on every encrypted stream and tries
    # it on its own outgoing ones, so its log has failed EXTERNAL attempts in dialback mode
    # (b_log.external_failed); only an EXTERNAL that was accepted fails this check.
    ok = bool(b["dialback_verified_for"]) and not b["external_accepted_from"] and not b["external_sent_to"]
    checks["harness_s2s_auth_dialback"] = ok
    if not ok:
        details["harness_s2s_auth_dialback"] = f"B's log: {b['mechanism']}"
if args.log_level == "debug" or (args.b_kind == "ejabberd" and args.log_level == "info"):
    ok = b["s2s_streams"] > 0 and b["s2s_streams_encrypted"] == b["s2s_streams"]
    checks["harness_s2s_tls"] = ok
    if not ok:
        details["harness_s2s_tls"] = f"{b['s2s_streams_encrypted']} of {b['s2s_streams']} s2s streams encrypted"

if args.srv == "1":
    dns = read("dnsmasq.log")
    queries = re.findall(r"query\[(\w+)\] (\S+) from", dns)
    harness["dns_queries"] = sorted(set(f"{t} {n}" for t, n in queries))
    asked = ("SRV", "_xmpp-server._tcp.b.test") in queries
    incoming = any(c.startswith("incoming ") for c in b["connections"])
    checks["harness_srv_used"] = asked and incoming
    if not (asked and incoming):
        details["harness_srv_used"] = f"SRV asked: {asked}, B got an s2s connection: {incoming}"

result.setdefault("info", {})["harness"] = harness
result.setdefault("checks", {}).update(checks)
result["failed"] = [k for k, v in result["checks"].items() if not v]
result["ok"] = bool(result.get("ok")) and all(checks.values())
print(json.dumps(result, default=str), flush=True)
name = result.get("scenario", "scenario")
for k, v in checks.items():
    if not v:
        print(f"{name}: FAIL {k}: {details.get(k, '')}", file=sys.stderr)
rc = args.rc
if rc == 0 and not all(checks.values()):
    rc = 1
sys.exit(rc)
