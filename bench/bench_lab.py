"""What bench/compare.py and bench/soak.py share: preparing a namespace pair from
tests/integration/lab.py for chronon-loadgen, the load generator's command line, and reading
a server's CPU time and memory from /proc.
"""
import json
import os
import subprocess
import tempfile


def prepare(L, lab, subnet, backend):
    """Readies `lab` for chronon-loadgen's clients in `subnet`; returns the server's MAC."""
    mac = json.loads(L.sh("ip", "-n", lab.srv, "-j", "link", "show", "dev",
                          lab.srv_dev).stdout)[0]["address"]
    # Replies from the kernel's stack go back through the client's own address (DPDK's are
    # built in place, and its kernel side is the TAP).
    if backend != "dpdk":
        L.sh("ip", "-n", lab.srv, "route", "add", subnet, "via", lab.v4_cli)
    # Every server's veth sends complete UDP checksums (the load generator checks them), and
    # takes the load generator's XDP frames (live frames): a veth does only with NAPI on, which
    # an XDP program (afxdp) or GRO turns on; GRO is on for every server alike.
    L.sh("ip", "netns", "exec", lab.srv, "ethtool", "-K", lab.srv_dev, "tx", "off", "gro", "on")
    return mac


class LoadgenRun:
    """chronon-loadgen running: its JSON steps read as they come, its standard error kept in a
    file (a pipe read only at the end could fill up while stdout is read, and both processes
    would then wait on each other)."""

    def __init__(self, cmd):
        self._err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._err, text=True)

    def steps(self):
        for line in self.proc.stdout:
            yield json.loads(line)

    def finish(self):
        """Waits for it; returns (exit status, what it wrote on standard error)."""
        rc = self.proc.wait()
        self._err.seek(0)
        err = self._err.read()
        self._err.close()
        return rc, err


def loadgen_cmd(build, lab, mac, subnet, clients, rates, seconds, extra=()):
    cmd = [os.path.join(build, "bench", "chronon-loadgen"), "--iface", lab.cli_dev,
           "--dst-mac", mac, "--target", lab.v4_srv, "--subnet", subnet,
           "--clients", str(clients), "--rate", ",".join(str(r) for r in rates),
           "--seconds", str(seconds), *extra]
    if (os.cpu_count() or 1) > 1:
        cmd += ["--cpu", str(os.cpu_count() - 1)]  # the server keeps the other cores
    return ["ip", "netns", "exec", lab.cli, *cmd]


def proc_stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_ticks(pids):
    """User+system clock ticks of the processes (all threads), skipping ones that are gone."""
    total = 0
    for pid in pids:
        try:
            fields = proc_stat_fields(pid)
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def write_section(path, section, begin, end):
    """Puts `section` (which starts with `begin` and ends with `end`) into the Markdown file
    at `path` in place of the one there, or at its end; the rest of the file stays."""
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section.rstrip("\n") + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)
