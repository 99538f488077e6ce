#!/usr/bin/env python3
"""Side-by-side request rate of chronon (socket backend) and chronyd, same machine, same run.

Usage (root): bench/compare_servers.py [--build DIR] [--seconds S] [--loadgen-threads T]
Creates a namespace pair joined by veth (tests/integration/lab.py), runs each server in
turn in the server namespace with `local stratum 10` and no rate limit, and drives it with
ntp-loadgen from the client namespace at full speed. Prints a Markdown table for
bench/RESULTS.md. On a small machine the load generator and the server share the cores:
the figures compare servers under the same conditions, they are not either one's maximum.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--loadgen-threads", type=int, default=1)
    args = ap.parse_args()
    os.environ["CHRONON_BUILD"] = os.path.abspath(args.build)
    import lab as L  # noqa: E402  (reads CHRONON_BUILD)

    loadgen = os.path.join(os.path.abspath(args.build), "bench", "ntp-loadgen")
    rows = []
    with L.Lab("cmpload") as lab:
        def measure(port):
            r = lab.run(lab.cli, loadgen, "--target", lab.v4_srv, "--port", str(port),
                        "--seconds", str(args.seconds), "--threads", str(args.loadgen_threads),
                        timeout=args.seconds + 30)
            if r.returncode != 0:
                raise SystemExit(f"ntp-loadgen failed: {r.stderr}")
            return json.loads(r.stdout)

        for threads in (1, 2):
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n"
                                   f"dataplane socket threads {threads}\n",
                                   name=f"chronond{threads}")
            time.sleep(0.5)
            rows.append((f"chronon, socket backend, {threads} thread(s)", measure(123)))
            d.stop()
        cd = lab.start_chronyd(f"port 11123\nlocal stratum 10\nallow {lab.v4_cli}\n")
        L.wait_for(lambda: "chronyd version" in L.read(cd.log), 10, L.read(cd.log))
        time.sleep(0.5)
        rows.append(("chronyd 4.3 (Debian)", measure(11123)))
    print(f"| server | requests sent/s | valid replies/s | replies/requests |")
    print(f"|---|---|---|---|")
    for name, m in rows:
        ratio = m["valid"] / m["sent"] if m["sent"] else 0
        print(f"| {name} | {m['sent_per_s']:,.0f} | {m['replies_per_s']:,.0f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
