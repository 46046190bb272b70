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

Checks (B is always Prosody, so they read B's log: it sees both directions):
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


harness = {"mode": args.mode, "srv": args.srv == "1", "a": args.a_kind, "b": "prosody", "log_level": args.log_level}
checks = {}
details = {}
b = prosody_log(read("b.log"))
harness["b_log"] = b
if args.a_kind == "prosody":
    harness["a_log"] = prosody_log(read("a.log"))
harness["s2s_auth"] = {k: v["mechanism"] for k, v in (("a", harness.get("a_log")), ("b", b)) if v}

if args.log_level != "debug":
    harness["auth_and_tls_checks"] = "skipped: they read Prosody's debug log"
elif args.mode == "external":
    ok = bool(b["external_accepted_from"]) and not b["dialback_verified_for"] and not b["dialback_keys_sent"]
    checks["harness_s2s_auth_external"] = ok
    if not ok:
        details["harness_s2s_auth_external"] = f"B's log: {b['mechanism']}"
else:
    ok = bool(b["dialback_verified_for"]) and not b["external_accepted_from"] and not b["external_sent_to"]
    checks["harness_s2s_auth_dialback"] = ok
    if not ok:
        details["harness_s2s_auth_dialback"] = f"B's log: {b['mechanism']}"
if args.log_level == "debug":
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
