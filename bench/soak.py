#!/usr/bin/env python3
"""Soak test: chronond under a steady high request rate from many client addresses for a long
time, checking that it stays healthy.

Usage (root): bench/soak.py [--build DIR] [--backend socket|afxdp] [--minutes M]
                            [--rate R] [--clients N] [--sample S] [--smoke] [--results FILE]

chronond (`local stratum 10`, `allow all`, no rate limit) serves chronon-loadgen across a
veth pair between two namespaces (tests/integration/lab.py) for M minutes (default 10) at R
requests/s. Every S seconds it records the resident memory and open file descriptors of both
chronond processes, and the requests counted at each stage: sent by the load generator,
refused by the server's veth (its receive ring full), dropped by the kernel before the
dataplane (socket buffer or AF_XDP ring), received, replied and dropped by reason in the
dataplane, answered as seen by the load generator. At the end it checks:
  * memory is flat: resident memory after the first sample grows by less than 1 MiB;
  * file descriptors are constant;
  * no request is lost that a counter does not explain: sent - answered equals the sum of the
    stage counters within 0.01 % of sent (requests still in flight at a sample's edge);
and writes a Markdown table (--results: the soak section of bench/RESULTS.md). Exits 1 if a
check fails. --smoke: 20 s at 20,000/s, for the test suite.
"""
import argparse
import datetime
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)
import bench_lab as B  # noqa: E402

BEGIN = "<!-- soak.py: begin (generated; edit bench/soak.py instead) -->"
END = "<!-- soak.py: end -->"
SUBNET = "10.64.0.0/10"


def snmp_udp(L, lab, field):
    """A field of the Udp line of /proc/net/snmp inside the server namespace."""
    lines = [l.split() for l in lab.run(lab.srv, "cat", "/proc/net/snmp").stdout.splitlines()
             if l.startswith("Udp:")]
    return int(lines[1][lines[0].index(field)]) if len(lines) >= 2 else 0


def veth_refused(L, lab):
    """Frames the load generator's veth could not hand to the server's (its ring full)."""
    out = lab.run(lab.cli, "ethtool", "-S", lab.cli_dev).stdout
    total = 0
    for line in out.splitlines():
        name, _, value = line.strip().partition(":")
        if name.endswith("xdp_xmit_err"):
            total += int(value)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--backend", default="afxdp", choices=["socket", "afxdp"])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=1000000)
    ap.add_argument("--sample", type=float, default=30)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--results")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("soak.py: needs root (network namespaces, XDP)")
    if args.smoke:
        args.minutes, args.rate, args.clients, args.sample = 20 / 60, 20000, 100000, 5
    build = os.path.abspath(args.build)
    os.environ["CHRONON_BUILD"] = build
    import lab as L  # noqa: E402
    L.BACKEND = args.backend

    steps = max(1, round(args.minutes * 60 / args.sample))
    rows, failures = [], []
    with L.Lab("soak") as lab:
        mac = B.prepare(L, lab, SUBNET, args.backend)
        d = lab.start_chronond(f"local stratum 10\nallow all\n"
                               f"clientloglimit {max(args.clients * 128, 1 << 20)}\n")
        time.sleep(0.5)
        pids = [d.pid(), d.dataplane_pid()]
        # The load generator's steps are the sampling periods; its drain time lets the replies
        # of each period arrive before the counters are read.
        cmd = B.loadgen_cmd(build, lab, mac, SUBNET, args.clients, [args.rate] * steps,
                            args.sample, ["--drain", "0.3"])
        base = {"counters": lab.counters(d.seg), "refused": veth_refused(L, lab),
                "rcvbuf": snmp_udp(L, lab, "RcvbufErrors")}
        run = B.LoadgenRun(cmd)
        t_start = time.monotonic()
        sent = answered = loadgen_drops = 0
        for step in run.steps():
            sent += step["sent"]
            answered += step["answered"]
            loadgen_drops += step["loadgen_drops"]
            c = lab.counters(d.seg)
            dc = {k: c[k] - base["counters"][k] for k in c}
            refused = veth_refused(L, lab) - base["refused"]
            rcvbuf = snmp_udp(L, lab, "RcvbufErrors") - base["rcvbuf"]
            server_drops = dc["received"] - dc["replied"]
            explained = refused + rcvbuf + dc["kernel_drops"] + server_drops + dc["send_errors"]
            row = {"t_s": time.monotonic() - t_start, "rss_kib": [B.rss_kib(x) for x in pids],
                   "fds": [B.fd_count(x) for x in pids], "sent": sent, "answered": answered,
                   "refused": refused, "rcvbuf": rcvbuf, "kernel_drops": dc["kernel_drops"],
                   "received": dc["received"], "replied": dc["replied"],
                   "server_drops": server_drops, "send_errors": dc["send_errors"],
                   "not_received": sent - dc["received"] - refused - rcvbuf - dc["kernel_drops"],
                   "loadgen_drops": loadgen_drops,
                   "unexplained": sent - answered - explained - loadgen_drops}
            rows.append(row)
            print(f"  {row['t_s']:6.0f} s: RSS {row['rss_kib']} KiB, fds {row['fds']}, sent "
                  f"{sent:,}, answered {answered:,}, unexplained {row['unexplained']:,}",
                  file=sys.stderr)
        rc, err = run.finish()
        if rc != 0:
            raise SystemExit(f"soak.py: chronon-loadgen failed: {err}")
        if d.proc.poll() is not None:
            failures.append("chronond exited during the soak")
        d.stop()

    if not rows:
        raise SystemExit("soak.py: no samples")
    first, last = rows[0], rows[-1]
    growth = [b - a for a, b in zip(first["rss_kib"], last["rss_kib"])]
    if any(g >= 1024 for g in growth):
        failures.append(f"resident memory grew by {growth} KiB (chronond, dataplane)")
    if any(r["fds"] != first["fds"] for r in rows):
        failures.append(f"open descriptors changed: {[r['fds'] for r in rows]}")
    # Loss between the load generator's own counts and the dataplane's needs a counter too.
    tolerance = max(10, last["sent"] // 10000)
    if abs(last["unexplained"]) > tolerance:
        failures.append(f"{last['unexplained']:,} requests lost without a counter saying where "
                        f"(tolerance {tolerance:,})")

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = [BEGIN, "", f"## Soak: {args.minutes:g} minutes at {args.rate:,} requests/s, "
          f"{args.backend} backend", "",
          f"{date}, {os.cpu_count()} cores, kernel {os.uname().release}:", "", "```sh",
          f"bench/soak.py {' '.join(sys.argv[1:])}".rstrip(), "```", "",
          f"{args.clients:,} client addresses; one row per {args.sample:g} s sample (cumulative "
          f"counts). *refused*: the server's veth ring was full; *kernel*: socket buffer or "
          f"AF_XDP ring drops before the dataplane; *server drops*: received but not replied "
          f"(by reason in `chronon dataplane`); *unexplained*: sent - answered - all of those.",
          "", "| time | RSS chronond / dataplane (KiB) | fds | sent | answered | refused | kernel "
          "| server drops | loadgen drops | unexplained |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['t_s']:.0f} s | {r['rss_kib'][0]:,} / {r['rss_kib'][1]:,} | "
                  f"{r['fds'][0]} / {r['fds'][1]} | {r['sent']:,} | {r['answered']:,} | "
                  f"{r['refused']:,} | {r['rcvbuf'] + r['kernel_drops']:,} | "
                  f"{r['server_drops']:,} | {r['loadgen_drops']:,} | {r['unexplained']:,} |")
    md += ["", "Checks: " + ("all passed (memory flat, descriptors constant, every lost request "
                             "counted)." if not failures else "; ".join(failures)), "", END]
    section = "\n".join(md) + "\n"
    if args.results:
        B.write_section(args.results, section, BEGIN, END)
    print(section)
    if failures:
        print("soak.py: FAILED: " + "; ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
