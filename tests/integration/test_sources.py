"""chronond following upstream servers (issue [5/7]), with real chronyd on both sides.

chronond runs with -x (its discipline drives a virtual clock, the host clock is only read):
it follows a chronyd server over IPv4 and IPv6, serves stratum+1 with the server's address
(or, for IPv6, the MD5-derived reference ID) as refid, falls back to `local stratum` when the
server goes away, and a chronyd client of chronond sees the right stratum and refid.
"""
import hashlib
import ipaddress
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

QUERY = os.path.join(os.path.dirname(__file__), "ntp_query.py")


def refid_of(addr):
    ip = ipaddress.ip_address(addr)
    if ip.version == 4:
        return int(ip)
    return int.from_bytes(hashlib.md5(ip.packed).digest()[:4], "big")


class Sources(unittest.TestCase):
    def setUp(self):
        self.lab = L.Lab("src").__enter__()
        # The upstream: chronyd in the client namespace, stratum 3 from its local reference.
        self.upstream = self.lab.start_chronyd(
            "local stratum 3\nallow all\nport 123\n", name="upstream", ns=self.lab.cli)

    def tearDown(self):
        self.lab.close()

    def server_state(self, host=None):
        """stratum, refid, leap of chronond's reply, queried from the client namespace."""
        host = host or self.lab.v4_srv
        r = self.lab.run(self.lab.cli, "python3", QUERY, host, "123", L.request().hex(), "", "1.0")
        reply = json.loads(r.stdout)["reply"] if r.returncode == 0 else None
        if reply is None:
            return None
        f = L.parse_reply(bytes.fromhex(reply))
        return f["stratum"], f["refid"], f["leap"], f["root_delay"]

    def wait_state(self, want, timeout=20):
        last = [None]

        def ok():
            last[0] = self.server_state()
            return last[0] is not None and last[0][:3] == want
        try:
            L.wait_for(ok, timeout, "")
        except AssertionError:
            self.fail(f"chronond served {last[0]}, wanted {want}")

    def test_follows_a_chronyd_server_over_ipv4(self):
        logdir, drift = self.lab.path("log"), self.lab.path("chronond.drift")
        d = self.lab.start_chronond(
            f"server {self.lab.v4_cli} iburst minpoll 0 maxpoll 2\nallow all\n"
            f"logdir {logdir}\nlog measurements statistics tracking\ndriftfile {drift}\n")
        self.wait_state((4, refid_of(self.lab.v4_cli), 0))
        self.assertIn(f"Selected source {self.lab.v4_cli}", L.read(d.log))
        # Root delay: the upstream's (0) plus the round trip on the veth, a few hundred us.
        root_delay = self.server_state()[3] / 65536
        self.assertGreater(root_delay, 0)
        self.assertLess(root_delay, 0.01)
        time.sleep(3)  # a few more samples, so every log has rows
        d.stop()
        # chrony's log formats: the banner, then rows naming the source (parsers key on these).
        # Columns are %10.3e after a space: one space before a negative value, two before a
        # positive one.
        num = r"-?\d\.\d{3}e[-+]\d\d"
        meas = L.read(os.path.join(logdir, "measurements.log"))
        self.assertIn("   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score", meas)
        self.assertRegex(meas, rf"\n\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {re.escape(self.lab.v4_cli)}\s+N  3 111 111 1111 "
                               rf"\s*-?\d+\s+-?\d+ -?\d\.\d\d +{num} +{num} +{num} +{num} +{num} 7F7F0101 4B D K")
        stats = L.read(os.path.join(logdir, "statistics.log"))
        self.assertRegex(stats, rf"\n\S+ \S+ {re.escape(self.lab.v4_cli)}\s+{num} +{num}")
        track = L.read(os.path.join(logdir, "tracking.log"))
        self.assertRegex(track, rf"\n\S+ \S+ {re.escape(self.lab.v4_cli)}\s+4 +-?\d+\.\d{{3}} ")
        # The driftfile is written at exit, in chrony's "%20.6f %20.6f" format.
        self.assertRegex(L.read(drift), r"^ *-?\d+\.\d{6} +\d+\.\d{6}\n$")

    def test_follows_a_chronyd_server_over_ipv6_with_an_md5_refid(self):
        self.lab.start_chronond(
            f"server {self.lab.v6_cli} iburst minpoll 0 maxpoll 2\nallow all\n")
        self.wait_state((4, refid_of(self.lab.v6_cli), 0))

    def test_falls_back_to_local_stratum_when_the_server_is_lost(self):
        self.lab.start_chronond(
            f"server {self.lab.v4_cli} iburst minpoll -2 maxpoll -2\nlocal stratum 9\nallow all\n")
        self.wait_state((4, refid_of(self.lab.v4_cli), 0))
        self.upstream.stop()
        # Eight polls of 0.25 s without a reply empty the reachability register.
        self.wait_state((9, 0x7F7F0101, 0), timeout=15)

    def test_unsynchronised_until_the_first_sample(self):
        # A server that does not answer (nothing listens on that port): leap 3, stratum 0.
        self.lab.start_chronond(f"server {self.lab.v4_cli} port 1234 iburst\nallow all\n")
        time.sleep(3)
        self.assertEqual(self.server_state()[:3], (0, 0, 3))

    def test_chronyd_client_of_chronond_sees_its_stratum_and_refid(self):
        self.lab.start_chronond(
            f"server {self.lab.v4_cli} iburst minpoll 0 maxpoll 2\nallow all\n")
        self.wait_state((4, refid_of(self.lab.v4_cli), 0))
        self.lab.start_chronyd(f"server {self.lab.v4_srv} iburst minpoll 0 maxpoll 1\nport 0\n",
                               name="client", ns=self.lab.cli)
        out = [""]

        def synced():
            out[0] = self.lab.chronyc("client", "tracking").stdout
            return re.search(r"Stratum\s*:\s*5\b", out[0]) is not None
        try:
            L.wait_for(synced, 30, "")
        except AssertionError:
            self.fail("chronyd did not synchronise to chronond:\n" + out[0])
        self.assertRegex(out[0], rf"Reference ID\s*:\s*{refid_of(self.lab.v4_srv):08X}")
        self.assertRegex(out[0], r"Leap status\s*:\s*Normal")

    def test_chronyd_computes_the_same_ipv6_refid(self):
        # chronyd following chronond over IPv6 names it by the same MD5-derived refid that
        # chronond serves for an IPv6 upstream.
        self.lab.start_chronond("local stratum 6\nallow all\n")
        self.lab.start_chronyd(f"server {self.lab.v6_srv} iburst minpoll 0 maxpoll 1\nport 0\n",
                               name="client6", ns=self.lab.cli)
        out = [""]

        def synced():
            out[0] = self.lab.chronyc("client6", "tracking").stdout
            return re.search(r"Stratum\s*:\s*7\b", out[0]) is not None
        try:
            L.wait_for(synced, 30, "")
        except AssertionError:
            self.fail("chronyd did not synchronise to chronond:\n" + out[0])
        self.assertRegex(out[0], rf"Reference ID\s*:\s*{refid_of(self.lab.v6_srv):08X}")

    def xleave_rows(self, upstream_addr, name):
        logdir = self.lab.path(name + "-log")
        d = self.lab.start_chronond(
            f"server {upstream_addr} iburst minpoll 0 maxpoll 0 xleave\nallow all\n"
            f"logdir {logdir}\nlog measurements\n", name=name)
        path = os.path.join(logdir, "measurements.log")
        L.wait_for(lambda: L.read(path).count(" 4I ") >= 3, 20, L.read(path) + L.read(d.log))
        return L.read(path)

    def test_xleave_gets_interleaved_replies_from_chronyd(self):
        rows = self.xleave_rows(self.lab.v4_cli, "xl")
        # The first exchange is basic, the following ones interleaved ("4I" in MTxRx).
        self.assertIn(" 4B ", rows)
        self.assertRegex(rows, rf"{re.escape(self.lab.v4_cli)}\s+N  3 111 111 1111 .* 4I D K")

    @unittest.skipUnless(L.BACKEND == "socket", "the upstream chronond runs on the socket backend")
    def test_xleave_gets_interleaved_replies_from_chronond(self):
        self.upstream.stop()
        self.lab.start_chronond("local stratum 3\nallow all\n", name="up", ns=self.lab.cli)
        rows = self.xleave_rows(self.lab.v4_cli, "xl2")
        self.assertRegex(rows, rf"{re.escape(self.lab.v4_cli)}\s+N  3 111 111 1111 .* 4I D K")

    def test_unresolvable_name_is_logged_and_serving_goes_on(self):
        d = self.lab.start_chronond(
            "server no-such-host.invalid iburst\nlocal stratum 10\nallow all\n")
        # Serving starts at once; the lookup fails in the background and is said once.
        self.wait_state((10, 0x7F7F0101, 0))
        L.wait_for(lambda: "cannot resolve 'no-such-host.invalid'" in L.read(d.log), 30,
                   L.read(d.log))


@unittest.skipUnless(L.BACKEND == "socket", "inline and none replace the dataplane process")
class OneProcess(unittest.TestCase):
    """`dataplane inline` and `dataplane none`: the whole daemon is one single-threaded
    process (DESIGN.md), as a syscall-level simulator needs it."""

    def setUp(self):
        self.lab = L.Lab("one").__enter__()
        self.lab.start_chronyd("local stratum 3\nallow all\nport 123\n", name="upstream",
                               ns=self.lab.cli)

    def tearDown(self):
        self.lab.close()

    def assert_single_threaded_without_children(self, pid):
        status = L.read(f"/proc/{pid}/status")
        self.assertRegex(status, r"\nThreads:\s+1\n")
        children = L.read(f"/proc/{pid}/task/{pid}/children").split()
        self.assertEqual(children, [])

    def test_inline_serves_clients_from_chrononds_own_loop(self):
        d = self.lab.start_chronond(
            f"dataplane inline\nserver {self.lab.v4_cli} iburst minpoll 0 maxpoll 2\nallow all\n")
        self.assertIn("inline: the socket backend in chronond's own loop", L.read(d.log))
        want = (4, refid_of(self.lab.v4_cli), 0)
        got = [None]

        def served():
            r = self.lab.run(self.lab.cli, "python3", QUERY, self.lab.v4_srv, "123",
                             L.request().hex(), "", "1.0")
            reply = json.loads(r.stdout)["reply"]
            if reply:
                f = L.parse_reply(bytes.fromhex(reply))
                got[0] = (f["stratum"], f["refid"], f["leap"])
            return got[0] == want
        try:
            L.wait_for(served, 20, "")
        except AssertionError:
            self.fail(f"served {got[0]}, wanted {want}")
        self.assert_single_threaded_without_children(d.pid())
        # The CLI reads the same segment: one worker, backend "inline", requests counted.
        c = self.lab.counters(d.seg)
        self.assertGreater(c["replied"], 0)
        out = L.sh(os.path.join(L.BUILD, "chronon"), "-S", d.seg, "dataplane").stdout
        self.assertRegex(out, r"Backend\s*:\s*inline")

    def test_none_follows_sources_and_serves_nobody(self):
        d = self.lab.start_chronond(
            f"dataplane none\nserver {self.lab.v4_cli} iburst minpoll 0 maxpoll 2\nallow all\n")
        L.wait_for(lambda: "Selected source" in L.read(d.log), 20, L.read(d.log))
        r = self.lab.run(self.lab.cli, "python3", QUERY, self.lab.v4_srv, "123",
                         L.request().hex(), "", "1.0")
        self.assertIsNone(json.loads(r.stdout)["reply"])
        self.assert_single_threaded_without_children(d.pid())


class Refclocks(unittest.TestCase):
    """This machine has no PTP hardware clock: what can be checked is the start-up error."""

    def test_missing_phc_device_is_a_start_up_error_naming_the_line(self):
        with L.Lab("rc") as lab:
            conf = lab.write_conf("rc.conf", "local stratum 10\nrefclock PHC /dev/ptp97 poll 2\n")
            r = lab.run(lab.srv, os.path.join(L.BUILD, "chronond"), "-x", "-f", conf,
                        "-S", lab.path("rc.shm"))
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(f"{conf}:2: refclock PHC /dev/ptp97: No such file or directory", r.stderr)

    def test_tai_without_a_leap_table_is_a_start_up_error(self):
        with L.Lab("rc") as lab:
            conf = lab.write_conf("rc.conf", "refclock PHC /dev/ptp97 tai\n")
            r = lab.run(lab.srv, os.path.join(L.BUILD, "chronond"), "-x", "-f", conf,
                        "-S", lab.path("rc.shm"))
            self.assertEqual(r.returncode, 1)
            # The device is checked first; both problems name the line.
            self.assertIn(f"{conf}:1: refclock PHC", r.stderr)


class Peers(unittest.TestCase):
    """Symmetric mode (modes 1/2) on port 123, shared with the dataplane serving clients."""

    def setUp(self):
        self.lab = L.Lab("peer").__enter__()

    def tearDown(self):
        self.lab.close()

    def state(self, ns, host):
        r = self.lab.run(ns, "python3", QUERY, host, "123", L.request().hex(), "", "1.0")
        reply = json.loads(r.stdout)["reply"] if r.returncode == 0 else None
        if reply is None:
            return None
        f = L.parse_reply(bytes.fromhex(reply))
        return f["stratum"], f["refid"], f["leap"]

    def wait_state(self, ns, host, want, timeout=30):
        last = [None]

        def ok():
            last[0] = self.state(ns, host)
            return last[0] == want
        try:
            L.wait_for(ok, timeout, "")
        except AssertionError:
            self.fail(f"{host} served {last[0]}, wanted {want}")

    def test_chronond_and_chronyd_as_peers(self):
        lab = self.lab
        lab.start_chronyd(f"local stratum 5\nallow all\nport 123\n"
                          f"peer {lab.v4_srv} iburst minpoll 0 maxpoll 1\n", name="chronyd",
                          ns=lab.cli)
        d = lab.start_chronond(f"peer {lab.v4_cli} iburst minpoll 0 maxpoll 1\nallow all\n")
        # chronond follows its peer (stratum 5 -> 6) while its dataplane serves clients on the
        # same port.
        self.wait_state(lab.cli, lab.v4_srv, (6, refid_of(lab.v4_cli), 0))
        self.assertIn(f"Selected source {lab.v4_cli}", L.read(d.log))
        # chronyd sees chronond as a reachable peer ('=' mode) answering its packets.
        out = [""]

        def reached():
            out[0] = lab.chronyc("chronyd", "sources").stdout
            m = re.search(rf"^=.\s+{re.escape(lab.v4_srv)}\s+\d+\s+-?\d+\s+(\d+)", out[0], re.M)
            return m is not None and int(m.group(1), 8) != 0
        try:
            L.wait_for(reached, 20, "")
        except AssertionError:
            self.fail("chronyd does not reach chronond as a peer:\n" + out[0])

    def assert_one_leads(self, leader, follower, lead_addr, lead_at, follow_at):
        """`leader` serves its local reference at stratum 8 and `follower` follows it at 9;
        *_at: the (namespace, address) each is queried at."""
        self.wait_state(*follow_at, (9, refid_of(lead_addr), 0))
        time.sleep(4)
        self.assertEqual(self.state(*lead_at), (8, 0x7F7F0101, 0))
        self.assertNotIn("Selected source", L.read(leader.log))
        self.assertIn(f"Selected source {lead_addr}", L.read(follower.log))

    def test_two_chronond_peers_do_not_loop(self):
        lab = self.lab
        # A: local stratum 8, peer B. B: peer A only. B follows A (stratum 9); A must not
        # follow B back (B's refid is A's address: chrony's test D).
        a = lab.start_chronond(f"local stratum 8\nallow all\npeer {lab.v4_cli} iburst minpoll 0 maxpoll 1\n",
                               name="a")
        b = lab.start_chronond(f"allow all\npeer {lab.v4_srv} iburst minpoll 0 maxpoll 1\n",
                               name="b", ns=lab.cli)
        self.assert_one_leads(a, b, lab.v4_srv, (lab.cli, lab.v4_srv), (lab.srv, lab.v4_cli))

    def test_two_chronond_in_orphan_mode_follow_the_smaller_address(self):
        lab = self.lab
        # Both `local stratum 8 orphan`, peering with each other, no other source. B
        # (10.x.7.2, in the client namespace) starts first; A (10.x.7.1) has the smaller
        # refid, so A serves its local reference and B follows A, whichever came up first.
        conf = "local stratum 8 orphan\nallow all\npeer {} iburst minpoll 0 maxpoll 1\n"
        b = lab.start_chronond(conf.format(lab.v4_srv), name="b", ns=lab.cli)
        a = lab.start_chronond(conf.format(lab.v4_cli), name="a")
        self.assert_one_leads(a, b, lab.v4_srv, (lab.cli, lab.v4_srv), (lab.srv, lab.v4_cli))
        self.assertEqual(self.state(lab.srv, lab.v4_cli), (9, refid_of(lab.v4_srv), 0))
        self.assertNotIn("not implemented", L.read(a.log))
        # The leader goes away: B loses it after 8 polls without a reply and serves its own
        # local reference at stratum 8.
        a.stop()
        # Asked from its own namespace: with dpdk, the server namespace's addresses went
        # with A's TAP interface.
        self.wait_state(lab.cli, lab.v4_cli, (8, 0x7F7F0101, 0), timeout=40)
        self.assertIn("Can't synchronise: no selectable sources", L.read(b.log))

    def test_orphan_mode_over_ipv6_compares_the_md5_refids(self):
        lab = self.lab
        # Over IPv6 the refids are MD5 hashes of the addresses (ours: of the address the
        # socket to the peer is bound to), so which one leads depends on the hashes.
        conf = "local stratum 8 orphan\nallow all\npeer {} iburst minpoll 0 maxpoll 1\n"
        b = lab.start_chronond(conf.format(lab.v6_srv), name="b", ns=lab.cli)
        a = lab.start_chronond(conf.format(lab.v6_cli), name="a")
        a_leads = refid_of(lab.v6_srv) < refid_of(lab.v6_cli)
        leader, follower = (a, b) if a_leads else (b, a)
        lead_addr = lab.v6_srv if a_leads else lab.v6_cli
        follow_ns, follow_host = (lab.srv, lab.v4_cli) if a_leads else (lab.cli, lab.v4_srv)
        lead_ns, lead_host = (lab.cli, lab.v4_srv) if a_leads else (lab.srv, lab.v4_cli)
        self.assert_one_leads(leader, follower, lead_addr, (lead_ns, lead_host),
                              (follow_ns, follow_host))

    def test_without_orphan_two_chronond_at_the_same_local_stratum_follow_nobody(self):
        lab = self.lab
        # The same pair without `orphan`: chronon's rule (a source at or above the local
        # stratum is never selected) leaves each serving its own local reference.
        conf = "local stratum 8\nallow all\npeer {} iburst minpoll 0 maxpoll 1\n"
        b = lab.start_chronond(conf.format(lab.v4_srv), name="b", ns=lab.cli)
        a = lab.start_chronond(conf.format(lab.v4_cli), name="a")
        time.sleep(8)
        self.assertEqual(self.state(lab.cli, lab.v4_srv), (8, 0x7F7F0101, 0))
        self.assertEqual(self.state(lab.srv, lab.v4_cli), (8, 0x7F7F0101, 0))
        self.assertNotIn("Selected source", L.read(a.log))
        self.assertNotIn("Selected source", L.read(b.log))


if __name__ == "__main__":
    unittest.main(verbosity=2)
