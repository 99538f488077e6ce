"""chronond's OpenMetrics endpoint (`metrics 127.0.0.1:PORT`) scraped with real curl.

chronond follows a chronyd server in the lab and serves its metrics inside the server's
namespace; curl fetches them there, and prometheus_client's parsers (Debian's
python3-prometheus-client) read both formats. The values agree with what chronyc shows, the
NTP request counter goes up after a query, other paths and methods get 404 and 405, and a port
that is taken stops chronond at start-up naming the address.
"""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
    from prometheus_client.parser import text_string_to_metric_families as parse_text
except ImportError:
    # Debian's package under another python3 on PATH (such as pyenv's): use it from there.
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
    from prometheus_client.parser import text_string_to_metric_families as parse_text

QUERY = os.path.join(os.path.dirname(__file__), "ntp_query.py")
PORT = 9123
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def samples(families):
    """{(sample name, frozenset(labels)): value} of parsed families."""
    return {(s.name, frozenset(s.labels.items())): s.value for f in families for s in f.samples}


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab("met").__enter__()
        lab = cls.lab
        lab.start_chronyd("local stratum 3\nallow all\nport 123\n", name="up", ns=lab.cli)
        cls.conf_text = (f"server {lab.v4_cli} iburst minpoll 0 maxpoll 1 prefer\nallow all\n"
                         f"metrics 127.0.0.1:{PORT}\n")
        cls.d = lab.start_chronond(cls.conf_text)
        L.wait_for(lambda: "Selected source" in L.read(cls.d.log), 20, L.read(cls.d.log))

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def curl(self, *args, path="/metrics"):
        """(status, headers dict, body) of one request from inside the server's namespace."""
        r = self.lab.run(self.lab.srv, "curl", "-sS", "-i", "--max-time", "5", *args,
                         f"http://127.0.0.1:{PORT}{path}")
        self.assertEqual(r.returncode, 0, r.stderr)
        # (text mode has already turned the CR LF line ends into LF)
        head, _, body = r.stdout.replace("\r\n", "\n").partition("\n\n")
        lines = head.split("\n")
        headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        return int(lines[0].split()[1]), headers, body

    def scrape(self):
        status, headers, body = self.curl("-H", "Accept: application/openmetrics-text; version=1.0.0")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], OPENMETRICS)
        self.assertTrue(body.endswith("# EOF\n"))
        return samples(parse_om(body))

    def test_tracking(self):
        m = self.scrape()
        self.assertEqual(m[("chronon_tracking_stratum", frozenset())], 4)
        self.assertEqual(m[("chronon_tracking_leap_status", frozenset())], 0)
        ref = f"{int.from_bytes(socket.inet_aton(self.lab.v4_cli), 'big'):08X}"
        self.assertEqual(m[("chronon_tracking_reference_info",
                            frozenset({("ref_id", ref), ("address", self.lab.v4_cli)}))], 1)
        self.assertLess(abs(m[("chronon_tracking_root_delay_seconds", frozenset())]), 1.0)

    def test_source(self):
        src = frozenset({("address", self.lab.v4_cli), ("mode", "client")})
        m = self.scrape()
        self.assertEqual(m[("chronon_source_info", src | {("state", "selected")})], 1)
        self.assertGreater(m[("chronon_source_reach", src)], 0)
        self.assertEqual(m[("chronon_source_stratum", src)], 3)
        self.assertIn(m[("chronon_source_poll_interval_seconds", src)], (1, 2))
        self.assertGreaterEqual(m[("chronon_source_samples", src)], 1)
        self.assertLess(abs(m[("chronon_source_last_sample_offset_seconds", src)]), 1.0)

    def test_requests_counter_goes_up_after_a_query(self):
        def requests():
            m = self.scrape()
            workers = sum(v for (n, _), v in m.items() if n == "chronon_dataplane_requests_total")
            return workers, m[("chronon_serverstats_ntp_packets_received_total", frozenset())]
        before, before_stats = requests()
        for _ in range(3):
            self.lab.run(self.lab.cli, "python3", QUERY, self.lab.v4_srv, "123",
                         L.request().hex(), "", "1.0")
        L.wait_for(lambda: requests()[0] >= before + 3, 5, "the request counter did not go up")
        self.assertGreaterEqual(requests()[1], before_stats + 3)
        m = self.scrape()
        self.assertIn(("chronon_dataplane_drops_total",
                       frozenset({("worker", "0"), ("reason", "ratelimited")})), m)

    def test_plain_clients_get_the_text_format(self):
        status, headers, body = self.curl()
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        self.assertNotIn("# EOF", body)
        m = samples(parse_text(body))
        self.assertEqual(m[("chronon_tracking_stratum", frozenset())], 4)
        # HEAD: the same headers, no body.
        status, headers, body = self.curl("-I")
        self.assertEqual((status, body), (200, ""))
        self.assertGreater(int(headers["content-length"]), 1000)

    def test_other_paths_and_methods(self):
        status, _, body = self.curl(path="/")
        self.assertEqual(status, 404)
        self.assertIn("/metrics", body)
        status, headers, _ = self.curl("-X", "POST", "-d", "x=1")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET, HEAD")
        status, _, _ = self.curl("-H", "X-Big: " + "a" * 9000)
        self.assertEqual(status, 431)
        # Still serving after all that.
        self.assertEqual(self.curl()[0], 200)

    def test_port_in_use_stops_the_start_naming_the_address(self):
        lab = self.lab
        conf = lab.write_conf("second.conf", (
            f"local stratum 10\nmetrics 127.0.0.1:{PORT}\n"
            f"bindcmdaddress {lab.path('second.sock')}\npidfile {lab.path('second.pid')}\n"))
        r = lab.run(lab.srv, os.path.join(L.BUILD, "chronond"), "-d", "-x", "-f", conf,
                    "-S", lab.path("second.shm"), timeout=20)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"{conf}:2: cannot listen for metrics on 127.0.0.1:{PORT}: "
                      "Address already in use", r.stderr)
        self.assertNotIn("serving NTP", r.stderr)
        # The first one is untouched.
        self.assertEqual(self.curl()[0], 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
