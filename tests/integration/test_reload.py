#!/usr/bin/env python3
"""chronon reload and SIGHUP: chronond reads its configuration file again while serving.
allow/deny take effect for the next request (a new policy generation in the dataplane),
sources are added and removed, a file with an error changes nothing (the error names file
and line, and serving goes on as before), and dataplane settings that need a restart are
named.
"""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

CHRONON = os.path.join(L.BUILD, "chronon")
QUERY = os.path.join(os.path.dirname(__file__), "ntp_query.py")


class Reload(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab("reload").__enter__()
        lab = cls.lab
        cls.d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n")
        cls.conf = lab.path("chronond.conf")
        with open(cls.conf) as f:
            # What the lab appended (command socket, pidfile) stays in every version.
            cls.tail = f.read().split(f"allow {lab.v4_cli}\n", 1)[1]

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def write(self, body):
        with open(self.conf, "w") as f:
            f.write(body + "\n" + self.tail)

    def reload(self):
        return subprocess.run([CHRONON, "-h", self.lab.cmd_socket(), "reload"],
                              capture_output=True, text=True, timeout=10)

    def served(self, src):
        r = self.lab.run(self.lab.cli, sys.executable, QUERY, self.lab.v4_srv, "123",
                         L.request().hex(), src, "0.5")
        return json.loads(r.stdout)["reply"] is not None

    def sources(self):
        r = subprocess.run([CHRONON, "-h", self.lab.cmd_socket(), "-n", "sources"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("MS Name/IP address", r.stdout)
        return r.stdout

    def test_1_allow_deny_change_while_serving(self):
        lab = self.lab
        self.assertTrue(self.served(lab.v4_cli))
        self.assertFalse(self.served(lab.v4_cli2))
        self.write(f"local stratum 10\nallow {lab.v4_cli2}\n")
        r = self.reload()
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "200 OK"), r.stderr)
        self.assertIn(f"reload: {self.conf} re-read; allow/deny: 1 rule, ratelimit: off",
                      L.read(self.d.log))
        self.assertFalse(self.served(lab.v4_cli))
        self.assertTrue(self.served(lab.v4_cli2))

    def test_2_a_bad_file_changes_nothing(self):
        lab = self.lab
        self.write(f"local stratum 10\nallow {lab.v4_cli}\nallow 10.0.0.0/33\n")
        r = self.reload()
        self.assertEqual(r.returncode, 1)
        self.assertIn("500 Failure", r.stderr)
        self.assertIn("kept the configuration in force", r.stderr)
        log = L.read(self.d.log)
        self.assertIn(f"{self.conf}:3:", log)
        self.assertIn("the configuration in force is unchanged", log)
        # Still the previous file's policy.
        self.assertFalse(self.served(lab.v4_cli))
        self.assertTrue(self.served(lab.v4_cli2))

    def test_3_sources_are_added_and_removed(self):
        lab = self.lab
        self.write(f"local stratum 10\nallow {lab.v4_cli2}\nserver 192.0.2.77 iburst\n")
        self.assertEqual(self.reload().returncode, 0)
        self.assertIn("sources: 1 source added, 0 removed", L.read(self.d.log))
        self.assertIn("192.0.2.77", self.sources())
        self.write(f"local stratum 10\nallow {lab.v4_cli2}\n")
        self.assertEqual(self.reload().returncode, 0)
        self.assertIn("sources: 0 sources added, 1 removed", L.read(self.d.log))
        self.assertNotIn("192.0.2.77", self.sources())

    def test_4_sighup_reloads_too_and_restart_settings_are_named(self):
        lab = self.lab
        self.write(f"local stratum 10\nallow {lab.v4_cli}\nport 124\n")
        before = L.read(self.d.log).count("re-read;")
        os.kill(self.d.pid(), signal.SIGHUP)
        L.wait_for(lambda: L.read(self.d.log).count("re-read;") > before, 5, "SIGHUP did not reload")
        log = L.read(self.d.log)
        self.assertIn("SIGHUP: log files reopened", log)
        self.assertIn("take effect when chronond restarts", log)
        self.assertTrue(self.served(lab.v4_cli))  # still on port 123
        self.assertFalse(self.served(lab.v4_cli2))


if __name__ == "__main__":
    unittest.main(verbosity=2)
