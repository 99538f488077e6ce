#!/usr/bin/env python3
"""Smoke test of the side-by-side benchmark pipeline (bench/compare.py --quick): every server
it knows runs under chronon-loadgen at tiny rates, and the Markdown section, the JSON and the
PNG come out. It checks that the pipeline works, never the figures (those are for
bench/RESULTS.md, measured with bench/compare.sh).
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, "..", "..", "bench", "compare.py")
BUILD = os.environ.get("CHRONON_BUILD", os.path.join(HERE, "..", "..", "build"))


def main():
    if os.geteuid() != 0:
        print("needs root (network namespaces, XDP)")
        sys.exit(77)
    sys.path.insert(0, os.path.dirname(COMPARE))
    import compare

    with tempfile.TemporaryDirectory(prefix="chronon-compare-") as tmp:
        results = os.path.join(tmp, "RESULTS.md")
        with open(results, "w") as f:
            f.write("# Benchmark results\n\nHand-written text that must stay.\n")
        plot, data = os.path.join(tmp, "compare.png"), os.path.join(tmp, "compare.json")
        r = subprocess.run([sys.executable, COMPARE, "--quick", "--build", BUILD, "--results",
                            results, "--plot", plot, "--json", data],
                           capture_output=True, text=True, timeout=240)
        assert r.returncode == 0, f"compare.py failed:\n{r.stdout}\n{r.stderr}"

        with open(data) as f:
            got = json.load(f)
        servers = [x["server"] for x in got["results"]]
        assert servers[0].startswith("chronyd"), servers
        assert "chronon, socket backend" in servers, servers
        assert any("afxdp" in s for s in servers), servers
        for x in got["results"]:
            assert len(x["steps"]) == len(got["rates"]), x
            for step in x["steps"]:
                assert step["sent"] > 0 and step["answered"] > 0, (x["server"], step)
                assert step["invalid"] == 0, (x["server"], step)
        assert got["machine"]["cores"] and got["machine"]["kernel"], got["machine"]

        with open(plot, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", "compare.png is not a PNG"

        text = open(results).read()
        assert "Hand-written text that must stay." in text, text
        assert text.count(compare.BEGIN) == 1 and text.count(compare.END) == 1, text
        for s in servers:
            assert f"| {s} |" in text, (s, text)
        # A second write replaces the section instead of adding one.
        compare.write_results(results, f"{compare.BEGIN}\nnew figures\n{compare.END}\n")
        text = open(results).read()
        assert text.count(compare.BEGIN) == 1 and "new figures" in text, text
        assert "chronyd 4.3" not in text and "Hand-written text that must stay." in text, text
    print("ok: " + ", ".join(servers))


if __name__ == "__main__":
    main()
