"""A full disk and a read-only logdir/driftfile (issue [8]): chronond says so in one line that
names the file and the reason (once, not once per row), keeps serving synchronised time, leaves
no half row and no damaged driftfile behind, and says when a log is written again and how many
rows it is missing.

The logdir and driftfile are on a small tmpfs that the test mounts (and fills, or mounts
read-only) inside its own directory; chronond follows a real chronyd in the client namespace.
"""
import errno
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

QUERY = os.path.join(os.path.dirname(__file__), "ntp_query.py")
OLD_DRIFT = "12.345000 0.250000\n"


class DiskFaults(unittest.TestCase):
    def setUp(self):
        self.lab = L.Lab("disk").__enter__()
        self.upstream = self.lab.start_chronyd(
            "local stratum 3\nallow all\nport 123\n", name="upstream", ns=self.lab.cli)
        self.mnt = self.lab.path("disk")
        os.mkdir(self.mnt)
        L.sh("mount", "-t", "tmpfs", "-o", "size=128k,mode=0755", "chronon-test", self.mnt)
        self.logdir = os.path.join(self.mnt, "log")
        self.drift = os.path.join(self.mnt, "chronond.drift")
        os.mkdir(self.logdir)
        with open(self.drift, "w") as f:
            f.write(OLD_DRIFT)
        self.filler = os.path.join(self.mnt, "filler")

    def tearDown(self):
        L.sh("umount", "-l", self.mnt, check=False)
        self.lab.close()

    def fill(self):
        """Writes the filler until the tmpfs has no room left."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as e:
            self.assertEqual(e.errno, errno.ENOSPC)
        finally:
            os.close(fd)

    def conf(self):
        return (f"server {self.lab.v4_cli} iburst minpoll 0 maxpoll 0\nallow all\n"
                f"logdir {self.logdir}\nlog measurements statistics tracking\n"
                f"driftfile {self.drift}\n")

    def served(self):
        """(stratum, leap) of chronond's reply from the client namespace, or None."""
        r = self.lab.run(self.lab.cli, "python3", QUERY, self.lab.v4_srv, "123",
                         L.request().hex(), "", "1.0")
        reply = json.loads(r.stdout)["reply"] if r.returncode == 0 else None
        if reply is None:
            return None
        f = L.parse_reply(bytes.fromhex(reply))
        return f["stratum"], f["leap"]

    def assert_serves_synchronised(self, tries=10):
        answers = [self.served() for _ in range(tries)]
        self.assertEqual(answers, [(4, 0)] * tries)

    def wait_synchronised(self):
        L.wait_for(lambda: self.served() == (4, 0), 20, "chronond did not synchronise")

    def wait_log_line(self, d, pattern, timeout=10):
        L.wait_for(lambda: re.search(pattern, L.read(d.log)), timeout,
                   f"no line matching {pattern!r} in: {L.read(d.log)}")

    def test_full_disk_is_reported_once_serving_continues_and_logs_resume(self):
        self.fill()
        d = self.lab.start_chronond(self.conf())
        self.wait_synchronised()
        meas = os.path.join(self.logdir, "measurements.log")
        self.wait_log_line(d, rf"could not write {re.escape(meas)}: No space left on device")
        time.sleep(3)  # several more samples, each a row that cannot be written
        self.assert_serves_synchronised()
        log = L.read(d.log)
        for name in ("measurements", "statistics", "tracking"):
            path = os.path.join(self.logdir, name + ".log")
            self.assertEqual(
                len(re.findall(rf"could not write {re.escape(path)}: No space left on device", log)),
                1, f"{name}: reported once, not once per row:\n{log}")
            self.assertEqual(L.read(path), "", f"{name}: no half row left behind")
        self.assertNotIn("written again", log)

        # Room again: each log starts over with its banner, and chronond says how many rows it
        # could not write.
        os.unlink(self.filler)
        self.wait_log_line(d, rf"{re.escape(meas)} written again; \d+ rows could not be written")
        m = re.search(rf"{re.escape(meas)} written again; (\d+) rows", L.read(d.log))
        self.assertGreaterEqual(int(m.group(1)), 3)
        self.assertTrue(L.read(meas).startswith("===="), L.read(meas))
        self.assertRegex(L.read(meas), rf"\n\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {re.escape(self.lab.v4_cli)} ")
        self.assert_serves_synchronised()

        # Full again at exit: the driftfile cannot be replaced, the old one is kept whole.
        self.fill()
        d.stop()
        self.assertEqual(d.proc.returncode, 0, L.read(d.log))
        self.assertRegex(L.read(d.log), rf"{re.escape(self.drift)}: .*No space left on device")
        self.assertEqual(L.read(self.drift), OLD_DRIFT)
        self.assertEqual(sorted(os.listdir(self.mnt)), ["chronond.drift", "filler", "log"],
                         "no temporary driftfile left behind")

    def test_read_only_logdir_and_driftfile_are_reported_and_serving_continues(self):
        L.sh("mount", "-o", "remount,ro", self.mnt)
        d = self.lab.start_chronond(self.conf())
        self.wait_synchronised()
        meas = os.path.join(self.logdir, "measurements.log")
        self.wait_log_line(d, rf"could not open {re.escape(meas)}: Read-only file system")
        time.sleep(3)
        self.assert_serves_synchronised()
        log = L.read(d.log)
        self.assertEqual(len(re.findall(rf"could not open {re.escape(meas)}", log)), 1, log)
        # The driftfile was read at start (a read-only one is still the frequency to start from).
        self.assertIn(f"Frequency 12.345 +/- 0.250 ppm read from {self.drift}", log)
        d.stop()
        self.assertEqual(d.proc.returncode, 0, L.read(d.log))
        self.assertRegex(L.read(d.log), rf"{re.escape(self.drift)}: .*Read-only file system")
        self.assertEqual(L.read(self.drift), OLD_DRIFT)


if __name__ == "__main__":
    unittest.main()
