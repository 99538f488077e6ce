"""[3/7] What only the AF_XDP backend has, on a veth pair between two namespaces: traffic the XDP
program leaves to the kernel (ARP, ICMP, TCP, an upstream server's replies, peers' packets),
the program's life cycle (killed dataplane, stale program, someone else's program, a second
chronon on the same interface) and the device-bound RX-timestamp variant.
The tests shared with the socket backend run from test_socket_backend.py and test_policy.py
with CHRONON_BACKEND=afxdp.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

QUERY = os.path.join(os.path.dirname(__file__), "ntp_query.py")
CHRONOND = os.path.join(L.BUILD, "chronond")


def xdp_prog(lab):
    """(id, name) of the XDP program on the server's veth, or None."""
    r = L.sh("ip", "-n", lab.srv, "-d", "-j", "link", "show", "dev", lab.srv_dev)
    link = json.loads(r.stdout)[0]
    prog = (link.get("xdp") or {}).get("prog")
    if not prog:
        return None
    return prog["id"], prog.get("name", "")


def prog_exists(prog_id):
    return subprocess.run(["bpftool", "prog", "show", "id", str(prog_id)],
                          capture_output=True).returncode == 0


def report(lab, seg):
    r = L.sh(os.path.join(L.BUILD, "chronon"), "-S", seg, "dataplane")
    out = {}
    for line in r.stdout.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def ask(lab, payload, host=None, port=123, ns=None, timeout=1.0):
    r = lab.run(ns or lab.cli, "python3", QUERY, host or lab.v4_srv, str(port), payload.hex(), "",
                str(timeout))
    rep = json.loads(r.stdout)["reply"] if r.returncode == 0 else None
    return None if rep is None else bytes.fromhex(rep)


class KernelTraffic(unittest.TestCase):
    """Everything but NTP client requests still reaches the server's kernel."""

    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab("xk").__enter__()
        cls.d = cls.lab.start_chronond(f"local stratum 10\nallow {cls.lab.v4_cli}\n"
                                       f"allow {cls.lab.v6_cli}\n")

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def test_ntp_is_answered_from_af_xdp(self):
        before = report(self.lab, self.d.seg)
        self.assertEqual(before["Backend"], "afxdp")
        self.assertEqual(before["XDP mode"], "native")
        r = self.lab.run(self.lab.cli, "ntpdig", "-j", "-t", "3", self.lab.v4_srv)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        L.wait_for(lambda: int(report(self.lab, self.d.seg)["XDP to workers"]) >
                   int(before["XDP to workers"]), 3, "request not redirected by XDP")

    def test_arp_icmp_and_ipv6_neighbour_discovery_pass(self):
        L.sh("ip", "-n", self.lab.cli, "neigh", "flush", "dev", self.lab.cli_dev)
        for host in (self.lab.v4_srv, self.lab.v6_srv):
            r = self.lab.run(self.lab.cli, "ping", "-c", "2", "-W", "2", host)
            self.assertEqual(r.returncode, 0, host + ": " + r.stdout + r.stderr)

    def test_tcp_connection_to_the_server_namespace_works(self):
        srv = self.lab.spawn(self.lab.srv, "python3", "-c",
                             "import socket\n"
                             "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                             "s.bind(('0.0.0.0', 2222)); s.listen(1)\n"
                             "c, _ = s.accept(); c.sendall(b'hello over the kernel'); c.close()\n")
        got = ""
        for _ in range(50):
            r = self.lab.run(self.lab.cli, "python3", "-c",
                             f"import socket\ns = socket.create_connection(('{self.lab.v4_srv}', 2222), 2)\n"
                             "print(s.recv(100).decode())\n")
            if r.returncode == 0:
                got = r.stdout.strip()
                break
            time.sleep(0.1)
        srv.wait(timeout=5)
        self.assertEqual(got, "hello over the kernel")

    def test_upstream_server_replies_reach_the_kernel(self):
        # chronond's own client traffic uses kernel sockets: a server on the client side
        # (chronyd) answers a client in the server namespace through the XDP program.
        lab = self.lab
        cd = lab.start_chronyd("port 123\nlocal stratum 3\nallow all\n", name="upstream",
                               ns=lab.cli)
        L.wait_for(lambda: "chronyd version" in L.read(cd.log), 10, "chronyd did not start")
        r = None
        for _ in range(20):
            r = lab.run(lab.srv, "ntpdig", "-j", "-t", "2", lab.v4_cli)
            if r.returncode == 0:
                break
            time.sleep(0.2)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(json.loads(r.stdout)["stratum"], 3)
        cd.stop()

    def test_peer_packets_to_port_123_go_to_the_kernel_and_modes_6_7_are_dropped(self):
        seg = self.d.seg
        before, counters_before = report(self.lab, seg), self.lab.counters(seg)
        self.assertIsNone(ask(self.lab, L.request(mode=1), timeout=0.3))  # symmetric active
        self.assertIsNone(ask(self.lab, L.request(mode=2), timeout=0.3))  # symmetric passive
        self.assertIsNone(ask(self.lab, L.request(mode=6), timeout=0.3))
        self.assertIsNone(ask(self.lab, L.request(mode=7), timeout=0.3))
        L.wait_for(lambda: self.lab.counters(seg)["mode7"] > counters_before["mode7"], 3,
                   "mode 7 not counted")
        after, counters_after = report(self.lab, seg), self.lab.counters(seg)
        # The peers' packets never reached a worker; the kernel had them (and no socket).
        self.assertEqual(counters_after["not_client"], counters_before["not_client"])
        self.assertGreaterEqual(int(after["XDP to kernel"]) - int(before["XDP to kernel"]), 2)
        self.assertEqual(counters_after["mode6"] - counters_before["mode6"], 1)
        self.assertEqual(counters_after["mode7"] - counters_before["mode7"], 1)

    def test_requests_for_other_addresses_are_left_to_the_kernel(self):
        # An address the server does not have (routed through it): not steered.
        lab = self.lab
        other = lab.v4_srv.rsplit(".", 1)[0] + ".99"
        L.sh("ip", "-n", lab.cli, "neigh", "replace", other, "lladdr",
             json.loads(L.sh("ip", "-n", lab.srv, "-j", "link", "show", lab.srv_dev).stdout)[0]["address"],
             "dev", lab.cli_dev)
        before = report(lab, self.d.seg)
        self.assertIsNone(ask(lab, L.request(), host=other, timeout=0.3))
        time.sleep(0.3)
        after = report(lab, self.d.seg)
        self.assertEqual(after["XDP to workers"], before["XDP to workers"])
        self.assertGreater(int(after["XDP to kernel"]), int(before["XDP to kernel"]))


class Lifecycle(unittest.TestCase):
    def test_killed_dataplane_replaces_its_program_and_clean_stop_removes_it(self):
        with L.Lab("xl") as lab:
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n")
            first = xdp_prog(lab)
            self.assertIsNotNone(first)
            self.assertEqual(first[1], "ntp_steer")
            old_dp = d.dataplane_pid()
            os.kill(old_dp, signal.SIGKILL)
            L.wait_for(lambda: (d.dataplane_pid() or old_dp) != old_dp, 10, "dataplane not restarted")
            L.wait_for(lambda: ask(lab, L.request(), timeout=0.2) is not None, 10,
                       "no reply after the restart")
            second = xdp_prog(lab)
            self.assertEqual(second[1], "ntp_steer")
            self.assertNotEqual(second[0], first[0])
            # The killed dataplane's program went with its link: one program, not two.
            L.wait_for(lambda: not prog_exists(first[0]), 5,
                       f"program {first[0]} of the killed dataplane is still loaded")
            d.stop()
            L.wait_for(lambda: xdp_prog(lab) is None, 5, "XDP program left after a clean stop")
            self.assertFalse(prog_exists(second[0]))

    def test_stale_program_attached_by_netlink_is_replaced(self):
        obj = os.path.join(L.BUILD, "ebpf", "ntp_steer.bpf.o")
        with L.Lab("xs") as lab:
            L.sh("ip", "-n", lab.srv, "link", "set", "dev", lab.srv_dev, "xdpgeneric", "obj", obj,
                 "sec", "xdp")
            stale = xdp_prog(lab)
            self.assertIsNotNone(stale)
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n")
            self.assertIn(f"replaced a stale ntp_steer XDP program (id {stale[0]})", L.read(d.log))
            now = xdp_prog(lab)
            self.assertNotEqual(now[0], stale[0])
            self.assertIsNotNone(ask(lab, L.request()))

    def test_another_programs_xdp_is_left_alone(self):
        with L.Lab("xf") as lab:
            src = lab.write_conf("other.bpf.c",
                                 "#include <linux/bpf.h>\n"
                                 "__attribute__((section(\"xdp\"), used))\n"
                                 "int other_prog(struct xdp_md *ctx) { return XDP_PASS; }\n"
                                 "char LICENSE[] __attribute__((section(\"license\"), used)) = \"GPL\";\n")
            obj = lab.path("other.bpf.o")
            L.sh("clang", "-O2", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", src,
                 "-o", obj)
            L.sh("ip", "-n", lab.srv, "link", "set", "dev", lab.srv_dev, "xdpgeneric", "obj", obj,
                 "sec", "xdp")
            theirs = xdp_prog(lab)
            conf = lab.write_conf("f.conf", lab.with_backend(f"local stratum 10\nallow all\n") +
                                  f"pidfile {lab.path('f.pid')}\n")
            r = lab.run(lab.srv, CHRONOND, "-d", "-x", "-f", conf, "-S", lab.path("f.shm"))
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(f"{lab.srv_dev} already has XDP program 'other_prog' (id {theirs[0]}); "
                          "chronon does not replace other programs", r.stderr)
            self.assertEqual(xdp_prog(lab), theirs)

    def test_second_chronon_on_the_same_interface_is_refused(self):
        with L.Lab("x2") as lab:
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n")
            mine = xdp_prog(lab)
            conf = lab.write_conf("2.conf", lab.with_backend("local stratum 9\nallow all\n") +
                                  f"pidfile {lab.path('2.pid')}\n")
            t0 = time.monotonic()
            r = lab.run(lab.srv, CHRONOND, "-d", "-x", "-f", conf, "-S", lab.path("2.shm"))
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("is served by another chronon-dataplane", r.stderr)
            self.assertLess(time.monotonic() - t0, 8)
            self.assertEqual(xdp_prog(lab), mine)
            rep = ask(lab, L.request())
            self.assertEqual(L.parse_reply(rep)["stratum"], 10)
            d.stop()


class Pinning(unittest.TestCase):
    def allowed_cpus(self, pid):
        """Cpus_allowed_list of each thread of pid."""
        out = []
        for tid in os.listdir(f"/proc/{pid}/task"):
            for line in L.read(f"/proc/{pid}/task/{tid}/status").splitlines():
                if line.startswith("Cpus_allowed_list:"):
                    out.append(line.split(":", 1)[1].strip())
        return out

    def test_cpus_pins_the_queue_worker_and_it_serves(self):
        last = os.cpu_count() - 1
        with L.Lab("xp") as lab:
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n"
                                   f"dataplane afxdp {lab.srv_dev} cpus {last}\n")
            self.assertEqual(L.parse_reply(ask(lab, L.request()))["stratum"], 10)
            threads = self.allowed_cpus(d.dataplane_pid())
            # One queue: one worker, on the CPU asked for; the main thread is not pinned.
            self.assertEqual(threads.count(str(last)), 1, threads)
            self.assertGreater(len(threads), 1, threads)
            d.stop()

    def test_cpu_the_dataplane_cannot_use_stops_the_start_saying_so(self):
        with L.Lab("xq") as lab:
            conf = lab.write_conf("p.conf", f"local stratum 10\nallow all\n"
                                  f"dataplane afxdp {lab.srv_dev} cpus 1023\n"
                                  f"pidfile {lab.path('p.pid')}\n"
                                  f"bindcmdaddress {lab.path('p.sock')}\n")
            r = lab.run(lab.srv, CHRONOND, "-d", "-x", "-f", conf, "-S", lab.path("p.shm"))
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("cannot pin a worker to CPU 1023: not one this process may run on",
                          r.stderr)
            self.assertIsNone(xdp_prog(lab))


class RxTimestampVariant(unittest.TestCase):
    def test_hwtimestamp_loads_the_device_bound_program_and_serves(self):
        # veth implements the XDP RX-timestamp kfunc but has no hardware clock: the variant
        # loads and runs, no frame carries a NIC timestamp, and requests get the batch time.
        with L.Lab("xt") as lab:
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n"
                                   f"hwtimestamp {lab.srv_dev}\n")
            log = L.read(d.log)
            self.assertIn("NIC RX timestamps through XDP metadata", log)
            r = lab.run(lab.cli, "ntpdig", "-j", "-t", "3", lab.v4_srv)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertLess(abs(json.loads(r.stdout)["offset"]), 0.05)
            rep = report(lab, d.seg)
            self.assertEqual(rep["XDP RX timestamps"], "0")
            self.assertEqual(rep["HW RX timestamps"], "0")


if __name__ == "__main__":
    unittest.main(verbosity=2)
