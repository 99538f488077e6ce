"""chronond -u USER -F 1 on the backend under test (socket or afxdp): both processes run as a
user the test creates (with a supplementary group), hold exactly the capabilities
sandbox/capability_plan.h gives them, really cannot use the others, are filtered by seccomp,
and still serve NTP and commands; a dataplane killed with SIGKILL comes back the same way.
Also what another local user cannot do: read the shared segment, or reach the command
socket (test_chronyc.py covers 501 for another user once the socket is opened to everyone).
"""
import grp
import json
import os
import pwd
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

CLI = os.path.join(L.BUILD, "chronon")

# Capability numbers (linux/capability.h).
CAP = {"net_bind_service": 10, "net_admin": 12, "net_raw": 13, "ipc_lock": 14, "setpcap": 8,
       "sys_admin": 21, "sys_time": 25, "perfmon": 38, "bpf": 39}


def mask(*names):
    m = 0
    for n in names:
        m |= 1 << CAP[n]
    return m


# What each process may hold after the switch (-x, port 123), written out here from the
# rationale in capability_plan.h rather than taken from the code under test.
CONTROL_OWN = mask("net_bind_service")  # -x: no cap_sys_time
DATAPLANE_START = {
    "socket": mask("net_bind_service", "setpcap"),
    "afxdp": mask("bpf", "perfmon", "net_admin", "net_raw", "ipc_lock", "setpcap"),
}[L.BACKEND]

# Run under given credentials: tries one privileged operation per capability, each chosen so
# that it changes nothing on the host whether it is allowed or not, and prints what happened.
PROBE = r"""
import ctypes, errno, json, socket, struct, fcntl
libc = ctypes.CDLL(None, use_errno=True)
out = {}
def attempt(name, f):
    try:
        r = f()
        out[name] = "allowed" if r is None or r >= 0 else errno.errorcode[ctypes.get_errno()]
    except OSError as e:
        out[name] = errno.errorcode.get(e.errno, str(e.errno))
# cap_sys_time: adjtimex checks the capability before the tick's range (EINVAL if allowed).
timex = ctypes.create_string_buffer(208)
struct.pack_into("I", timex, 0, 0x4000)          # modes = ADJ_TICK
struct.pack_into("q", timex, 88, 1)              # tick = 1, out of range
def adj():
    r = libc.adjtimex(timex)
    return 0 if r < 0 and ctypes.get_errno() == errno.EINVAL else r
attempt("sys_time", adj)
# cap_net_raw: a packet socket, closed at once.
attempt("net_raw", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close())
# cap_net_admin: SIOCSIFFLAGS on an interface that does not exist (ENODEV if allowed).
def ifflags():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        fcntl.ioctl(s, 0x8914, struct.pack("16sH14x", b"chr-none0", 0))
    except OSError as e:
        if e.errno == errno.ENODEV:
            return 0
        raise
attempt("net_admin", ifflags)
# cap_net_bind_service: port 1 on loopback (in use would also mean allowed).
def bind_low():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 1))
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return 0
        raise
    finally:
        s.close()
attempt("net_bind_service", bind_low)
# cap_bpf: a one-entry array map (BPF_MAP_CREATE), closed at once.
attr = ctypes.create_string_buffer(struct.pack("IIII", 2, 4, 4, 1), 128)
def bpf_map():
    fd = libc.syscall(321, 0, attr, 128)
    if fd >= 0:
        libc.close(fd)
    return fd
attempt("bpf", bpf_map)
print(json.dumps(out))
"""


def status(pid):
    """/proc/PID/status of every thread of pid, as a list of dicts."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        fields = {}
        for line in L.read(f"/proc/{pid}/task/{tid}/status").splitlines():
            k, _, v = line.partition(":")
            fields[k] = v.strip()
        if fields:
            out.append(fields)
    return out


def caps(fields, name):
    return int(fields[name], 16)


def cap_list(m):
    return ",".join("+" + n for n, bit in CAP.items() if m >> bit & 1) or "-all"


class Privileges(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab("priv").__enter__()
        # The user must reach the segment in the lab's directory (a dataplane restarted as
        # the user opens it again), as it must reach /run/chronon in a real installation.
        os.chmod(cls.lab.tmp, 0o755)
        tag = os.getpid()
        cls.user, cls.group = f"chrtu{tag}", f"chrtg{tag}"
        cls.other = f"chrto{tag}"
        L.sh("groupadd", cls.group)
        L.sh("useradd", "-M", "-N", "-g", "nogroup", "-G", cls.group, "-s", "/usr/sbin/nologin",
             "-d", "/nonexistent", cls.user)
        L.sh("useradd", "-M", "-N", "-g", "nogroup", "-s", "/usr/sbin/nologin", "-d",
             "/nonexistent", cls.other)
        cls.addClassCleanup(cls.remove_users)
        cls.uid = pwd.getpwnam(cls.user).pw_uid
        cls.gid = pwd.getpwnam(cls.user).pw_gid
        cls.sup_gid = grp.getgrnam(cls.group).gr_gid
        # The driftfile's directory is the operator's to give (chronond only creates logdir).
        os.mkdir(cls.lab.path("state"))
        os.chown(cls.lab.path("state"), cls.uid, cls.gid)
        # The socket and pid file in a directory chronond creates, and so gives to the user,
        # who can then remove them at exit.
        cls.sock = cls.lab.path("run/chronond.sock")
        cls.conf = (f"local stratum 7\nallow all\nlogdir {cls.lab.path('logs')}\nlog tracking\n"
                    f"driftfile {cls.lab.path('state/drift')}\nbindcmdaddress {cls.sock}\n"
                    f"pidfile {cls.lab.path('run/chronond.pid')}\n")
        cls.d = cls.lab.start_chronond(cls.conf, extra_args=("-u", cls.user, "-F", "1"))

    @classmethod
    def remove_users(cls):
        for u in (cls.user, cls.other):
            L.sh("userdel", u, check=False)
        L.sh("groupdel", cls.group, check=False)

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def dataplane(self):
        pid = self.d.dataplane_pid()
        self.assertIsNotNone(pid, "no dataplane pid in the segment")
        return pid

    def ntp_works(self):
        r = self.lab.run(self.lab.cli, "ntpdig", "-j", "-t", "2", self.lab.v4_srv)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(json.loads(r.stdout)["stratum"], 7)

    def as_user(self, user, *args):
        """args run in the server namespace as `user` with no capability at all."""
        pw = pwd.getpwnam(user)
        return self.lab.run(self.lab.srv, "setpriv", f"--reuid={pw.pw_uid}",
                            f"--regid={pw.pw_gid}", "--init-groups", "--inh-caps=-all",
                            "--bounding-set=-all", *args)

    def probe_like(self, fields):
        """The probe under the credentials /proc reports for a process: its user, groups and
        effective capabilities (given as ambient ones, which become effective on exec)."""
        uid, gid = fields["Uid"].split()[0], fields["Gid"].split()[0]
        groups = ",".join(fields["Groups"].split()) or None
        eff = cap_list(caps(fields, "CapEff"))
        args = ["setpriv", f"--reuid={uid}", f"--regid={gid}",
                f"--groups={groups}" if groups else "--clear-groups", f"--inh-caps={eff}"]
        if eff != "-all":
            args.append(f"--ambient-caps={eff}")
        args += ["python3", "-c", PROBE]
        r = self.lab.run(self.lab.srv, *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def check_dataplane_credentials(self, pid):
        threads = status(pid)
        self.assertGreaterEqual(len(threads), 2, "the dataplane's workers are threads")
        for t in threads:
            self.assertEqual(t["Uid"].split(), [str(self.uid)] * 4)
            self.assertEqual(t["Gid"].split(), [str(self.gid)] * 4)
            for name in ("CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd"):
                self.assertEqual(caps(t, name), 0, f"dataplane thread {t['Pid']} {name}")
            self.assertEqual(t["NoNewPrivs"], "1")
            self.assertEqual(t["Seccomp"], "2")
            # control's filter, inherited across execve, and its own
            self.assertEqual(t["Seccomp_filters"], "2")

    def test_control_runs_as_the_user_with_its_own_and_the_dataplanes_capabilities(self):
        threads = status(self.d.pid())
        for t in threads:
            self.assertEqual(t["Uid"].split(), [str(self.uid)] * 4)
            self.assertEqual(t["Gid"].split(), [str(self.gid)] * 4)
            self.assertIn(str(self.sup_gid), t["Groups"].split(), "supplementary group lost")
        main = [t for t in threads if t["Pid"] == str(self.d.pid())][0]
        self.assertEqual(caps(main, "CapEff"), CONTROL_OWN)
        self.assertEqual(caps(main, "CapPrm"), CONTROL_OWN | DATAPLANE_START)
        self.assertEqual(caps(main, "CapInh"), DATAPLANE_START)
        self.assertEqual(caps(main, "CapBnd"), CONTROL_OWN | DATAPLANE_START)
        self.assertEqual(caps(main, "CapAmb"), 0)
        self.assertEqual(main["NoNewPrivs"], "1")
        self.assertEqual(main["Seccomp"], "2")
        self.assertIn(f"running as user {self.user} (uid {self.uid}", L.read(self.d.log))
        self.assertIn("seccomp filter level 1 loaded", L.read(self.d.log))

    def test_dataplane_runs_as_the_user_with_nothing_left(self):
        self.check_dataplane_credentials(self.dataplane())
        self.assertIn(str(self.sup_gid), status(self.dataplane())[0]["Groups"].split())

    def test_dropped_capabilities_are_really_gone(self):
        ctl = [t for t in status(self.d.pid()) if t["Pid"] == str(self.d.pid())][0]
        got = self.probe_like(ctl)
        # control: binding a low port, nothing else (no clock under -x, no network admin,
        # no BPF, although it holds the dataplane's set as permitted).
        self.assertEqual(got["net_bind_service"], "allowed", got)
        for c in ("sys_time", "net_admin", "net_raw", "bpf"):
            self.assertEqual(got[c], "EPERM", (c, got))
        got = self.probe_like(status(self.dataplane())[0])
        for c in ("sys_time", "net_admin", "net_raw", "bpf"):
            self.assertEqual(got[c], "EPERM", (c, got))
        self.assertEqual(got["net_bind_service"], "EACCES", got)
        # The probe itself tells allowed from refused: root's capabilities pass every test.
        root = self.lab.run(self.lab.srv, "python3", "-c", PROBE)
        self.assertEqual(set(json.loads(root.stdout).values()), {"allowed"}, root.stdout)

    def test_ntp_and_commands_still_work(self):
        self.ntp_works()
        r = L.sh(CLI, "-h", self.sock, "tracking")
        self.assertIn("Stratum         : 7", r.stdout)
        self.assertEqual(L.sh(CLI, "-h", self.sock, "cyclelogs").stdout, "200 OK\n")
        self.assertIn("cyclelogs: log files reopened", L.read(self.d.log))
        # `clients` reads the dataplane's tables with process_vm_readv, as the same user.
        r = L.sh(CLI, "-h", self.sock, "clients")
        self.assertIn(self.lab.v4_cli, r.stdout)

    def test_files_chronond_hands_to_its_user(self):
        # Owned by the user, its group still root's: the user's group (nogroup here) is shared
        # with other accounts, which must not read it.
        seg = os.stat(self.d.seg)
        self.assertEqual((seg.st_uid, seg.st_gid, seg.st_mode & 0o777), (self.uid, 0, 0o640))
        sock = os.stat(self.sock)
        self.assertEqual((sock.st_uid, sock.st_mode & 0o777), (self.uid, 0o660))
        for d in ("logs", "run"):  # created by chronond
            self.assertEqual(os.stat(self.lab.path(d)).st_uid, self.uid, d)
        self.assertNotIn("cannot write to", L.read(self.d.log))
        # The lab's own directory existed before: left to its owner.
        self.assertEqual(os.stat(self.lab.tmp).st_uid, 0)

    def test_another_user_cannot_read_the_segment_nor_reach_the_socket(self):
        r = self.as_user(self.other, "python3", "-c", f"open({self.d.seg!r}, 'rb')")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("PermissionError", r.stderr)
        r = self.as_user(self.other, CLI, "-S", self.d.seg, "dataplane")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        # The CLI binds its reply socket beside chronond's: the directory must allow it.
        os.chmod(self.lab.tmp, 0o1777)
        try:
            r = self.as_user(self.other, CLI, "-h", self.sock, "offline")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("Permission denied", r.stderr)
            # chronond's own user may change state, as root may.
            r = self.as_user(self.user, CLI, "-h", self.sock, "cyclelogs")
            self.assertEqual(r.stdout, "200 OK\n", r.stderr)
        finally:
            os.chmod(self.lab.tmp, 0o755)

    def test_unknown_user_and_bad_filter_level_stop_the_start(self):
        conf = self.lab.write_conf("bad.conf", "local stratum 7\ndataplane none\ncmdport 0\n"
                                   f"bindcmdaddress {self.lab.path('bad.sock')}\n"
                                   f"pidfile {self.lab.path('bad.pid')}\n")
        chronond = os.path.join(L.BUILD, "chronond")
        r = L.sh(chronond, "-d", "-x", "-u", "no-such-chronon-user", "-f", conf, "-S",
                 self.lab.path("bad.shm"), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("chronond: user 'no-such-chronon-user' not found", r.stderr)
        self.assertFalse(os.path.exists(self.lab.path("bad.shm")), "started before the check")
        r = L.sh(chronond, "-d", "-x", "-F", "3", "-f", conf, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("invalid -F level '3'", r.stderr)

    def test_zz_killed_dataplane_comes_back_with_the_same_credentials(self):
        old = self.dataplane()
        os.kill(old, signal.SIGKILL)
        L.wait_for(lambda: (self.d.dataplane_pid() or old) != old, 10, "dataplane not restarted")
        self.assertIn("restarting", L.read(self.d.log))
        L.wait_for(lambda: self.lab.run(self.lab.cli, "ntpdig", "-t", "1",
                                        self.lab.v4_srv).returncode == 0, 10,
                   "no NTP after the restart")
        self.ntp_works()
        self.check_dataplane_credentials(self.dataplane())
        self.assertIsNone(self.d.proc.poll(), "chronond died")
        # Control keeps its filter and capabilities through the restart.
        main = [t for t in status(self.d.pid()) if t["Pid"] == str(self.d.pid())][0]
        self.assertEqual(caps(main, "CapEff"), CONTROL_OWN)
        # A clean stop removes what the user was given to remove.
        self.d.stop()
        self.assertFalse(os.path.exists(self.sock))
        self.assertFalse(os.path.exists(self.lab.path("run/chronond.pid")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
