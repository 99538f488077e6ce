"""[2/7] policy against real chrony, in a namespace pair: rate limiting side by side with
chronyd under the same `ratelimit`, Kiss-o'-Death that makes a chronyd client back off, and
interleaved mode as chronyd clients with `xleave` see it (chronyc ntpdata).
"""
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

SENDER = os.path.join(os.path.dirname(__file__), "rate_sender.py")


class RateLimitMatchesChronyd(unittest.TestCase):
    def test_fixed_rate_reply_count_within_10_percent_of_chronyd(self):
        # 4 requests/s against a limit of 2/s (interval -1) with burst 8 and leak 4 (1 in 16
        # limited requests answered anyway): about 68 + 3 replies of 120 each. chronon also has
        # noclientlog (the seed's config), which chronyd would refuse with ratelimit.
        limit = "ratelimit interval -1 burst 8 leak 4"
        with L.Lab("rl") as lab:
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\nnoclientlog\n{limit}\n")
            cd = lab.start_chronyd(f"port 11123\nlocal stratum 10\nallow {lab.v4_cli}\n{limit}\n")
            L.wait_for(lambda: "chronyd version" in L.read(cd.log) or "Fatal" in L.read(cd.log),
                       10, "chronyd did not start")
            time.sleep(0.5)
            r = lab.run(lab.cli, "python3", SENDER, "30", "4", f"{lab.v4_srv}:123",
                        f"{lab.v4_srv}:11123", timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            stats = json.loads(r.stdout)
            ours, theirs = stats[f"{lab.v4_srv}:123"], stats[f"{lab.v4_srv}:11123"]
            print(f"\nfixed 4/s for 30 s, {limit}: chronon {ours['replies']}/{ours['sent']}, "
                  f"chronyd {theirs['replies']}/{theirs['sent']}")
            self.assertGreater(theirs["replies"], 50)
            self.assertLess(theirs["replies"], 100)
            self.assertLessEqual(abs(ours["replies"] - theirs["replies"]),
                                 0.10 * theirs["replies"])
            self.assertEqual(ours["kod"], 0)
            c = lab.counters(d.seg)
            self.assertEqual(c["ratelimited"], ours["sent"] - ours["replies"])


class KissOfDeath(unittest.TestCase):
    def test_kod_reply_shape_and_chronyd_client_backs_off(self):
        with L.Lab("kod") as lab:
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n"
                                   f"allow {lab.v4_cli2}\n"
                                   f"ratelimit interval 3 burst 1 leak 4 kod 1\n")
            # Raw, from the second client address: the second request within 8 s is limited
            # and gets a KoD RATE, no longer than the request. (Not from chronyd's address:
            # quick retries after limited requests make the limiter answer that address
            # anyway, as chronyd's does for clients that retry on timeout.)
            q = os.path.join(os.path.dirname(__file__), "ntp_query.py")
            replies = []
            for _ in range(3):
                r = lab.run(lab.cli, "python3", q, lab.v4_srv, "123", L.request().hex(),
                            lab.v4_cli2, "1")
                replies.append(bytes.fromhex(json.loads(r.stdout)["reply"]))
            kods = [L.parse_reply(x) for x in replies[1:]]
            for k in kods:
                if k["refid"] == 0x52415445:  # "RATE"
                    self.assertEqual((k["leap"], k["stratum"], k["length"]), (3, 0, 48))
            self.assertTrue(any(k["refid"] == 0x52415445 for k in kods))

            # chronyd as a client polling every second: it logs the KoD and backs off (chrony
            # adds 4 polling intervals to its next transmit), so it sends far fewer requests.
            before = lab.counters(d.seg)["received"]
            cli = lab.start_chronyd(f"port 0\nserver {lab.v4_srv} minpoll 0 maxpoll 0\n",
                                    name="client", ns=lab.cli)
            time.sleep(20)
            sent = lab.counters(d.seg)["received"] - before
            log = L.read(cli.log)
            self.assertIn(f"Received KoD RATE from {lab.v4_srv}", log)
            print(f"\nchronyd client with minpoll 0 sent {sent} requests in 20 s under KoD")
            self.assertLess(sent, 12, log + str(lab.counters(d.seg)))  # about 20 without backing off


class Interleaved(unittest.TestCase):
    def test_chronyd_xleave_client_sees_interleaved_mode(self):
        with L.Lab("xl") as lab:
            d = lab.start_chronond(f"local stratum 10\nallow {lab.v4_cli}\n")
            lab.start_chronyd(f"port 0\nserver {lab.v4_srv} minpoll 0 maxpoll 0 xleave iburst\n",
                              name="client", ns=lab.cli)

            def interleaved():
                r = lab.chronyc("client", "ntpdata", lab.v4_srv)
                return re.search(r"Interleaved\s*:\s*Yes", r.stdout) is not None

            L.wait_for(interleaved, 20, "chronyd never reported interleaved mode: " +
                       lab.chronyc("client", "ntpdata", lab.v4_srv).stdout)
            self.assertGreater(lab.counters(d.seg)["interleaved"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
