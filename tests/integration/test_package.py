"""The Debian package end to end: built with dpkg-buildpackage from a copy of the source tree,
checked with lintian (no error, no warning),
installed on this machine (not started), the installed chronond run with the packaged
configuration in a namespace, queried, stopped, and purged without a trace.

Needs root and debian/control's build dependencies (scripts/install-deps.sh installs them);
without them it exits 77 (skipped). It always purges what it installed, also on failure.
"""
import os
import grp
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lab as L  # noqa: E402

SOURCE = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
POLICY_RC = "/usr/sbin/policy-rc.d"
UNIT = "/lib/systemd/system/chronon.service"
CONF = "/etc/chronon/chronon.conf"
MAN_PAGES = {"chronond": "8", "chronon-dataplane": "8", "chronon": "1", "chronon.conf": "5"}
# What the package must install, beside whatever else dpkg -L lists.
EXPECTED = ["/usr/sbin/chronond", "/usr/sbin/chronon-dataplane", "/usr/bin/chronon", CONF, UNIT,
            "/etc/logrotate.d/chronon"] + [
    f"/usr/share/man/man{s}/{n}.{s}.gz" for n, s in MAN_PAGES.items()]
# The packaged configuration's places that are not under the package's own paths.
STATE_DIRS = ["/etc/chronon", "/var/lib/chronon", "/var/log/chronon"]
# No source resolves inside the namespace and ntpdig ignores an unsynchronised server, so the
# run adds a local reference to the packaged configuration (which it includes unchanged).
LOCAL_STRATUM = 10

timings = {}


def run(*args, timeout=120, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **kw)


def dpkg(*args):
    """dpkg, waiting (up to 2 minutes) while another dpkg or apt holds its lock."""
    end = time.monotonic() + 120
    while True:
        r = run("dpkg", *args, timeout=300, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if r.returncode == 0 or "lock" not in r.stderr or time.monotonic() > end:
            return r
        time.sleep(2)


def installed():
    """True while dpkg knows the package in any state but not-installed (half-configured after
    a failed postinst, config-files after a remove, ...): something to purge."""
    r = run("dpkg-query", "-W", "-f=${Status}", "chronon")
    return r.returncode == 0 and r.stdout.split()[-1:] != ["not-installed"]


def why_skip():
    if os.geteuid() != 0:
        return "needs root (dpkg -i, network namespaces)"
    for tool in ("dpkg-buildpackage", "dpkg-checkbuilddeps"):
        if shutil.which(tool) is None:
            return f"{tool} not found (dpkg-dev; scripts/install-deps.sh installs it)"
    r = run("dpkg-checkbuilddeps", cwd=SOURCE)
    if r.returncode != 0:
        return f"build dependencies missing (scripts/install-deps.sh installs them): {r.stderr.strip()}"
    return None


def copy_source(dest):
    """The source tree as git sees it (tracked and new files, not build trees or what
    .gitignore names), or, outside a git checkout, everything but build trees."""
    r = run("git", "-C", SOURCE, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if r.returncode == 0 and r.stdout:
        for rel in filter(None, r.stdout.split("\0")):
            src = os.path.join(SOURCE, rel)
            if not os.path.lexists(src):  # deleted in the work tree, not committed yet
                continue
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel), follow_symlinks=False)
    else:
        shutil.copytree(SOURCE, dest, symlinks=True, ignore=shutil.ignore_patterns(
            ".git", "build*", "obj-*", "__pycache__"))


def chronon_processes():
    """Pids running the installed chronond or chronon-dataplane."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        if exe.split(" (deleted)")[0] in ("/usr/sbin/chronond", "/usr/sbin/chronon-dataplane"):
            found.append(int(pid))
    return found


def unit_capabilities():
    """The capability names of the installed unit's CapabilityBoundingSet= lines."""
    caps = []
    for line in L.read(UNIT).splitlines():
        if line.startswith("CapabilityBoundingSet="):
            caps += line.split("=", 1)[1].split()
    return caps


class PolicyRc:
    """A policy-rc.d that refuses every service start (exit 101) while the package is
    installed, unless one that does already exists; the previous state comes back after."""

    def __enter__(self):
        self.saved = None
        if os.path.exists(POLICY_RC):
            if run(POLICY_RC, "chronon", "start").returncode == 101:
                self.mine = False
                return self
            with open(POLICY_RC, "rb") as f:
                self.saved = f.read()
        self.mine = True
        with open(POLICY_RC, "w") as f:
            f.write("#!/bin/sh\n# test_package.py: no service starts while it installs chronon\nexit 101\n")
        os.chmod(POLICY_RC, 0o755)
        return self

    def __exit__(self, *exc):
        if not self.mine:
            return
        if self.saved is None:
            os.unlink(POLICY_RC)
        else:
            with open(POLICY_RC, "wb") as f:
                f.write(self.saved)


class DebianPackage(unittest.TestCase):
    """Steps in order (test_1 ... test_6); tearDownClass purges whatever is left."""

    @classmethod
    def setUpClass(cls):
        if installed():
            raise AssertionError("a chronon package is already installed on this machine; this test "
                                 "would purge it: dpkg --purge chronon first")
        for name, db in (("user", pwd.getpwnam), ("group", grp.getgrnam)):
            try:
                db("chronon")
                raise AssertionError(f"a 'chronon' {name} exists before the package is installed; "
                                     "the purge would delete it")
            except KeyError:
                pass
        cls.tmp = tempfile.mkdtemp(prefix="chronon-pkg-")
        try:
            cls.build_and_install()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def build_and_install(cls):
        src = os.path.join(cls.tmp, "chronon")
        copy_source(src)
        start = time.monotonic()
        log = os.path.join(cls.tmp, "build.log")
        # debian/rules' build without debug information (no -g, no dbgsym package): a sixth
        # less compile time and no dwz/objcopy pass, the same code otherwise.
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2 noautodbgsym",
                   DEB_CXXFLAGS_STRIP="-g", DEB_CFLAGS_STRIP="-g")
        with open(log, "w") as out:
            r = subprocess.run(["dpkg-buildpackage", "-b", "-uc", "-us"], cwd=src, stdout=out,
                               stderr=subprocess.STDOUT, timeout=1500, env=env)
        timings["build"] = time.monotonic() - start
        if r.returncode != 0:
            tail = "".join(L.read(log).splitlines(keepends=True)[-60:])
            raise AssertionError(f"dpkg-buildpackage failed ({r.returncode}):\n{tail}")
        debs = [f for f in os.listdir(cls.tmp) if f.startswith("chronon_") and f.endswith(".deb")]
        if len(debs) != 1:
            raise AssertionError(f"expected one chronon .deb, found {debs}")
        # Install, with service starts refused.
        start = time.monotonic()
        with PolicyRc():
            r = dpkg("-i", os.path.join(cls.tmp, debs[0]))
        timings["install"] = time.monotonic() - start
        if r.returncode != 0:
            raise AssertionError(f"dpkg -i failed: {r.stdout}{r.stderr}")
        cls.files = run("dpkg", "-L", "chronon").stdout.split("\n")

    @classmethod
    def tearDownClass(cls):
        if installed():
            for pid in chronon_processes():
                os.kill(pid, signal.SIGKILL)
            dpkg("--purge", "chronon")
        shutil.rmtree(cls.tmp, ignore_errors=True)
        print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()),
              file=sys.stderr)

    def test_0_lintian_clean(self):
        """Debian's policy checker finds no error and no warning in the package."""
        lintian = shutil.which("lintian")
        self.assertIsNotNone(lintian, "lintian not found (scripts/install-deps.sh installs it)")
        changes = [f for f in os.listdir(self.tmp) if f.endswith(".changes")]
        self.assertEqual(len(changes), 1, changes)
        r = run(lintian, "--fail-on", "error,warning", os.path.join(self.tmp, changes[0]),
                timeout=300)
        self.assertEqual(r.returncode, 0, f"lintian:\n{r.stdout}{r.stderr}")

    def test_1_installs_its_files(self):
        for path in EXPECTED:
            self.assertIn(path, self.files)
            self.assertTrue(os.path.isfile(path), path)
        for exe in ("/usr/sbin/chronond", "/usr/sbin/chronon-dataplane", "/usr/bin/chronon"):
            self.assertTrue(os.access(exe, os.X_OK), exe)
        conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", "chronon").stdout
        self.assertIn(CONF, conffiles)
        # The binaries are the packaged version (meson's project version = debian/changelog's).
        version = run("dpkg-query", "-W", "-f=${Version}", "chronon").stdout
        self.assertRegex(run("/usr/sbin/chronond", "-v").stdout,
                         rf"^chronond \(chronon\) {version.split('-')[0]}\b")
        # The unit is one systemd accepts (its commands and man pages exist now).
        r = run("systemd-analyze", "verify", UNIT)
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_2_system_user_and_group(self):
        user = pwd.getpwnam("chronon")
        group = grp.getgrnam("chronon")
        self.assertEqual(user.pw_gid, group.gr_gid)
        self.assertLess(user.pw_uid, 1000, "a system user")
        self.assertIn(user.pw_shell, ("/usr/sbin/nologin", "/bin/false"))

    def test_3_not_started_nor_enabled(self):
        self.assertEqual(chronon_processes(), [])
        self.assertFalse(os.path.lexists(
            "/etc/systemd/system/multi-user.target.wants/chronon.service"))

    def test_4_man_pages_render(self):
        for name, section in MAN_PAGES.items():
            page = f"/usr/share/man/man{section}/{name}.{section}.gz"
            # Plain text (man formats for a pipe without bold or underline unless
            # MAN_KEEP_FORMATTING is set at all).
            env = {k: v for k, v in os.environ.items() if k != "MAN_KEEP_FORMATTING"}
            r = run("man", "-l", page, env=dict(env, MANWIDTH="80"))
            self.assertEqual(r.returncode, 0, r.stderr)
            lines = r.stdout.splitlines()
            head = "\n".join(lines[:5])
            self.assertRegex(lines[0], rf"^{name.upper()}\({section}\) ", page)
            self.assertIn("NAME", lines, head)
            self.assertRegex(r.stdout, rf"\nNAME\n +{re.escape(name)} - ", head)
            self.assertIn("DESCRIPTION", lines, head)
            self.assertGreater(len(lines), 100, page)

    def test_5_serves_with_the_packaged_configuration(self):
        """chronond -x -d on the packaged configuration, as the unit would run it (its
        capability bounding set, no new privileges), in a network namespace with a /run of its
        own (RuntimeDirectory= made by hand): ntpdig and chronon over the default socket."""
        caps = unit_capabilities()
        self.assertIn("CAP_SYS_TIME", caps)
        setpriv_caps = ",".join(["-all"] + ["+" + c[4:].lower() for c in caps])
        with L.Lab("pkg") as lab:
            conf = lab.write_conf("local.conf", f"include {CONF}\nlocal stratum {LOCAL_STRATUM}\n")
            log = lab.path("chronond.log")
            start = time.monotonic()
            p = lab.spawn(lab.srv, "sh", "-c",
                          "mount -t tmpfs -o mode=0755 chronon-test /run && mkdir /run/chronon && "
                          f"exec setpriv --bounding-set={setpriv_caps} --no-new-privs "
                          f"/usr/sbin/chronond -d -x -u chronon -f {conf}", log=log)
            L.wait_for(lambda: "serving NTP" in L.read(log) or p.poll() is not None, 15,
                       f"chronond did not start: {L.read(log)}")
            self.assertIsNone(p.poll(), L.read(log))
            self.assertIn(": /usr/sbin/chronon-dataplane", L.read(log))
            # Every directive of the packaged configuration is one chronond acts on.
            self.assertNotIn("not implemented", L.read(log))
            # As the unit runs it: switched to the package's user, and within the unit's
            # bounding set (chronond trims it further to what its processes keep).
            status = L.read(f"/proc/{p.pid}/status")
            uid = [l.split()[1] for l in status.splitlines() if l.startswith("Uid:")][0]
            self.assertEqual(int(uid), pwd.getpwnam("chronon").pw_uid, status)
            bnd = [l.split()[1] for l in status.splitlines() if l.startswith("CapBnd:")][0]
            decoded = run("capsh", f"--decode={bnd}").stdout.strip().split("=", 1)[1]
            self.assertLessEqual(set(decoded.upper().split(",")), set(caps), decoded)

            for addr in ("127.0.0.1", "::1"):
                r = lab.run(lab.srv, "ntpdig", "-t", "2", addr)
                self.assertEqual(r.returncode, 0, f"ntpdig {addr}: {r.stdout}{r.stderr}")
                self.assertIn(addr, r.stdout)
            inside = ["nsenter", "-t", str(p.pid), "-m", "-n"]
            r = run(*inside, "/usr/bin/chronon", "tracking")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertRegex(r.stdout, r"Reference ID    : 7F7F0101 \(\)")
            self.assertRegex(r.stdout, rf"Stratum         : {LOCAL_STRATUM}\n")
            r = run(*inside, "/usr/bin/chronon", "-c", "dataplane")
            total = [l for l in r.stdout.splitlines() if l.startswith("total,")]
            self.assertEqual(len(total), 1, r.stdout + r.stderr)
            self.assertGreaterEqual(int(total[0].split(",")[2]), 2, "both ntpdig queries replied")

            dataplane = [pid for pid in chronon_processes() if pid != p.pid]
            self.assertEqual(len(dataplane), 1)
            p.terminate()
            self.assertEqual(p.wait(timeout=15), 0, L.read(log))
            L.wait_for(lambda: L.gone(dataplane[0]), 10, "the dataplane outlived chronond")
            self.assertEqual(chronon_processes(), [])
            timings["run"] = time.monotonic() - start

    def test_6_purge_leaves_nothing(self):
        # What a chronond that has followed a source for a while leaves behind, which dpkg
        # does not know about: the purge removes it too.
        for path in ("/var/lib/chronon/drift", "/var/log/chronon/tracking.log"):
            with open(path, "w") as f:
                f.write("written by test_package.py\n")
        start = time.monotonic()
        r = dpkg("--purge", "chronon")
        timings["purge"] = time.monotonic() - start
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(installed())
        # Every file the package had, and its own directories, are gone; shared directories
        # (/usr/sbin, /usr/share/man/man8, ...) stay.
        for path in self.files:
            if path and not os.path.isdir(path):
                self.assertFalse(os.path.lexists(path), path)
        for d in STATE_DIRS:
            self.assertFalse(os.path.lexists(d), d)
        self.assertRaises(KeyError, pwd.getpwnam, "chronon")
        self.assertRaises(KeyError, grp.getgrnam, "chronon")


if __name__ == "__main__":
    reason = why_skip()
    if reason:
        print(f"SKIP: {reason}")
        sys.exit(77)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still purge on meson's timeout
    unittest.main(verbosity=2)
