#!/usr/bin/env python3
"""Side-by-side request rate of chronon (socket and AF_XDP backends) and chronyd, same machine,
same run.

Usage (root): bench/compare_servers.py [--build DIR] [--seconds S] [--loadgen-threads T]
                                       [--no-lossless]
Creates a namespace pair joined by veth (tests/integration/lab.py), runs each server in
turn in the server namespace with `local stratum 10` and no rate limit, and drives it with
ntp-loadgen from the client namespace: first at full speed, then (unless --no-lossless) at
paced rates, searching for the highest rate at which fewer than 0.1 % of requests go
unanswered. Prints a Markdown table for bench/RESULTS.md. On a small machine the load
generator and the server share the cores: the figures compare servers under the same
conditions, they are not either one's maximum.
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
    ap.add_argument("--no-lossless", action="store_true")
    ap.add_argument("--lossless-seconds", type=float, default=2)
    args = ap.parse_args()
    os.environ["CHRONON_BUILD"] = os.path.abspath(args.build)
    import lab as L  # noqa: E402  (reads CHRONON_BUILD)

    loadgen = os.path.join(os.path.abspath(args.build), "bench", "ntp-loadgen")
    rows = []
    with L.Lab("cmpload") as lab:
        # Complete UDP checksums from the client side (the AF_XDP server checks them; a veth
        # would pass them on unfinished), for every server alike.
        L.sh("ip", "netns", "exec", lab.cli, "ethtool", "-K", lab.cli_dev, "tx", "off")

        def measure(port, rate=0, seconds=args.seconds):
            cmd = [loadgen, "--target", lab.v4_srv, "--port", str(port), "--seconds", str(seconds),
                   "--threads", str(args.loadgen_threads)]
            if rate:
                cmd += ["--rate", str(int(rate))]
            r = lab.run(lab.cli, *cmd, timeout=seconds + 30)
            if r.returncode != 0:
                raise SystemExit(f"ntp-loadgen failed: {r.stderr}")
            return json.loads(r.stdout)

        def lossless(port, ceiling):
            """Highest achieved rate with < 0.1 % unanswered, by bisection of the paced rate
            below `ceiling`; (rate, capped) where capped means no rate tried lost more, so
            the load generator, not the server, set the limit."""
            lo, hi, best, capped = 0.0, ceiling * 1.05, 0.0, True
            for _ in range(7):
                mid = (lo + hi) / 2
                m = measure(port, mid, args.lossless_seconds)
                achieved = m["sent"] / args.lossless_seconds
                ok = m["sent"] > 0 and m["valid"] >= 0.999 * m["sent"]
                print(f"  {port}: {mid:,.0f}/s asked, {achieved:,.0f}/s sent -> "
                      f"{m['valid']}/{m['sent']} {'ok' if ok else 'lossy'}", file=sys.stderr)
                if ok:
                    lo, best = mid, max(best, achieved)
                else:
                    hi, capped = mid, False
            return best, capped

        def cpu_seconds(pid):
            """(user, system) CPU time of a process (all its threads), in seconds."""
            f = L.read(f"/proc/{pid}/stat")
            fields = f[f.rfind(")") + 2:].split()
            tck = os.sysconf("SC_CLK_TCK")
            return int(fields[11]) / tck, int(fields[12]) / tck

        def run(name, port, pid):
            u0, s0 = cpu_seconds(pid)
            m = measure(port)
            u1, s1 = cpu_seconds(pid)
            n = max(m["valid"], 1)
            m["user_ns"], m["sys_ns"] = (u1 - u0) * 1e9 / n, (s1 - s0) * 1e9 / n
            m["lossless"] = None if args.no_lossless else lossless(port, m["sent_per_s"])
            rows.append((name, m))
            print(f"{name}: {m}", file=sys.stderr)

        servers = [(f"chronon, socket backend, {t} thread(s)", f"dataplane socket threads {t}")
                   for t in (1, 2)]
        servers.append(("chronon, afxdp backend (native XDP, copy mode, 1 queue)",
                        f"dataplane afxdp {lab.srv_dev}"))
        for i, (name, line) in enumerate(servers):
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n{line}\n",
                                   name=f"chronond{i}")
            time.sleep(0.5)
            run(name, 123, d.dataplane_pid())
            d.stop()
            time.sleep(0.5)
        cd = lab.start_chronyd(f"port 11123\nlocal stratum 10\nallow {lab.v4_cli}\n")
        L.wait_for(lambda: "chronyd version" in L.read(cd.log), 10, L.read(cd.log))
        time.sleep(0.5)
        run("chronyd 4.3 (Debian)", 11123, int(L.read(lab.path("chronyd.pid")).strip()))
    print("| server | full speed: requests sent/s | valid replies/s | replies/requests | "
          "highest rate with < 0.1 % loss | server CPU per reply: user | system |")
    print("|---|---|---|---|---|---|---|")
    for name, m in rows:
        ratio = m["valid"] / m["sent"] if m["sent"] else 0
        if m["lossless"] is None:
            ll = "not measured"
        else:
            rate, capped = m["lossless"]
            ll = f"{'≥ ' if capped else ''}{rate:,.0f}/s{' (load generator limit)' if capped else ''}"
        print(f"| {name} | {m['sent_per_s']:,.0f} | {m['replies_per_s']:,.0f} | {ratio:.2f} | {ll} "
              f"| {m['user_ns']:,.0f} ns | {m['sys_ns']:,.0f} ns |")


if __name__ == "__main__":
    main()
