"""Debian's chronyc (4.3) smoothing, smoothtime and reselect against chronond.

chronond with `smoothtime` follows a chronyd server in the lab. `chronyc smoothing` prints
chronond's smoothing state in chronyc's format (and `chronon smoothing` the same text),
`chronyc smoothtime reset|activate` and `chronyc reselect` get "200 OK" and act: activate
unlocks the smoothing, reset starts it again from now, reselect selects the source again
(chronond logs it). A chronond without smoothtime answers as chronyd does: "505 Facility not
enabled in daemon". State-changing commands are refused on the UDP command port.
"""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

CHRONON = os.path.join(L.BUILD, "chronon")

# chronyc 4.3's process_cmd_smoothing (print_report with %B %s, %+.9f, %+.6f, %.1f).
SMOOTHING = re.compile(
    r"Active         : (Yes|No) (\(leap second only\))?\n"
    r"Offset         : [-+]\d+\.\d{9} seconds\n"
    r"Frequency      : [-+]\d+\.\d{6} ppm\n"
    r"Wander         : [-+]\d+\.\d{6} ppm per second\n"
    r"Last update    : \d+\.\d seconds ago\n"
    r"Remaining time : \d+\.\d seconds\n\Z")


class ChronycSmoothing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab("csm").__enter__()
        lab = cls.lab
        try:
            lab.start_chronyd("local stratum 3\nallow all\nport 123\n", name="up", ns=lab.cli)
            # A wander limit so small that the skew never unlocks it by itself within the
            # test (chronyd's rule: skew under 10000 times MAX-WANDER): only activate does.
            cls.d = lab.start_chronond(
                f"server {lab.v4_cli} iburst minpoll 0 maxpoll 1\n"
                "smoothtime 400 0.000000001\nallow all\n")
            cls.sock = lab.cmd_socket()
            L.wait_for(lambda: "Selected source" in L.read(cls.d.log), 20, L.read(cls.d.log))
            cls.plain = lab.start_chronond("local stratum 9\ndataplane none\n", name="plain",
                                           ns=lab.cli)
        except BaseException:
            lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def chronyc(self, *args, sock=None):
        return self.lab.run(self.lab.srv, "chronyc", "-n", "-h", sock or self.sock, *args)

    def chronon(self, *args):
        return self.lab.run(self.lab.srv, CHRONON, "-h", self.sock, *args)

    def smoothing(self):
        r = self.chronyc("smoothing")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, SMOOTHING)
        return dict(l.split(" : ", 1) for l in r.stdout.splitlines())

    def test_1_locked_until_activated_then_reset(self):
        s = self.smoothing()
        # Locked: chronyc's "No " (the empty leap-only note keeps its space), all zero.
        self.assertEqual(s["Active        "], "No ")
        self.assertEqual(s["Last update   "], "0.0 seconds ago")
        self.assertEqual(s["Offset        "], "+0.000000000 seconds")
        # chronon prints the very same text (nothing moves while locked).
        a, b = self.chronyc("smoothing"), self.chronon("smoothing")
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(b.stdout, a.stdout)
        csv = self.chronon("-c", "smoothing")
        self.assertEqual(csv.stdout, self.chronyc("-c", "smoothing").stdout)
        self.assertEqual(csv.stdout, "No,,0.000000000,0.000000,0.000000,0.0,0.0\n")

        r = self.chronyc("smoothtime", "activate")
        self.assertEqual((r.returncode, r.stdout), (0, "200 OK\n"), r.stderr)
        self.assertIn("Time smoothing activated", L.read(self.d.log))
        s = self.smoothing()
        self.assertEqual(s["Active        "], "Yes ")
        # reset: from zero again, its last update now (clock updates, every second or two,
        # move it too; the unit tests tell the two apart).
        time.sleep(1.5)
        r = self.chronon("smoothtime", "reset")
        self.assertEqual((r.returncode, r.stdout), (0, "200 OK\n"), r.stderr)
        s = self.smoothing()
        self.assertEqual(s["Active        "], "Yes ")
        self.assertLess(float(s["Last update   "].split()[0]), 1.0)
        self.assertIn("Time smoothing reset", L.read(self.d.log))
        r = self.chronyc("smoothtime", "reset")
        self.assertEqual((r.returncode, r.stdout), (0, "200 OK\n"), r.stderr)

    def test_reselect(self):
        before = L.read(self.d.log).count("Selected source")
        r = self.chronyc("reselect")
        self.assertEqual((r.returncode, r.stdout), (0, "200 OK\n"), r.stderr)
        # The same source, selected again from scratch (chronyd logs it again too).
        L.wait_for(lambda: L.read(self.d.log).count("Selected source") > before, 5,
                   L.read(self.d.log))
        self.assertIn(f"reselect: Selected source {self.lab.v4_cli}", L.read(self.d.log))
        r = self.chronon("reselect")
        self.assertEqual((r.returncode, r.stdout), (0, "200 OK\n"), r.stderr)

    def test_refused_on_the_network_port(self):
        # smoothing is open (PERMIT_OPEN); smoothtime and reselect need the Unix socket.
        r = self.lab.run(self.lab.srv, "chronyc", "-n", "-h", "127.0.0.1", "smoothing")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, SMOOTHING)
        for cmd in (["smoothtime", "reset"], ["smoothtime", "activate"], ["reselect"]):
            with self.subTest(cmd):
                r = self.lab.run(self.lab.srv, "chronyc", "-n", "-h", "127.0.0.1", *cmd)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("501 Not authorised", r.stdout + r.stderr)

    def test_without_smoothtime_505(self):
        sock = self.lab.cmd_socket("plain")
        for cmd in (["smoothing"], ["smoothtime", "reset"]):
            with self.subTest(cmd):
                r = self.lab.run(self.lab.cli, "chronyc", "-n", "-h", sock, *cmd)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("505 Facility not enabled in daemon", r.stdout + r.stderr)
                c = self.lab.run(self.lab.cli, CHRONON, "-h", sock, *cmd)
                self.assertEqual(c.returncode, 1)
                self.assertIn("505 Facility not enabled in daemon", c.stderr)

    def test_usage(self):
        r = self.chronon("smoothtime", "now")
        self.assertEqual(r.returncode, 2)
        self.assertIn("smoothtime", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
