#!/usr/bin/env python3
"""The Markdown table of scripts/bench-xmpp-im from its results folder (SERVER-PHASE.json)."""
import json
import os
import sys

(results, only, prosody_name, parley_name, started, cores, pinned,
 messages, window, repeat, sessions, resume, settle) = sys.argv[1:]
servers = [s for s in ("prosody", "parley") if only in (s, "both")]
parley_name = "PARLEYD binary" if parley_name == "parleyd (PARLEYD)" else parley_name
names = {"prosody": prosody_name, "parley": f"Parley xmpp-c2s ({parley_name})"}


def load(server, phase):
    try:
        with open(os.path.join(results, f"{server}-{phase}.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def num(v, digits=1):
    if v is None:
        return "—"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def short(text, n=90):
    return str(text)[:n].replace("|", "/")


explained = set()   # (server, phase) whose "not supported" reason is already in the table


def cell(server, phase, fn):
    r = load(server, phase)
    if r is None:
        return "not run"
    if r.get("supported") is False:
        if (server, phase) in explained:
            return "not supported"
        explained.add((server, phase))
        reason = str(r.get("error") or "")
        if reason.startswith("not supported (") and reason.endswith(")"):
            reason = reason[len("not supported ("):-1]
        return f"**not supported** ({short(reason, 120)})"
    try:
        value = fn(r)
    except (KeyError, TypeError, ValueError):
        value = "—"
    if not r.get("ok"):
        return f"{value} (FAILED: {short(r.get('error'))})"
    return value


def runs_cell(key, digits=1):
    def fn(r):
        values = [x[key] for x in r["runs"] if x.get("ok")]
        if not values:
            return "—"
        values.sort()
        med = r[key] if key in r else values[len(values) // 2]
        text = num(med, digits) + (f" ({num(values[0], digits)}–{num(values[-1], digits)})" if len(values) > 1 else "")
        busy = sorted(x["generator_cores_busy"] for x in r["runs"] if x.get("ok"))
        if key == "messages_per_second" and busy and busy[len(busy) // 2] >= 0.85:
            text += " (generator-bound)"
        return text
    return fn


def per_resource(r):
    by = r["runs"][0]["stanzas_per_message_by_resource"]
    return ", ".join(f"{k} {v:g}" for k, v in by.items())


def mam(r):
    m = r["mam"]
    count = "no count" if m.get("count") is None else f"count {m['count']:,}"
    return f"{m.get('results', 0)} result, fin {'yes' if m.get('fin') else 'no'}, {count} (sent {m['messages_sent']:,})"


def held(r):
    return f"{r['sessions_ready']:,}/{r['sessions_requested']:,}" + (f", {r['sessions_dropped']} dropped" if r.get("sessions_dropped") else "")


rows = [
    ("**(A) 1:1 messages, carbons + MAM, 2 resources per side**", None, None),
    ("Server CPU per message (µs)", "messages", runs_cell("server_cpu_us_per_message")),
    ("Messages/s", "messages", runs_cell("messages_per_second", 0)),
    ("Stanzas received per message, all 4 clients", "messages", runs_cell("stanzas_per_message", 2)),
    ("… by resource (first run)", "messages", per_resource),
    ("Server cores busy / generator cores busy (median)", "messages",
     lambda r: " / ".join(f"{sorted(x[k] for x in r['runs'])[len(r['runs']) // 2]:.2f}"
                          for k in ("server_cores_busy", "generator_cores_busy"))),
    ("Generator CPU per message (µs; near 1 core busy it, not the server, sets the rate)", "messages",
     runs_cell("generator_cpu_us_per_message")),
    ("MAM query afterwards (max 1, before)", "messages", mam),
    ("**(B) idle sessions**", None, None),
    ("Memory per idle session with XEP-0198 (KiB)", "idle-sm", lambda r: num(r["server_kib_per_session"])),
    ("Sessions held with XEP-0198", "idle-sm", held),
    ("Server RSS before → after, XEP-0198 (KiB)", "idle-sm",
     lambda r: f"{r['server_rss_before_kib']:,} → {r['server_rss_after_kib']:,}"),
    ("Memory per idle session without XEP-0198 (KiB)", "idle", lambda r: num(r["server_kib_per_session"])),
    ("Sessions held without XEP-0198", "idle", held),
    ("Server RSS before → after, no SM (KiB)", "idle",
     lambda r: f"{r['server_rss_before_kib']:,} → {r['server_rss_after_kib']:,}"),
    ("Server CPU per login + bind + presence (µs), no SM", "idle", lambda r: num(r["server_cpu_us_per_login"], 0)),
    ("**(C) XEP-0198 resumption of K sessions at once**", None, None),
    ("Sessions resumed", "resume", lambda r: f"{r['resumed']:,}/{r['sessions']:,}"),
    ("Queued message received on the resumed stream", "resume",
     lambda r: f"{r['queued_message_received']:,}/{r['sessions']:,}"
               + (f" ({r['sender_bounces']} bounced to the sender)" if r.get("sender_bounces") else "")),
    ("Wall time, first reconnect → last `<resumed/>` (s)", "resume", lambda r: num(r["resume_wall_seconds"], 2)),
    ("Server CPU during the resumptions (s; µs per resume)", "resume",
     lambda r: f"{r['server_cpu_seconds']:.2f}; {num(r['server_cpu_us_per_resume'], 0)}"),
]

out = [f"Run {started}: {cores} cores, "
       f"{'server pinned to CPU 0 and generator to CPU 1' if pinned != '0' else 'no pinning'}, loopback, no TLS; "
       f"(A) {int(messages):,} messages per run, window {window}, {repeat} runs (median, then min–max); "
       f"(B) {int(sessions):,} sessions, RSS read {settle} s after the last login; (C) {int(resume):,} sessions.",
       "", "| Figure | " + " | ".join(names[s] for s in servers) + " |",
       "|---|" + "---|" * len(servers)]
for label, phase, fn in rows:
    if phase is None:
        out.append(f"| {label} |" + " |" * len(servers))
    else:
        out.append(f"| {label} | " + " | ".join(cell(s, phase, fn) for s in servers) + " |")
print("\n".join(out))
