"""The figures of a scripts/bench-* run, for its Markdown table (imported by the scripts'
report step with PYTHONPATH=scripts).

A run leaves one JSON object per (server, size, start) in a results folder, named
SERVER-SIZE-START.json, as `xmpp-load` prints it ({"ok": false, "error": …} for a failed
start), and SERVER.version with the server's name and version. A cell is the median over
the good starts (a per-round figure: over every round of every start), then min–max; the
failed starts are named in the cell with the first one's reason. A failure is never a figure.
"""
import glob
import json
import os
import statistics


def num(v, places=1):
    """A figure for the table: thousands separated, `places` decimals below 100, and a minus
    sign (so that "−1,906–−242" reads as a range)."""
    if v is None:
        return "—"
    text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.{places}f}"
    return text.replace("-", "−")


class Results:
    def __init__(self, folder, key=None, reason_chars=120):
        """`key`: the SIZE part of the file names when every figure of the table has one."""
        self.folder = folder
        self.key = key
        self.reason_chars = reason_chars

    def version(self, server):
        try:
            with open(os.path.join(self.folder, f"{server}.version")) as f:
                return f.read().strip()
        except OSError:
            return server

    def runs(self, server, key=None):
        out = []
        pattern = os.path.join(self.folder, f"{server}-{key if key is not None else self.key}-*.json")
        for path in sorted(glob.glob(pattern)):
            try:
                with open(path) as f:
                    out.append(json.load(f))
            except (OSError, ValueError):
                out.append({"ok": False, "error": "no output"})
        return out

    def values(self, server, fn, key=None):
        """fn(run) of every good run, flattened (fn may return a list: one value per round),
        the runs, and the failed runs."""
        rs = self.runs(server, key)
        good = [r for r in rs if r.get("ok")]
        bad = [r for r in rs if not r.get("ok")]
        vals = []
        for r in good:
            try:
                v = fn(r)
            except (KeyError, TypeError, IndexError, ZeroDivisionError):
                continue
            vals.extend(v if isinstance(v, list) else [v])
        vals = [v for v in vals if v is not None]
        return vals, rs, bad

    def cell(self, server, fn, places=1, key=None):
        vals, rs, bad = self.values(server, fn, key)
        if not rs:
            return "not run"
        note = ""
        if bad:
            reason = str(bad[0].get("error", "?"))[: self.reason_chars].replace("|", "/")
            note = f" ({len(bad)} of {len(rs)} runs FAILED: {reason})"
        if not vals:
            return "—" + note
        if len(vals) == 1:
            return num(vals[0], places) + note
        return f"{num(statistics.median(vals), places)} ({num(min(vals), places)}–{num(max(vals), places)})" + note

    def median(self, server, fn, key=None):
        vals, _, _ = self.values(server, fn, key)
        return statistics.median(vals) if vals else None
