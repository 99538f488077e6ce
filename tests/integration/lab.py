"""Network-namespace lab for chronon's integration tests.

Creates a uniquely named pair of namespaces joined by a veth pair (server side 10.X.Y.1 and
fdXX::1, client side .2/.3 and ::2/::3), runs processes inside them, and always removes
everything it created, also when a test fails or is interrupted. Traffic never leaves the
namespaces.
"""
import atexit
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("CHRONON_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
# The dataplane backend the shared tests run against: "socket" (default), "afxdp" (AF_XDP on
# the server's veth, with the XDP program attached in native mode) or "dpdk" (DPDK's
# net_af_packet on the server's veth, without hugepages; the server's addresses on the TAP
# interface chronon0, the veth's own stack silenced by a tc drop).
BACKEND = os.environ.get("CHRONON_BACKEND", "socket")
# dpdk only: run the EAL on 2 MiB hugepages (the lab reserves 256 of them, mounting hugetlbfs
# at /dev/hugepages if nothing is mounted, and puts both back when it closes) instead of
# --no-huge.
DPDK_HUGEPAGES = os.environ.get("CHRONON_DPDK_HUGEPAGES", "") == "1"
HUGEPAGES_WANTED = 256
# chronond's -F level for every chronond a test starts (0: off), to show that the seccomp
# filters do not kill a daemon doing what the tests make it do. The dpdk backend refuses the
# allow-list (-F 1) and gets the deny-list (-F 2) instead.
SECCOMP = int(os.environ.get("CHRONON_SECCOMP", "0"))
if BACKEND == "dpdk" and SECCOMP == 1:
    SECCOMP = 2


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


class Lab:
    """Two namespaces: `srv` (the server under test) and `cli` (clients)."""

    def __init__(self, tag="t"):
        pid = os.getpid()
        self.srv = f"chr-{tag}-{pid}-s"
        self.cli = f"chr-{tag}-{pid}-c"
        n = pid % 200 + 20
        self.v4_srv, self.v4_cli, self.v4_cli2 = f"10.{n}.7.1", f"10.{n}.7.2", f"10.{n}.7.3"
        self.v6_srv, self.v6_cli, self.v6_cli2 = f"fd{n:02x}::1", f"fd{n:02x}::2", f"fd{n:02x}::3"
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="chronon-lab-")
        self._up = False
        self._hugepages_before = None  # nr_hugepages to put back
        self._mounted_hugetlbfs = False
        self.huge_dir = "/dev/hugepages"

    def __enter__(self):
        atexit.register(self.close)
        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, lambda *_: (self.close(), sys.exit(1)))
        if BACKEND == "dpdk" and DPDK_HUGEPAGES:
            self.reserve_hugepages()
        self.close_namespaces()
        sh("ip", "netns", "add", self.srv)
        sh("ip", "netns", "add", self.cli)
        self._up = True
        veth_s, veth_c = f"vs{os.getpid() % 100000}", f"vc{os.getpid() % 100000}"
        self.srv_dev, self.cli_dev = veth_s, veth_c
        sh("ip", "link", "add", veth_s, "netns", self.srv, "type", "veth", "peer", "name", veth_c,
           "netns", self.cli)
        srv_addrs = [] if BACKEND == "dpdk" else [f"{self.v4_srv}/24", f"{self.v6_srv}/64"]
        for ns, dev, addrs in ((self.srv, veth_s, srv_addrs),
                               (self.cli, veth_c, [f"{self.v4_cli}/24", f"{self.v4_cli2}/24",
                                                   f"{self.v6_cli}/64", f"{self.v6_cli2}/64"])):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            for a in addrs:
                # IPv6: no DAD wait; the second client address is deprecated (preferred_lft 0)
                # so that the kernel picks the first one as the source unless told otherwise.
                extra = ["nodad"] if ":" in a else []
                if a.startswith(f"{self.v6_cli2}/"):
                    extra += ["preferred_lft", "0"]
                sh("ip", "-n", ns, "addr", "add", a, "dev", dev, *extra)
            sh("ip", "-n", ns, "link", "set", dev, "up")
        if BACKEND == "dpdk":
            # DPDK's af_packet port sees the veth's frames before tc; the kernel must not
            # answer them as well (the server's addresses live on the TAP).
            sh("ip", "netns", "exec", self.srv, "tc", "qdisc", "add", "dev", veth_s, "clsact")
            # (classic BPF "ret #2", TC_ACT_SHOT, in direct-action mode: no classifier or
            # action modules needed)
            sh("ip", "netns", "exec", self.srv, "tc", "filter", "add", "dev", veth_s, "ingress",
               "bpf", "da", "bytecode", "1,6 0 0 2")
        if BACKEND in ("afxdp", "dpdk"):
            # A veth hands locally sent UDP to its peer with the checksum left to offload
            # (CHECKSUM_PARTIAL), which XDP sees as a wrong checksum: clients send it complete.
            sh("ip", "netns", "exec", self.cli, "ethtool", "-K", veth_c, "tx", "off")
        return self

    def __exit__(self, *exc):
        self.close()

    def close_namespaces(self):
        for ns in (self.srv, self.cli):
            if os.path.exists(f"/run/netns/{ns}"):
                r = sh("ip", "netns", "pids", ns, check=False)
                for p in r.stdout.split():
                    try:
                        os.kill(int(p), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                sh("ip", "netns", "del", ns, check=False)

    def reserve_hugepages(self):
        mounts = [l.split()[1] for l in open("/proc/mounts") if l.split()[2] == "hugetlbfs"]
        if mounts:
            self.huge_dir = mounts[0]
        else:
            os.makedirs(self.huge_dir, exist_ok=True)
            sh("mount", "-t", "hugetlbfs", "nodev", self.huge_dir)
            self._mounted_hugetlbfs = True
        with open("/proc/sys/vm/nr_hugepages") as f:
            before = int(f.read())
        if before < HUGEPAGES_WANTED:
            self._hugepages_before = before
            with open("/proc/sys/vm/nr_hugepages", "w") as f:
                f.write(str(HUGEPAGES_WANTED))
        with open("/proc/sys/vm/nr_hugepages") as f:
            if int(f.read()) < HUGEPAGES_WANTED // 2:
                raise RuntimeError("could not reserve hugepages for DPDK")

    def release_hugepages(self):
        if self._hugepages_before is not None:
            with open("/proc/sys/vm/nr_hugepages", "w") as f:
                f.write(str(self._hugepages_before))
            self._hugepages_before = None
        if self._mounted_hugetlbfs:
            sh("umount", self.huge_dir, check=False)
            self._mounted_hugetlbfs = False

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.procs = []
        if self._up:
            self.close_namespaces()
            self._up = False
        self.release_hugepages()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def spawn(self, ns, *args, log=None):
        out = open(log, "w") if log else subprocess.DEVNULL
        p = subprocess.Popen(["ip", "netns", "exec", ns, *args], stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True)
        if log:
            out.close()  # the child has its own descriptor
        self.procs.append(p)
        return p

    def run(self, ns, *args, timeout=30, check=False):
        return subprocess.run(["ip", "netns", "exec", ns, *args], capture_output=True, text=True,
                              timeout=timeout, check=check)

    # --- chronond -------------------------------------------------------------------------
    def write_conf(self, name, text):
        path = self.path(name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def with_backend(self, conf_text):
        """conf_text serving through BACKEND: `dataplane` lines replaced by the lab's for
        afxdp and dpdk, unless the text has its own line for BACKEND."""
        if BACKEND == "socket":
            return conf_text
        lines = [l for l in conf_text.splitlines() if not l.strip().startswith("dataplane ")]
        own = [l for l in conf_text.splitlines() if l.split()[:2] == ["dataplane", BACKEND]]
        if own:  # a test's own line for this backend (with its options) is kept
            return "\n".join(lines + own) + "\n"
        if BACKEND == "afxdp":
            line = f"dataplane afxdp {self.srv_dev}"
        else:
            memory = (f"-m 256 --huge-dir {self.huge_dir} --file-prefix chronon-{os.getpid()}"
                      if DPDK_HUGEPAGES else "--no-huge -m 256")
            line = (f"dataplane dpdk net_af_packet0 lcores 0,1 eal \"{memory} --no-pci "
                    f"--vdev=net_af_packet0,iface={self.srv_dev}\"")
        return "\n".join(lines) + f"\n{line}\n"

    def give_tap_addresses(self):
        """dpdk: the server's addresses on the TAP (once), and a moment for the workers to
        pick them up."""
        if BACKEND != "dpdk":
            return
        have = sh("ip", "-n", self.srv, "addr", "show", "dev", "chronon0", check=False).stdout
        if self.v4_srv not in have:
            sh("ip", "-n", self.srv, "addr", "add", f"{self.v4_srv}/24", "dev", "chronon0")
            sh("ip", "-n", self.srv, "addr", "add", f"{self.v6_srv}/64", "dev", "chronon0", "nodad")
            time.sleep(1.0)

    def start_chronond(self, conf_text, name="chronond", extra_args=(), ns=None):
        """chronond in the server namespace (or `ns`, then always on the socket backend)."""
        text = self.with_backend(conf_text) if ns in (None, self.srv) else conf_text
        # Each chronond's command socket in the lab's directory (the default is /run/chronon).
        if not any(l.strip().startswith("bindcmdaddress /") for l in text.splitlines()):
            text += f"\nbindcmdaddress {self.cmd_socket(name)}\n"
        if not any(l.strip().startswith("pidfile ") for l in text.splitlines()):
            text += f"\npidfile {self.path(name + '.pid')}\n"
        conf = self.write_conf(f"{name}.conf", text)
        seg = self.path(f"{name}.shm")
        p, log = self.restart_chronond(conf, seg, name, *extra_args, ns=ns)
        return Daemon(self, p, seg, log)

    def cmd_socket(self, name="chronond"):
        return self.path(name + ".cmd.sock")

    def restart_chronond(self, conf_path, seg, name, *extra_args, ns=None):
        """A chronond from conf_path on segment seg (new, or left by one that died); waits
        until it serves. Returns (process, log path)."""
        log = self.path(f"{name}.log")
        if SECCOMP and "-F" not in extra_args:
            extra_args = ("-F", str(SECCOMP), *extra_args)
        p = self.spawn(ns or self.srv, os.path.join(BUILD, "chronond"), "-d", "-x", "-f", conf_path,
                       "-S", seg, *extra_args, log=log)
        wait_for(lambda: "serving NTP" in read(log) or p.poll() is not None, 10,
                 f"chronond did not start: {read(log)}")
        if p.poll() is not None:
            raise AssertionError(f"chronond exited: {read(log)}")
        if ns in (None, self.srv):  # a chronond in the client namespace has no TAP
            self.give_tap_addresses()
        return p, log

    def start_chronyd(self, conf_text, name="chronyd", ns=None):
        """Real chronyd with -x (never touches the clock), its files in the lab's directory and
        its command socket at <name>.sock (for chronyc -h)."""
        conf = self.write_conf(f"{name}.conf", conf_text + (
            f"\npidfile {self.path(name + '.pid')}\ndriftfile {self.path(name + '.drift')}\n"
            f"bindcmdaddress {self.path(name + '.sock')}\ncmdport 0\n"))
        log = self.path(f"{name}.log")
        p = self.spawn(ns or self.srv, "chronyd", "-x", "-d", "-u", "root", "-f", conf, log=log)
        return Daemon(self, p, None, log)

    def chronyc(self, name, *args, ns=None):
        return self.run(ns or self.cli, "chronyc", "-h", self.path(name + ".sock"), *args)

    def counters(self, seg):
        r = sh(os.path.join(BUILD, "chronon"), "-c", "-S", seg, "dataplane")
        total = [l for l in r.stdout.splitlines() if l.startswith("total,")][0].split(",")
        names = ["received", "replied", "send_errors", "interleaved", "kod", "client_evictions",
                 "rx_hw_timestamps", "too_short", "bad_length", "bad_version", "mode6", "mode7", "not_client",
                 "bad_extfield", "auth", "bad_source", "denied", "ratelimited",
                 "frame_too_short", "frame_not_ip", "frame_bad_ip_header", "frame_bad_ip_checksum",
                 "frame_fragment", "frame_not_udp", "frame_ipv6_ext", "frame_bad_udp_length",
                 "frame_bad_udp_checksum", "frame_bad_source", "frame_bad_destination",
                 "kernel_drops"]
        return dict(zip(names, map(int, total[1:])))


class Daemon:
    def __init__(self, lab, proc, seg, log):
        self.lab, self.proc, self.seg, self.log = lab, proc, seg, log

    def pid(self):
        return self.proc.pid

    def dataplane_pid(self):
        r = sh(os.path.join(BUILD, "chronon"), "-S", self.seg, "dataplane")
        for line in r.stdout.splitlines():
            if line.startswith("Dataplane pid"):
                v = line.split(":")[1].strip()
                return int(v) if v.isdigit() else None
        return None

    def kill(self):
        """SIGKILL, as a crash: the dataplane is left running."""
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def gone(pid):
    """True once the process has exited (a zombie counts: it no longer serves)."""
    stat = read(f"/proc/{pid}/stat")
    return not stat or stat[stat.rfind(")") + 2] == "Z"


def wait_for(cond, timeout, msg):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(msg)


# --- raw NTP --------------------------------------------------------------------------------
NTP_EPOCH = 2208988800


def ntp_now():
    t = time.time()
    return (int(t) + NTP_EPOCH) << 32 | int((t % 1) * (1 << 32))


def request(version=4, mode=3, transmit=None, poll=6, extra=b""):
    tx = ntp_now() if transmit is None else transmit
    return struct.pack("!BBbbIIIQQQQ", (version << 3) | mode, 0, poll, 0, 0, 0, 0, 0, 0, 0, tx) + extra


def parse_reply(data):
    f = struct.unpack("!BBbbIIIQQQQ", data[:48])
    return {"leap": f[0] >> 6, "version": (f[0] >> 3) & 7, "mode": f[0] & 7, "stratum": f[1],
            "poll": f[2], "precision": f[3], "root_delay": f[4], "root_dispersion": f[5],
            "refid": f[6], "reference": f[7], "origin": f[8], "receive": f[9], "transmit": f[10],
            "length": len(data)}


def ntp_to_unix(ts):
    return (ts >> 32) - NTP_EPOCH + (ts & 0xffffffff) / 2**32
