#!/usr/bin/env python3
"""Faults under load, on the backend in CHRONON_BACKEND: chronon-loadgen keeps asking from
thousands of addresses while the test kills the dataplane with SIGKILL (chronond restarts it;
the outage is measured from the load generator's 0.25 s steps and must end within 5 s), then
kills chronond itself (the dataplane goes on serving the last state, turns unsynchronised
after `holdover`, and a new chronond reattaches and publishes again).
"""
import os
import signal
import subprocess
import sys
import threading
import time
import json
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import lab as L  # noqa: E402
import bench_lab as B  # noqa: E402

SUBNET = "10.200.0.0/16"
STEP_S = 0.25
DRAIN_S = 0.05
RATE = 5000
HOLDOVER_S = 3
CONF = f"local stratum 10\nallow all\nholdover {HOLDOVER_S}\n"


def full(step):
    """The load generator sent (nearly) what the step asked for: a step it could not send is
    no evidence of serving."""
    return step["sent"] >= 0.8 * RATE * STEP_S


class LoadRecorder:
    """Runs chronon-loadgen in steps and records when each step's line arrived."""

    def __init__(self, cmd):
        self.steps = []  # (monotonic time the step ended, step)
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            self.steps.append((time.monotonic(), json.loads(line)))

    def wait(self):
        err = self.p.stderr.read()
        rc = self.p.wait()
        self.t.join()
        return rc, err

    def steps_between(self, t0, t1):
        """Steps that ran wholly between t0 and t1."""
        step_len = STEP_S + DRAIN_S
        return [s for end, s in self.steps if end - step_len >= t0 and end <= t1]

    def resumed_after(self, t_kill):
        """Seconds from t_kill to the start of the first step, from then on, that sent its
        requests and lost under 1 % of them (None if there is none)."""
        step_len = STEP_S + DRAIN_S
        for end, s in self.steps:
            start = end - step_len
            if start >= t_kill and full(s) and s["loss_pct"] < 1:
                return start - t_kill
        return None


class Faults(unittest.TestCase):
    def stratum_and_leap(self, lab):
        r = lab.run(lab.cli, sys.executable, os.path.join(os.path.dirname(__file__), "ntp_query.py"),
                    lab.v4_srv, "123", L.request().hex(), "", "1")
        rep = json.loads(r.stdout)["reply"]
        if rep is None:
            return None
        p = L.parse_reply(bytes.fromhex(rep))
        return p["stratum"], p["leap"]

    def test_kill_dataplane_then_control_under_load(self):
        with L.Lab("fault") as lab:
            d = lab.start_chronond(CONF)
            mac = B.prepare(L, lab, SUBNET, L.BACKEND)
            time.sleep(0.5)
            steps = 60  # 18 s
            load = LoadRecorder(B.loadgen_cmd(L.BUILD, lab, mac, SUBNET, 5000, [RATE] * steps,
                                              STEP_S, ["--drain", str(DRAIN_S)]))
            try:
                time.sleep(2)
                # 1. The dataplane dies: chronond restarts it.
                old = d.dataplane_pid()
                t_kill = time.monotonic()
                os.kill(old, signal.SIGKILL)
                L.wait_for(lambda: (d.dataplane_pid() or old) != old, 10, "dataplane not restarted")
                time.sleep(3)
                self.assertEqual(self.stratum_and_leap(lab), (10, 0))

                # 2. chronond dies: the dataplane goes on with the last published state...
                dp_pid = d.dataplane_pid()
                d.kill()
                t_control_dead = time.monotonic()
                time.sleep(1)
                self.assertEqual(self.stratum_and_leap(lab), (10, 0), "state not held")
                # ... until the holdover has passed: then unsynchronised, as chronyd without a
                # reference (leap 3; stratum 16, sent as 0).
                time.sleep(HOLDOVER_S + 0.5)
                self.assertEqual(self.stratum_and_leap(lab), (0, 3), "still synchronised after holdover")
                t_restart = time.monotonic()
                # 3. A new chronond reattaches to the running dataplane and publishes again.
                d2 = lab.start_chronond(CONF)
                self.assertIn(f"reattached to running dataplane pid {dp_pid}", L.read(d2.log))
                L.wait_for(lambda: self.stratum_and_leap(lab) == (10, 0), 5,
                           "not synchronised again after chronond came back")
            finally:
                rc, err = load.wait()
            self.assertEqual(rc, 0, err)

            resumed = load.resumed_after(t_kill)
            print(f"{L.BACKEND}: serving resumed {resumed:.2f} s after kill -9 of the dataplane "
                  f"(0.25 s steps)", file=sys.stderr)
            self.assertIsNotNone(resumed, "serving never resumed after the dataplane was killed")
            self.assertLess(resumed, 5.0)
            # While chronond was dead, the dataplane answered everything.
            dead = load.steps_between(t_control_dead, t_restart)
            self.assertGreater(len(dead), 5, load.steps)
            self.assertTrue(all(full(s) for s in dead), dead)
            sent = sum(s["sent"] for s in dead)
            answered = sum(s["answered"] for s in dead)
            self.assertGreaterEqual(answered, 0.99 * sent, dead)
            d2.stop()


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root")
        sys.exit(77)
    unittest.main(verbosity=2)
