"""Simulate a class against a running rnnviz (loopback only), or start one for the run.

    python -m serving.loadtest --url http://127.0.0.1:8501 --students 100 --seconds 60
    python -m serving.loadtest --start --students 20 --seconds 20          # starts its own server on a free port
"""
import argparse
import asyncio
import json
import sys

from .server import Server
from .stats import format_summary, summarise
from .students import run_class


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m serving.loadtest", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="the app, e.g. http://127.0.0.1:8501 (loopback addresses only)")
    ap.add_argument("--start", action="store_true", help="start a server on a free loopback port for the run")
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20.0, help="how long the class acts after the ramp")
    ap.add_argument("--ramp", type=float, default=10.0, help="seconds over which the students arrive")
    ap.add_argument("--mean-gap", type=float, default=2.0, help="mean seconds between a student's actions")
    ap.add_argument("--page", default=None, help="the page every student opens first (default: random)")
    ap.add_argument("--cookies", action="store_true", help="GET / first and send its cookies (sticky proxy)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    if bool(args.url) == bool(args.start):
        ap.error("give exactly one of --url and --start")
    if not 1 <= args.students <= 1000 or not 0 < args.seconds <= 3600:
        ap.error("students must be 1..1000 and seconds 0..3600")
    server = Server().start() if args.start else None
    try:
        url = server.url if server else args.url
        students = asyncio.run(run_class(url, args.students, args.seconds, mean_gap=args.mean_gap, ramp=args.ramp,
                                         seed=args.seed, cookies=args.cookies, first_page=args.page))
    finally:
        if server:
            server.stop()
    interactions = [it for s in students for it in s.interactions]
    summary = summarise(interactions, seconds=args.seconds + args.ramp)
    summary["students"] = len(students)
    summary["reconnects"] = sum(s.reconnects for s in students)
    print(json.dumps(summary, indent=1) if args.json else format_summary(summary))
    return 0 if summary["errors"] == 0 and summary["exceptions"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
