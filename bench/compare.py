#!/usr/bin/env python3
"""Side-by-side NTP server comparison: chronyd and chronond on each backend, one load generator.

Usage (root): bench/compare.py [--build DIR] [--quick] [--clients N] [--seconds S]
                               [--rates R,R,...] [--results FILE] [--plot FILE] [--json FILE]

For each server in turn, a fresh pair of network namespaces joined by a veth
(tests/integration/lab.py) holds the server on one end and chronon-loadgen (AF_XDP, raw frames
from many client addresses) on the other. The load generator steps its request rate up
through the same list for every server, stopping once a step loses more than 5 %, and reports
per step: requests sent and answered, loss, response time percentiles and the server's own
timestamps checked against the client's. The server's CPU time is sampled at each step.

Writes a Markdown section into --results (between the compare markers of bench/RESULTS.md,
created if absent), a PNG plot (loss and response time against offered rate) to --plot, and
the raw step data to --json. --quick is a smoke run of the pipeline (tiny rates, short
steps): its numbers mean nothing.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)
import bench_lab as B  # noqa: E402

BEGIN = "<!-- compare.py: begin (generated; edit bench/compare.py instead) -->"
END = "<!-- compare.py: end -->"
SUBNET = "10.200.0.0/16"
SUBNET_1M = "10.64.0.0/10"
LOSS_FREE_PCT = 0.1


def geometric(lo, hi, factor):
    r, out = lo, []
    while r <= hi:
        out.append(int(round(r, -2)) if r >= 1000 else int(r))
        r *= factor
    return out


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "load_average_1min": os.getloadavg()[0],
            "nic": "veth pair between two network namespaces (driver veth)",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def git_commit():
    r = subprocess.run(["git", "-C", HERE, "log", "-1", "--format=%h"], capture_output=True,
                       text=True)
    return r.stdout.strip() or "unknown"


class Server:
    """One server set-up: a name, a kind (chronyd or a chronond dataplane line), loadgen flags."""

    def __init__(self, name, kind, backend="socket", clients=None, interleaved=False):
        self.name, self.kind, self.backend = name, kind, backend
        self.clients, self.interleaved = clients, interleaved


def servers_to_run(args, build):
    have_afxdp = os.path.exists(os.path.join(build, "bench", "chronon-loadgen"))
    usage = subprocess.run([os.path.join(build, "chronon-dataplane"), "--help"],
                           capture_output=True, text=True).stdout
    have_dpdk = "dpdk (not in this build)" not in usage
    out = [Server("chronyd 4.3 (Debian)", "chronyd"),
           Server("chronon, socket backend", "dataplane socket")]
    if have_afxdp:
        out.append(Server("chronon, afxdp backend", "afxdp", backend="afxdp"))
    if have_dpdk and not args.no_dpdk:
        out.append(Server("chronon, dpdk backend (net_af_packet, 2 MiB hugepages)", "dpdk",
                          backend="dpdk"))
    if have_afxdp and not args.quick:
        n = args.million
        out.append(Server(f"chronon, afxdp, {n:,} clients, basic", "afxdp", backend="afxdp",
                          clients=n))
        out.append(Server(f"chronon, afxdp, {n:,} clients, interleaved", "afxdp",
                          backend="afxdp", clients=n, interleaved=True))
    return out


def run_server(L, args, build, srv):
    """Runs the load generator's rate steps against one server; returns the step records."""
    L.BACKEND = srv.backend
    L.DPDK_HUGEPAGES = srv.backend == "dpdk"  # the lab reserves them and gives them back
    clients = srv.clients or args.clients
    subnet = SUBNET if clients < 65000 else SUBNET_1M
    with L.Lab("cmp") as lab:
        mac = B.prepare(L, lab, subnet, srv.backend)
        # The client table must hold every client for interleaved mode (48 bytes a client,
        # twice over).
        clientlog = f"clientloglimit {max(clients * 128, 1 << 20)}\n"
        if srv.kind == "chronyd":
            d = lab.start_chronyd(f"port 123\nlocal stratum 10\nallow all\n")
            L.wait_for(lambda: "chronyd version" in L.read(d.log), 10, L.read(d.log))
            time.sleep(0.5)
            pids = [int(L.read(lab.path("chronyd.pid")).strip())]
        else:
            line = srv.kind if srv.kind.startswith("dataplane ") else ""
            d = lab.start_chronond(f"local stratum 10\nallow all\n{clientlog}{line}\n")
            time.sleep(0.5)
            pids = [d.pid(), d.dataplane_pid()]
        cmd = B.loadgen_cmd(build, lab, mac, subnet, clients, args.rate_list, args.seconds,
                            ["--stop-loss", "5"] + (["--interleaved"] if srv.interleaved else []))
        run = B.LoadgenRun(cmd)
        steps = []
        t0, c0 = time.monotonic(), B.cpu_ticks(pids)
        for step in run.steps():
            t1, c1 = time.monotonic(), B.cpu_ticks(pids)
            step["server_cpu_pct"] = 100.0 * (c1 - c0) / os.sysconf("SC_CLK_TCK") / (t1 - t0)
            t0, c0 = t1, c1
            steps.append(step)
            print(f"  {srv.name}: {step['rate']:>9,}/s asked, {step['sent_per_s']:>9,.0f}/s sent, "
                  f"loss {step['loss_pct']:.3f} %, p50 {step['response_ns']['p50'] / 1000:.1f} µs, "
                  f"CPU {step['server_cpu_pct']:.0f} %", file=sys.stderr)
        rc, err = run.finish()
        if rc != 0:
            raise SystemExit(f"chronon-loadgen failed against {srv.name}: {err}")
        d.stop()
    return steps


def loss_free(steps):
    """(highest achieved rate of a step with < 0.1 % loss, why it is not higher): why is
    "server" when a later step lost more, "load generator limit" when the load generator fell
    short of the asked rate first, "highest rate tried" when every step passed."""
    best = 0.0
    for s in steps:
        if s["loss_pct"] >= LOSS_FREE_PCT:
            return best, "server"
        best = max(best, s["sent_per_s"])
        if s["sent_per_s"] < 0.97 * s["rate"]:
            return best, "load generator limit"
    return best, "highest rate tried"


def markdown(results, info, args, rates):
    us = lambda ns: f"{ns / 1000:,.1f}"  # noqa: E731
    out = [BEGIN, "", "## Side by side: chronyd and chronon's backends under one load generator",
           "", f"{info['date']}, commit {info['commit']}; {info['cores']} cores ({info['cpu']}), "
           f"kernel {info['kernel']}, {info['nic']}; load average {info['load_average_1min']:.2f} "
           f"at the start (other work on the machine skews every figure).", "", "```sh",
           f"bench/compare.sh {' '.join(args.argv)}".rstrip(), "```", "",
           f"chronon-loadgen (requests made by its XDP program in BPF_PROG_RUN live-frames mode, "
           f"replies read from an AF_XDP socket in copy mode; pinned to the last core) steps the "
           f"rate through {', '.join(f'{r:,}' for r in rates)} requests/s, {args.seconds} s "
           f"each, from {args.clients:,} random client addresses unless stated, and stops after "
           f"a step that loses more than 5 %. Response time is the client's (each request "
           f"stamped as it is made, replies once per received batch); \"inconsistent\" counts "
           f"replies whose server timestamps "
           f"fall outside the client's send and receive times. Server CPU is the server's "
           f"processes (all threads) over each step.", "",
           "| server | loss-free rate (< 0.1 %) | highest answered rate | at that step: loss | "
           "p50 / p99 / p99.9 response (µs) at the loss-free rate | server CPU at it | "
           "inconsistent |", "|---|---|---|---|---|---|---|"]
    for name, steps in results:
        lf, why = loss_free(steps)
        lf_step = next((s for s in steps if s["sent_per_s"] == lf and lf > 0), None)
        top = max(steps, key=lambda s: s["answered_per_s"])
        lat = (f"{us(lf_step['response_ns']['p50'])} / {us(lf_step['response_ns']['p99'])} / "
               f"{us(lf_step['response_ns']['p999'])}" if lf_step else "-")
        cpu = f"{lf_step['server_cpu_pct']:.0f} %" if lf_step else "-"
        label = f"{lf:,.0f}/s" if why == "server" else f"≥ {lf:,.0f}/s ({why})"
        out.append(f"| {name} | {label} | {top['answered_per_s']:,.0f}/s | "
                   f"{top['loss_pct']:.2f} % | {lat} | {cpu} | "
                   f"{sum(s['inconsistent'] for s in steps)} |")
    out += ["", "Every step, per server (offered = asked rate; sent = what the load generator "
            "achieved):", "", "| server | offered/s | sent/s | answered/s | loss | interleaved "
            "| p50 µs | p99 µs | server CPU |", "|---|---|---|---|---|---|---|---|---|"]
    for name, steps in results:
        for s in steps:
            il = f"{100 * s['interleaved'] / s['answered']:.0f} %" if s["answered"] else "-"
            out.append(f"| {name} | {s['rate']:,} | {s['sent_per_s']:,.0f} | "
                       f"{s['answered_per_s']:,.0f} | {s['loss_pct']:.2f} % | {il} | "
                       f"{us(s['response_ns']['p50'])} | {us(s['response_ns']['p99'])} | "
                       f"{s['server_cpu_pct']:.0f} % |")
    if args.plot:
        out += ["", f"![loss and response time against offered rate]({os.path.basename(args.plot)})"]
    out += ["", END]
    return "\n".join(out) + "\n"


def write_results(path, section):
    B.write_section(path, section, BEGIN, END)


def plot(path, results):
    try:
        import matplotlib
    except ImportError:
        # Debian's python3-matplotlib under another python3 on PATH (such as pyenv's).
        sys.path.append("/usr/lib/python3/dist-packages")
        import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5))
    for name, steps in results:
        x = [s["sent_per_s"] for s in steps]
        a1.plot(x, [max(s["loss_pct"], 1e-3) for s in steps], marker="o", label=name)
        line, = a2.plot(x, [s["response_ns"]["p50"] / 1000 for s in steps], marker="o",
                        label=f"{name} p50")
        a2.plot(x, [s["response_ns"]["p99"] / 1000 for s in steps], marker="x", linestyle="--",
                color=line.get_color(), label=f"{name} p99")
    for a in (a1, a2):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("requests sent per second")
        a.grid(True, which="both", alpha=0.3)
    a1.axhline(LOSS_FREE_PCT, color="grey", linestyle=":")
    a1.set_ylabel("unanswered requests (%)")
    a1.set_title("loss against offered rate")
    a2.set_ylabel("response time (µs)")
    a2.set_title("response time percentiles")
    a1.legend(fontsize=7)
    a2.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--quick", action="store_true", help="a smoke run of the pipeline")
    ap.add_argument("--clients", type=int, default=100000)
    ap.add_argument("--million", type=int, default=1000000,
                    help="clients of the basic/interleaved afxdp pair")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--rates", help="comma-separated request rates (default: 10 k to 2 M, x1.4)")
    ap.add_argument("--no-dpdk", action="store_true")
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--plot", default=os.path.join(HERE, "compare.png"))
    ap.add_argument("--json", default=os.path.join(HERE, "compare.json"))
    args = ap.parse_args()
    args.argv = sys.argv[1:]
    if os.geteuid() != 0:
        raise SystemExit("compare.py: needs root (network namespaces, XDP)")
    if args.quick:
        args.seconds, args.clients = 0.3, 1000
        args.rate_list = [1000, 3000]
    elif args.rates:
        args.rate_list = [int(float(r)) for r in args.rates.split(",")]
    else:
        args.rate_list = geometric(10000, 2000000, 1.4)
    build = os.path.abspath(args.build)
    os.environ["CHRONON_BUILD"] = build
    import lab as L  # noqa: E402  (reads CHRONON_BUILD)
    if not os.path.exists(os.path.join(build, "bench", "chronon-loadgen")):
        raise SystemExit(f"compare.py: no {build}/bench/chronon-loadgen (built with libbpf, "
                         f"clang and bpftool)")

    info = machine()
    info["commit"] = git_commit()
    if info["load_average_1min"] > 1.0:
        print(f"compare.py: warning: load average {info['load_average_1min']:.2f}: other work "
              f"on this machine will skew the figures (a busy-polling load generator loses its "
              f"core to it)", file=sys.stderr)
    results = []
    for srv in servers_to_run(args, build):
        print(f"{srv.name}:", file=sys.stderr)
        results.append((srv.name, run_server(L, args, build, srv)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "rates": args.rate_list,
                       "results": [{"server": n, "steps": s} for n, s in results]}, f, indent=1)
    if args.plot:
        plot(args.plot, results)
    section = markdown(results, info, args, args.rate_list)
    write_results(args.results, section)
    print(section)


if __name__ == "__main__":
    main()
