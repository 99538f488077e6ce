"""The chronon CLI prints what Debian's chronyc (4.3) prints, byte for byte (issue [6/7]).

cmdmon_fixture answers chrony's command protocol with fixed reports that cover every source
mode and state, IPv4, IPv6, reference clocks, unresolved sources, and each unit of the
offset, frequency and interval columns. Both clients ask the same fixture; their standard
output must be identical for every command and option combination below.
"""
import os
import subprocess
import tempfile
import unittest

BUILD = os.environ.get("CHRONON_BUILD",
                       os.path.join(os.path.dirname(__file__), "..", "..", "build"))
FIXTURE = os.path.join(BUILD, "tests", "integration", "cmdmon_fixture")
CHRONON = os.path.join(BUILD, "chronon")

# Global options first, then the command and its own options (chronyc's order).
CASES = [
    ([], ["tracking"]),
    (["-c"], ["tracking"]),
    (["-N"], ["tracking"]),
    ([], ["sources"]),
    ([], ["sources", "-v"]),
    ([], ["sources", "-a"]),
    ([], ["sources", "-a", "-v"]),
    (["-c"], ["sources", "-a"]),
    (["-c"], ["sources", "-v"]),
    (["-N"], ["sources", "-a"]),
    (["-N", "-c"], ["sources"]),
    ([], ["sourcestats"]),
    ([], ["sourcestats", "-v", "-a"]),
    (["-c"], ["sourcestats", "-a"]),
    (["-N"], ["sourcestats"]),
    ([], ["activity"]),
    (["-c"], ["activity"]),
    ([], ["smoothing"]),
    (["-c"], ["smoothing"]),
    ([], ["serverstats"]),
    (["-c"], ["serverstats"]),
    ([], ["clients"]),
    ([], ["clients", "-k"]),
    ([], ["clients", "-p", "1000"]),
    (["-c"], ["clients"]),
    (["-c"], ["clients", "-k", "-p", "10"]),
    ([], ["ntpdata"]),
    (["-c"], ["ntpdata"]),
    ([], ["ntpdata", "10.99.0.1"]),
    ([], ["ntpdata", "fd00:1234::abcd"]),
    ([], ["waitsync", "3"]),
    ([], ["selectdata"]),
    ([], ["selectdata", "-v", "-a"]),
    (["-c"], ["selectdata", "-a"]),
    (["-N"], ["selectdata"]),
    (["-c"], ["waitsync"]),
]


class SameAsChronyc(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="chronon-fmt-")
        cls.sock = os.path.join(cls.dir.name, "fixture.sock")
        cls.fixture = subprocess.Popen([FIXTURE, cls.sock], stdout=subprocess.PIPE, text=True)
        assert cls.fixture.stdout.readline().strip() == "ready"

    @classmethod
    def tearDownClass(cls):
        cls.fixture.terminate()
        cls.fixture.wait(timeout=10)
        cls.dir.cleanup()

    def run_both(self, opts, cmd):
        # chronyc -n: no reverse DNS lookups (chronon never does them).
        chronyc = subprocess.run(["chronyc", "-n", "-h", self.sock] + opts + cmd,
                                 capture_output=True, text=True, timeout=20)
        chronon = subprocess.run([CHRONON, "-h", self.sock] + opts + cmd,
                                 capture_output=True, text=True, timeout=20)
        return chronyc, chronon

    def test_every_report_matches_chronyc(self):
        for opts, cmd in CASES:
            with self.subTest(" ".join(opts + cmd)):
                chronyc, chronon = self.run_both(opts, cmd)
                self.assertEqual(chronyc.returncode, 0, chronyc.stdout + chronyc.stderr)
                self.assertEqual(chronon.returncode, 0, chronon.stderr)
                self.assertTrue(chronyc.stdout.strip())
                self.assertEqual(chronon.stdout, chronyc.stdout)

    def test_fixture_covers_the_columns_units(self):
        # Guards the fixture itself: if it lost its variety, the comparison above would
        # prove less. Units of the sources' offset columns and LastRx intervals:
        _, chronon = self.run_both([], ["sources", "-a"])
        out = chronon.stdout
        for unit in ("ns]", "us]", "ms]", "s]", "m]", "   25m ", "   11h ", "    4d "):
            self.assertIn(unit, out)
        for mark in ("^*", "^?", "=+", "#-", "^x", "^~", "ID#0000000003"):
            self.assertIn(mark, out)

    def test_waitsync_that_gives_up_matches_chronyc(self):
        # The fixture's correction (7.6 us) is over the limit: two tries, then failure.
        chronyc, chronon = self.run_both([], ["waitsync", "2", "0.000001", "0", "0.1"])
        self.assertNotEqual(chronyc.returncode, 0)
        self.assertEqual(chronon.returncode, 1)
        self.assertEqual(chronon.stdout, chronyc.stdout)
        self.assertEqual(chronon.stdout.count("try: "), 2)

    def test_clients_span_pages_and_units(self):
        _, chronon = self.run_both([], ["clients"])
        lines = chronon.stdout.splitlines()
        self.assertEqual(len(lines), 2 + 11)  # header, rule, 11 clients over two pages
        for text in ("4000000000", "65535", "   -", "  -4", "1199", "fd00::7"):
            self.assertIn(text, chronon.stdout)

    def test_multiple_commands_with_m(self):
        r = subprocess.run([CHRONON, "-h", self.sock, "-m", "activity", "sources -v"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("200 OK\n5 sources online\n1 sources offline\n", r.stdout)
        self.assertIn("Source mode  '^' = server", r.stdout)


class Errors(unittest.TestCase):
    def test_no_daemon_names_the_socket(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "absent.sock")
            r = subprocess.run([CHRONON, "-h", path, "tracking"], capture_output=True, text=True,
                               timeout=20)
            self.assertEqual(r.returncode, 1)
            self.assertIn("506 Cannot talk to daemon", r.stderr)
            self.assertIn(path, r.stderr)

    def test_usage_errors(self):
        for args, text in ((["-p", "0", "tracking"], "a port number is expected"),
                           (["-h", "/a.sock,,127.0.0.1", "tracking"], "an empty entry"),
                           (["-h", "/nonexistent", "sources", "-x"], "unknown option '-x'"),
                           (["-h", "/nonexistent", "tracking", "extra"], "takes no arguments"),
                           (["-h", "/nonexistent", "frobnicate"], "unknown command 'frobnicate'")):
            with self.subTest(args):
                r = subprocess.run([CHRONON] + args, capture_output=True, text=True, timeout=20)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(text, r.stderr)

    def test_help_and_version(self):
        r = subprocess.run([CHRONON, "--help"], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0)
        self.assertIn("sources [-a] [-v]", r.stdout)
        r = subprocess.run([CHRONON, "-v"], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^chronon \d+\.\d+")


if __name__ == "__main__":
    unittest.main(verbosity=2)
