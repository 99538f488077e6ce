"""Debian's chronyc (4.3) against chronond's command socket (issue [6/7]).

chronond follows a chronyd server in the lab; `chronyc -h SOCKET` then prints tracking,
sources, sourcestats, activity and serverstats from chronond, in chronyc's own formats,
and commands chronond does not answer get chronyc's error text. Malformed requests on the
socket get no crash and no reply longer than themselves.
"""
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

QUERY = os.path.join(os.path.dirname(__file__), "ntp_query.py")


class Chronyc(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab("cyc").__enter__()
        lab = cls.lab
        lab.start_chronyd("local stratum 3\nallow all\nport 123\n", name="up", ns=lab.cli)
        cls.d = lab.start_chronond(
            f"server {lab.v4_cli} iburst minpoll 0 maxpoll 1 prefer\n"
            f"server 10.255.255.1 minpoll 4 noselect\nallow all\n")
        cls.sock = lab.cmd_socket()
        L.wait_for(lambda: "Selected source" in L.read(cls.d.log), 20, L.read(cls.d.log))
        time.sleep(3)  # a few more samples for sourcestats

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def chronyc(self, *args):
        return self.lab.run(self.lab.srv, "chronyc", "-h", self.sock, *args)

    def test_tracking(self):
        r = self.chronyc("tracking")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertRegex(out, rf"Reference ID    : {int.from_bytes(socket.inet_aton(self.lab.v4_cli), 'big'):08X} \({re.escape(self.lab.v4_cli)}\)")
        self.assertRegex(out, r"Stratum         : 4\n")
        self.assertRegex(out, r"System time     : \d\.\d{9} seconds (fast|slow) of NTP time\n")
        self.assertRegex(out, r"Frequency       : \d+\.\d{3} ppm (fast|slow)\n")
        self.assertRegex(out, r"Leap status     : Normal\n")
        csv = self.chronyc("-c", "tracking").stdout.strip().split(",")
        self.assertEqual(len(csv), 14)
        self.assertEqual(csv[1], self.lab.v4_cli)
        self.assertEqual(csv[2], "4")
        self.assertEqual(csv[13], "Normal")

    def test_sources(self):
        out = self.chronyc("sources").stdout
        self.assertRegex(out, rf"\n\^\* {re.escape(self.lab.v4_cli)}\s+3\s+[01]\s+\d+\s+\d+\s+[-+]\d+[nu]s\[")
        # The unreachable noselect source: '?' (unusable), never sampled: LastRx "-".
        self.assertRegex(out, r"\n\^\? 10\.255\.255\.1\s+0\s+4\s+0\s+-\s+\+0ns\[")
        verbose = self.chronyc("sources", "-v").stdout
        self.assertIn("Source mode  '^' = server, '=' = peer, '#' = local clock.", verbose)
        rows = [l.split(",") for l in self.chronyc("-c", "sources").stdout.strip().splitlines()]
        self.assertEqual([r[:3] for r in rows], [["^", "*", self.lab.v4_cli], ["^", "?", "10.255.255.1"]])

    def test_sourcestats(self):
        out = self.chronyc("sourcestats").stdout
        m = re.search(rf"\n{re.escape(self.lab.v4_cli)}\s+(\d+)\s+(\d+)\s+(\d+)", out)
        self.assertIsNotNone(m, out)
        self.assertGreaterEqual(int(m.group(1)), 3)

    def test_activity_and_serverstats(self):
        out = self.chronyc("activity").stdout
        self.assertIn("200 OK\n2 sources online\n0 sources offline\n", out)
        before = self.serverstats()["NTP packets received"]
        for _ in range(3):
            self.lab.run(self.lab.cli, "python3", QUERY, self.lab.v4_srv, "123", L.request().hex(), "", "1.0")
        L.wait_for(lambda: self.serverstats()["NTP packets received"] >= before + 3, 5,
                   "serverstats did not count the requests")
        self.assertGreater(self.serverstats()["Command packets received"], 0)

    def test_clients_lists_the_lab_client(self):
        for _ in range(4):
            self.lab.run(self.lab.cli, "python3", QUERY, self.lab.v4_srv, "123", L.request().hex(), "", "1.0")
        rows = [l.split(",") for l in self.chronyc("-c", "clients").stdout.strip().splitlines()]
        mine = [r for r in rows if r[0] == self.lab.v4_cli]
        self.assertEqual(len(mine), 1, rows)
        self.assertGreaterEqual(int(mine[0][1]), 4)       # NTP hits
        self.assertLess(int(mine[0][5]), 60)              # seconds since the last
        table = self.chronyc("clients").stdout
        self.assertTrue(table.startswith("Hostname                      NTP   Drop Int IntL Last     Cmd   Drop Int  Last\n"), table)
        # The chronon CLI reads the same list; -p filters by hits.
        cli = os.path.join(L.BUILD, "chronon")
        out = L.sh(cli, "-c", "-h", self.sock, "clients").stdout
        self.assertIn(self.lab.v4_cli + "," + mine[0][1] + ",", out)
        out = L.sh(cli, "-c", "-h", self.sock, "clients", "-p", "1000000").stdout
        self.assertEqual(out, "")

    def serverstats(self):
        out = self.chronyc("serverstats").stdout
        return {k.strip(): int(v) for k, v in (l.split(":") for l in out.strip().splitlines())}

    def test_chronon_cli_prints_what_chronyc_prints(self):
        # Run from the host while chronond runs in the lab's namespace: the CLI's own socket
        # file lies beside chronond's, so the reply finds it.
        cli = os.path.join(L.BUILD, "chronon")
        for args in (["activity"], ["-c", "activity"]):
            mine = L.sh(cli, "-h", self.sock, *args).stdout
            self.assertEqual(mine, self.chronyc("-n", *args).stdout)
        # The never-sampled source's line does not change between two calls.
        unreachable = lambda out: [l for l in out.splitlines() if "10.255.255.1" in l]
        mine = unreachable(L.sh(cli, "-h", self.sock, "sources").stdout)
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine, unreachable(self.chronyc("-n", "sources").stdout))
        self.assertRegex(L.sh(cli, "-h", self.sock, "tracking").stdout,
                         r"Leap status     : Normal\n")

    def test_plain_chronyc_uses_the_udp_command_port(self):
        # No -h: chronyc finds no chronyd socket and asks 127.0.0.1:323, where chronond
        # answers the open commands, as chronyd does.
        r = self.lab.run(self.lab.srv, "chronyc", "-n", "tracking")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"({self.lab.v4_cli})", r.stdout)
        r = self.lab.run(self.lab.srv, "chronyc", "-n", "-h", "::1", "sources")
        self.assertIn(self.lab.v4_cli, r.stdout)
        # Commands that are not open need the Unix socket.
        r = self.lab.run(self.lab.srv, "chronyc", "-n", "-h", "127.0.0.1", "clients")
        self.assertIn("501 Not authorised", r.stdout + r.stderr)
        # The chronon CLI over UDP too, after a socket path that is not there (its default
        # list is the socket, then 127.0.0.1 and ::1, as chronyc's).
        cli = os.path.join(L.BUILD, "chronon")
        r = self.lab.run(self.lab.srv, cli, "-h", self.lab.path("absent.sock") + ",::1", "tracking")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"({self.lab.v4_cli})", r.stdout)
        r = self.lab.run(self.lab.srv, cli, "-h", "127.0.0.1", "clients")
        self.assertEqual(r.returncode, 1)
        self.assertIn("501 Not authorised", r.stderr)
        r = self.lab.run(self.lab.srv, cli, "-h", "127.0.0.1", "-p", "324", "tracking")
        self.assertIn("506 Cannot talk to daemon (127.0.0.1:324: Connection refused)", r.stderr)
        self.assertIn("command port 127.0.0.1:323 [::1]:323", L.read(self.d.log))

    def test_state_commands_from_chronyc_and_the_cli(self):
        cli = os.path.join(L.BUILD, "chronon")
        # Every source offline, then the unreachable one back online.
        r = self.chronyc("offline")
        self.assertIn("200 OK", r.stdout, r.stdout + r.stderr)
        self.assertIn("0 sources online\n2 sources offline\n", self.chronyc("activity").stdout)
        self.assertEqual(L.sh(cli, "-h", self.sock, "online", "10.255.255.0/24").stdout, "200 OK\n")
        self.assertIn("1 sources online\n1 sources offline\n", self.chronyc("activity").stdout)
        r = self.chronyc("online", "192.0.2.77")
        self.assertIn("503 No such source", r.stdout + r.stderr)
        # A burst on the offline upstream: it polls, then goes back to offline.
        r = self.chronyc("burst", "2/3", self.lab.v4_cli)
        self.assertIn("200 OK", r.stdout, r.stdout + r.stderr)
        self.assertIn("1 sources doing burst (return to offline)", self.chronyc("activity").stdout)
        self.assertIn("200 OK", self.chronyc("onoffline").stdout)
        L.wait_for(lambda: "2 sources online" in self.chronyc("activity").stdout, 10, "onoffline")
        # makestep: what is left of the slew goes at once (a virtual clock under -x).
        self.assertIn("200 OK", self.chronyc("makestep").stdout)
        L.wait_for(lambda: "System clock was stepped by" in L.read(self.d.log), 5, L.read(self.d.log))
        self.assertEqual(L.sh(cli, "-h", self.sock, "makestep").stdout, "200 OK\n")
        r = subprocess.run([cli, "-h", self.sock, "burst", "3/2"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("expected GOOD/TOTAL", r.stderr)

    def test_other_users_read_but_may_not_change_state(self):
        # The socket is 0660 root:root; an operator who opens it to everyone (chmod 0666)
        # lets other users read reports, never change state. (chronyc binds its own socket
        # beside chronond's: the directory must be writable for it.)
        lab_mode = os.stat(self.lab.path("")).st_mode & 0o7777
        os.chmod(self.lab.path(""), 0o1777)
        os.chmod(self.sock, 0o666)
        try:
            nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            r = self.lab.run(self.lab.srv, *nobody, "chronyc", "-h", self.sock, "tracking")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = self.lab.run(self.lab.srv, *nobody, "chronyc", "-h", self.sock, "offline")
            self.assertIn("501 Not authorised", r.stdout + r.stderr)
            self.assertIn("2 sources online", self.chronyc("activity").stdout)
        finally:
            os.chmod(self.sock, 0o660)
            os.chmod(self.lab.path(""), lab_mode)

    def test_ntpdata_describes_the_upstream_exchange(self):
        out = self.chronyc("-n", "ntpdata", self.lab.v4_cli).stdout
        self.assertIn(f"Remote address  : {self.lab.v4_cli} (", out)
        self.assertIn(f"Local address   : {self.lab.v4_srv} (", out)
        self.assertIn("Remote port     : 123\n", out)
        self.assertIn("Mode            : Server\n", out)
        self.assertIn("Stratum         : 3\n", out)   # chronyd's local stratum 3
        self.assertIn("NTP tests       : 111 111 1111\n", out)
        self.assertIn("RX timestamping : Kernel\n", out)
        total_good = int(re.search(r"Total good RX   : (\d+)", out).group(1))
        self.assertGreaterEqual(total_good, 3)
        # Without an address: every NTP source with one; the never-answering one has no
        # packet yet.
        out = self.chronyc("-n", "ntpdata").stdout
        self.assertEqual(out.count("Remote address"), 2)
        self.assertIn("Remote address  : 10.255.255.1", out)
        r = self.chronyc("ntpdata", "192.0.2.99")
        self.assertIn("503 No such source", r.stdout + r.stderr)
        # The chronon CLI prints the same report for the never-sampled source.
        cli = os.path.join(L.BUILD, "chronon")
        mine = L.sh(cli, "-h", self.sock, "ntpdata", "10.255.255.1").stdout
        self.assertEqual(mine, self.chronyc("-n", "ntpdata", "10.255.255.1").stdout)

    def test_waitsync_and_makestep_settings(self):
        cli = os.path.join(L.BUILD, "chronon")
        r = subprocess.run([cli, "-h", self.sock, "waitsync", "20", "0", "0", "0.5"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        refid = f"{int.from_bytes(socket.inet_aton(self.lab.v4_cli), 'big'):08X}"
        self.assertIn(f"refid: {refid}", r.stdout)
        self.assertIn("200 OK", self.chronyc("makestep", "0.1", "3").stdout)
        L.wait_for(lambda: "makestep set to threshold 0.1 s, limit 3" in L.read(self.d.log), 5,
                   L.read(self.d.log))
        r = subprocess.run([cli, "-h", self.sock, "makestep", "x", "3"], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("THRESHOLD LIMIT", r.stderr)

    def test_selectdata_says_why(self):
        out = self.chronyc("-n", "selectdata").stdout
        # The followed upstream (prefer) is '*'; the unreachable one is noselect: 'N'.
        self.assertRegex(out, rf"\n\* {re.escape(self.lab.v4_cli)}\s+N -P--- -P--- ")
        self.assertRegex(out, r"\nN 10\.255\.255\.1\s+N N---- N---- ")
        cli = os.path.join(L.BUILD, "chronon")
        mine = [l for l in L.sh(cli, "-h", self.sock, "selectdata").stdout.splitlines()
                if "10.255.255.1" in l]
        self.assertEqual(mine, [l for l in out.splitlines() if "10.255.255.1" in l])

    def test_interactive_mode_reads_commands_from_stdin(self):
        cli = os.path.join(L.BUILD, "chronon")
        r = subprocess.run([cli, "-h", self.sock], input="activity\nfrobnicate\nhelp\nquit\ntracking\n",
                           capture_output=True, text=True, timeout=20)
        self.assertIn("200 OK\n", r.stdout)
        self.assertIn("unknown command 'frobnicate'", r.stderr)
        self.assertIn("Usage: chronon", r.stdout)
        self.assertNotIn("Reference ID", r.stdout)  # after quit

    def test_unanswered_command_gets_chronycs_error(self):
        r = self.chronyc("refresh")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("502 Invalid command", r.stdout + r.stderr)

    def test_malformed_requests_get_no_crash_and_no_amplification(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(self.lab.path("fuzz.sock"))
        s.settimeout(0.3)
        for payload in (b"", b"\x06", b"\x06\x01" + b"\0" * 18, os.urandom(40),
                        struct.pack("!BBBBHHIII", 6, 1, 0, 0, 33, 0, 1, 0, 0),  # unpadded tracking
                        b"\x06\x01" + os.urandom(1000), b"\xff" * 2000):
            try:
                s.sendto(payload, self.sock)
            except OSError:
                continue
            try:
                reply = s.recv(4096)
                self.assertLessEqual(len(reply), len(payload))
            except socket.timeout:
                pass
        # Oversized but well-formed: a 28-byte "packet length mismatch" (status 19) reply.
        s.sendto(struct.pack("!BBBBHHIII", 6, 1, 0, 0, 33, 0, 7, 0, 0) + b"\0" * 1500, self.sock)
        reply = s.recv(4096)
        self.assertEqual(len(reply), 28)
        self.assertEqual(struct.unpack("!H", reply[8:10])[0], 19)
        s.close()
        # Still answering.
        self.assertEqual(self.chronyc("tracking").returncode, 0)

    def test_socket_is_mode_0660(self):
        self.assertEqual(os.stat(self.sock).st_mode & 0o777, 0o660)


class ReloadSources(unittest.TestCase):
    """sourcedir and chronyc reload sources: sources come and go, the others stay."""

    def test_reload_adds_and_removes_sourcedir_sources(self):
        with L.Lab("rld") as lab:
            srcdir = lab.path("sources.d")
            os.mkdir(srcdir)
            with open(os.path.join(srcdir, "a.sources"), "w") as f:
                f.write("server 10.255.255.2 noselect\nserver 10.255.255.3 noselect minpoll 4\n")
            d = lab.start_chronond(f"sourcedir {srcdir}\nserver 10.255.255.9 noselect\n"
                                   "local stratum 9\nallow all\n")
            sock = lab.cmd_socket()
            chronyc = lambda *a: lab.run(lab.srv, "chronyc", "-n", "-h", sock, *a)
            names = lambda: re.findall(r"10\.255\.255\.\d+", chronyc("sources").stdout)
            self.assertEqual(names(), ["10.255.255.9", "10.255.255.2", "10.255.255.3"])
            # .2 goes, .3 stays as it was, .4 comes; the main file's .9 is not touched.
            with open(os.path.join(srcdir, "a.sources"), "w") as f:
                f.write("server 10.255.255.3 noselect minpoll 4\n")
            with open(os.path.join(srcdir, "b.sources"), "w") as f:
                f.write("# another file\nserver 10.255.255.4 noselect\n")
            r = chronyc("reload", "sources")
            self.assertIn("200 OK", r.stdout, r.stdout + r.stderr)
            self.assertEqual(names(), ["10.255.255.9", "10.255.255.3", "10.255.255.4"])
            self.assertIn("reload sources: 1 source added, 1 removed", L.read(d.log))
            self.assertIn("3 sources online", chronyc("activity").stdout)
            # A bad file: the reload fails and nothing changes.
            with open(os.path.join(srcdir, "c.sources"), "w") as f:
                f.write("server 10.255.255.5\nallow all\n")
            r = chronyc("reload", "sources")
            self.assertIn("500 Failure", r.stdout + r.stderr)
            self.assertEqual(names(), ["10.255.255.9", "10.255.255.3", "10.255.255.4"])
            self.assertIn("c.sources:2: 'allow' in a sourcedir file (only server, pool and peer "
                          "lines); the sources are unchanged", L.read(d.log))
            cli = os.path.join(L.BUILD, "chronon")
            os.remove(os.path.join(srcdir, "c.sources"))
            self.assertEqual(L.sh(cli, "-h", sock, "reload", "sources").stdout, "200 OK\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
