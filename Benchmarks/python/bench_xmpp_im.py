#!/usr/bin/env python3
"""Load generator of scripts/bench-xmpp-im: one workload against one running server, one
JSON object on stdout (docs/benchmarks-im.md explains the figures).

  bench_xmpp_im.py messages --port P --server-pid PID [--messages M --window W --repeat R]
  bench_xmpp_im.py idle     --port P --server-pid PID --sessions N [--sm] [--settle S]
  bench_xmpp_im.py resume   --port P --server-pid PID --resume K

Raw XMPP over asyncio, SASL PLAIN without TLS, accounts PREFIX0… with one password. Every
mode has a hard time limit (--timeout): it then prints why and exits 3; exit 1 on failure.
"""
import argparse
import asyncio
import json
import resource
import sys

import im_phases


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["messages", "idle", "resume"])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--domain", default="localhost")
    ap.add_argument("--password", default="loadpass")
    ap.add_argument("--prefix", default="load")
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--window", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=2000)
    ap.add_argument("--sm", action="store_true", help="idle: enable XEP-0198 (resume='true') on each session")
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--resume", type=int, default=1000)
    ap.add_argument("--step-timeout", type=float, default=30.0, help="seconds one login step may take")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds the whole mode may take")
    opts = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    async def run():
        return await asyncio.wait_for(getattr(im_phases, opts.mode)(opts), opts.timeout)
    try:
        result = asyncio.run(run())
        code = 0 if result.get("ok") else 1
    except asyncio.TimeoutError:
        result, code = {"ok": False, "error": f"{opts.mode}: no result within {opts.timeout:g} s"}, 3
    except Exception as e:  # a failed step outside the per-session handling
        result, code = {"ok": False, "error": f"{opts.mode}: {type(e).__name__}: {e}"}, 1
    result["mode"] = opts.mode
    print(json.dumps(result))
    print(f"bench_xmpp_im {opts.mode}: {'ok' if result.get('ok') else 'FAILED: ' + str(result.get('error'))}",
          file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
