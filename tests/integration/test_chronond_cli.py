"""chronond as an operator meets it: --help, a bad configuration line stops it before it
serves anything (file:line on stderr, non-zero exit), and the seed's chrony.conf starts it
with no directive left unimplemented.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

CHRONOND = os.path.join(L.BUILD, "chronond")
SEED = os.path.join(os.path.dirname(__file__), "..", "data", "config", "primary.conf")


class ChronondCommandLine(unittest.TestCase):
    def test_help_and_version(self):
        r = subprocess.run([CHRONOND, "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        for flag in ("-f FILE", "-d", "-x", "--help"):
            self.assertIn(flag, r.stdout)
        r = subprocess.run([CHRONOND, "-v"], capture_output=True, text=True)
        self.assertRegex(r.stdout, r"^chronond \(chronon\) \d+\.\d+")

    def test_unknown_option_is_an_error(self):
        r = subprocess.run([CHRONOND, "--frobnicate"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)

    def test_bad_line_stops_it_with_file_and_line(self):
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "bad.conf")
            with open(conf, "w") as f:
                f.write("local stratum 10\nallow 127.0.0.1\nratelimit interval x\n")
            seg = os.path.join(d, "seg")
            r = subprocess.run([CHRONOND, "-d", "-x", "-f", conf, "-S", seg],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 1)
            self.assertIn(f"{conf}:3: invalid value of option 'interval' 'x' for 'ratelimit'",
                          r.stderr)
            self.assertFalse(os.path.exists(seg), "no segment: nothing was started")

    def test_missing_file(self):
        r = subprocess.run([CHRONOND, "-d", "-x", "-f", "/nonexistent.conf"], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read configuration file '/nonexistent.conf'", r.stderr)


class Daemon(unittest.TestCase):
    """Without -d chronond detaches, but only once it serves; failures reach the terminal."""

    def _refused(self, line):
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "x.conf")
            with open(conf, "w") as f:
                f.write(f"{line}\nlocal stratum 10\npidfile {d}/x.pid\n")
            r = subprocess.run([CHRONOND, "-x", "-f", conf, "-S", os.path.join(d, "seg")],
                               capture_output=True, text=True, timeout=10)
            return conf, r

    def test_dpdk_without_its_port_fails_with_what_to_do(self):
        helptext = subprocess.run([os.path.join(L.BUILD, "chronon-dataplane"), "--help"],
                                  capture_output=True, text=True).stdout
        if "dpdk (not in this build)" in helptext:
            self.skipTest("built without libdpdk")
        with L.Lab("dpdkno") as lab:
            conf = lab.write_conf("n.conf", "local stratum 10\npidfile " + lab.path("n.pid") +
                                  "\ndataplane dpdk net_nosuch0 lcores 0,1 eal \"--no-huge -m 128 "
                                  "--no-pci\"\n")
            r = lab.run(lab.srv, CHRONOND, "-x", "-f", conf, "-S", lab.path("n.shm"))
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("the dataplane did not start", r.stderr)
            self.assertIn("no DPDK port 'net_nosuch0': bind the NIC to vfio-pci", r.stderr)

    def test_afxdp_on_a_missing_interface_fails_before_detaching(self):
        conf, r = self._refused("dataplane afxdp nosuchif0")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{conf}:1: no network interface 'nosuchif0'", r.stderr)

    def test_daemon_exits_0_when_serving_and_1_with_the_dataplane_error(self):
        with L.Lab("daemon") as lab:
            conf = lab.write_conf("d.conf", f"local stratum 10\nallow {lab.v4_cli}\n"
                                            f"pidfile {lab.path('d.pid')}\n")
            r = lab.run(lab.srv, CHRONOND, "-x", "-f", conf, "-S", lab.path("d.shm"))
            self.assertEqual(r.returncode, 0, r.stderr)
            q = lab.run(lab.cli, "ntpdig", "-j", lab.v4_srv)
            self.assertEqual(q.returncode, 0, q.stdout + q.stderr)
            pid = int(L.read(lab.path("d.pid")).strip())
            os.kill(pid, 15)
            L.wait_for(lambda: not os.path.exists(lab.path("d.pid")), 10, "chronond did not stop")

            # An address that is not ours: the dataplane cannot bind, and says why.
            bad = lab.write_conf("b.conf", f"local stratum 10\nbindaddress 192.0.2.99\n"
                                           f"pidfile {lab.path('b.pid')}\n")
            r = lab.run(lab.srv, CHRONOND, "-x", "-f", bad, "-S", lab.path("b.shm"))
            self.assertEqual(r.returncode, 1)
            self.assertIn("the dataplane did not start: chronon-dataplane: cannot bind "
                          "192.0.2.99:123", r.stderr)


class Reattach(unittest.TestCase):
    def test_restart_with_other_settings_replaces_the_dataplane(self):
        with L.Lab("reat") as lab:
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\ndataplane socket threads 1\n")
            old = d.dataplane_pid()
            d.kill()
            conf = lab.write_conf("c2.conf", f"local stratum 10\nallow {lab.v4_cli}\n"
                                             f"dataplane socket threads 2\n"
                                             f"pidfile {lab.path('c2.pid')}\n")
            d2, log = lab.restart_chronond(conf, d.seg, "c2")
            self.assertNotIn("reattached", L.read(log))
            self.assertIn("started dataplane pid", L.read(log))
            L.wait_for(lambda: L.gone(old), 5, "old dataplane runs")
            r = lab.run(lab.cli, "ntpdig", "-j", lab.v4_srv)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            d2.terminate()
            d2.wait()


class PortInUse(unittest.TestCase):
    def test_second_instance_on_the_same_port_is_refused(self):
        with L.Lab("dup") as lab:
            lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n")
            conf = lab.write_conf("second.conf", f"local stratum 10\npidfile {lab.path('2.pid')}\n")
            r = lab.run(lab.srv, CHRONOND, "-d", "-x", "-f", conf, "-S", lab.path("2.shm"))
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("cannot bind 0.0.0.0:123 (another NTP server, or another chronon, "
                          "serves it)", r.stderr)
            pids = lab.run(lab.srv, "pgrep", "-c", "-f", "^" + os.path.join(L.BUILD, "chronon-dataplane"))
            self.assertEqual(pids.stdout.strip(), "1")


class ReplacedBinary(unittest.TestCase):
    """A dataplane left running by a dead chronond, started from a copy of the binary."""

    @staticmethod
    def _orphan_dataplane(lab):
        binary = lab.path("chronon-dataplane")
        shutil.copy(os.path.join(L.BUILD, "chronon-dataplane"), binary)
        d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n",
                               extra_args=("--dataplane", binary))
        old = d.dataplane_pid()
        d.kill()  # control dies; the dataplane keeps serving
        return binary, d.seg, old

    def test_dataplane_from_an_upgraded_binary_is_replaced_not_duplicated(self):
        with L.Lab("upg") as lab:
            binary, seg, old = self._orphan_dataplane(lab)
            os.unlink(binary)  # the upgrade: a new file at the same path
            shutil.copy(os.path.join(L.BUILD, "chronon-dataplane"), binary)
            d3, log = lab.restart_chronond(lab.path("chronond.conf"), seg, "d3",
                                           "--dataplane", binary)
            self.assertNotIn("reattached", L.read(log))
            L.wait_for(lambda: L.gone(old), 5, "old dataplane still runs")
            pids = lab.run(lab.srv, "pgrep", "-f", "^" + binary).stdout.split()
            self.assertEqual(len(pids), 1, pids)
            d3.terminate()
            d3.wait()

    def test_dataplane_of_another_build_on_the_same_segment_is_replaced(self):
        with L.Lab("oth") as lab:
            _, seg, old = self._orphan_dataplane(lab)
            # The same segment, the default dataplane (another path): the old one must go.
            d2, _ = lab.restart_chronond(lab.path("chronond.conf"), seg, "d2")
            L.wait_for(lambda: L.gone(old), 5, "the other build's dataplane still runs")
            d2.terminate()
            d2.wait()


class SeedConfig(unittest.TestCase):
    def test_seed_chrony_conf_serves_with_nothing_left_unimplemented(self):
        with open(SEED) as f:
            seed = f.read()
        with L.Lab("seed") as lab:
            # The seed's files go to the lab's directory, never to the host's /var.
            seed = seed.replace("/var/lib/chrony/chrony.drift", lab.path("chrony.drift"))
            seed = seed.replace("/var/log/chrony", lab.path("log"))
            # The seed serves 10.0.0.0/8; the lab's client is in it. Its servers and peer are
            # unreachable from the lab (and its host names do not resolve there): chronond
            # must still start at once and serve its local stratum.
            d = lab.start_chronond(seed)
            log = L.read(d.log)
            for directive in ("server", "peer", "stratumweight", "rtcsync", "makestep",
                              "leapsectz", "logchange", "driftfile", "logdir", "log"):
                self.assertNotIn(f"'{directive}' accepted, not implemented yet", log)
            self.assertNotIn("not implemented yet", log)  # every seed directive works
            self.assertIn("noclientlog only turns off client statistics", log)
            self.assertIn("local stratum 8", log)
            r = lab.run(lab.cli, "ntpdig", "-j", lab.v4_srv)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn('"stratum":8', r.stdout.replace(" ", ""))
            # dataplane takes its options after the command too, and refuses stray words.
            cli = os.path.join(L.BUILD, "chronon")
            out = subprocess.run([cli, "dataplane", "-c", "--segment", d.seg],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertRegex(out.stdout, r"(?m)^total,1,1,")
            out = subprocess.run([cli, "dataplane", "stray"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 2)
            self.assertIn("unexpected argument 'stray'", out.stderr)
            # chronyc's commands reach chronond over its command socket.
            out = subprocess.run([cli, "-h", lab.cmd_socket(), "tracking"], capture_output=True,
                                 text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("Stratum         : 8\n", out.stdout)
            # The seed has noclientlog: no client list, as chronyd says.
            out = subprocess.run([cli, "-h", lab.cmd_socket(), "clients"], capture_output=True,
                                 text=True)
            self.assertEqual(out.returncode, 1)
            self.assertIn("519 Client logging is not active in the daemon", out.stderr)


class HardwareTimestamps(unittest.TestCase):
    """veth has no hardware timestamps: chronond must say so and serve with software ones
    (the conversion path is unit-tested with a simulated PHC; see README)."""

    def test_hwtimestamp_without_hardware_falls_back_to_software(self):
        with L.Lab("hwts") as lab:
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n"
                                   f"hwtimestamp {lab.srv_dev} minpoll -2 rxfilter all\n"
                                   f"hwtimestamp *\n")
            L.wait_for(lambda: "using software timestamps" in L.read(d.log), 5, L.read(d.log))
            log = L.read(d.log)
            self.assertIn(f"{lab.srv_dev} has no hardware RX timestamps; using software "
                          "timestamps", log)
            self.assertIn("hwtimestamp *: no interface has hardware RX timestamps", log)
            self.assertNotIn("'hwtimestamp' accepted, not implemented", log)
            r = lab.run(lab.cli, "ntpdig", "-j", lab.v4_srv)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            c = lab.counters(d.seg)
            self.assertEqual(c["replied"], 1)
            self.assertEqual(c["rx_hw_timestamps"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
