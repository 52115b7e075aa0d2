#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hostile writes to /sys/class/net/exabond_masters (tests/vm/tests/hostile_control.sh).

Generates hundreds of malformed or refused commands, sends each as ONE
write(2) of exact bytes, and checks the errno against the one the documented
rules give (kmod/control.c's header, DESIGN.md "Errors"), computed here from
those rules and the namespace's interfaces, never from what the kernel
answered before. After every write: both namespaces' managed lists are as
they were, every managed bond's page (mapped read-only through its node) is
byte-identical to the page before the first write, and the kernel log grew
by at most one refusal line.

	hostile_control.py run --netns NS	the whole suite (init namespace
						and NS); exit 0 when all passed
	hostile_control.py worker		one write per request, for a
						writer elsewhere (another
						namespace, no CAP_NET_ADMIN)

A worker reads requests on stdin and answers one line each:
	W <hex>		write the bytes; "ok <n>" or the errno name
	L		the control file's content, as hex
	S		this namespace's interfaces and managed bonds, as JSON
"""
import errno
import json
import mmap
import os
import re
import subprocess
import sys

CTL = b"/sys/class/net/exabond_masters"
PARAMS = "/sys/module/exabond/parameters"
IFNAMSIZ = 16
# sysfs hands a store at most one page (fs/kernfs/file.c,
# kernfs_fop_write_iter: len = min(len, PAGE_SIZE) when the attribute has no
# atomic_write_len, which sysfs attributes do not set in 6.1).
PAGE_SIZE = 4096
# The kernel's isspace() (lib/ctype.c: 9-13, 32 and 160 are _S), which
# dev_valid_name() applies to every byte; 0xa0 is "space" too, unlike in
# Python or glibc's C locale.
KERNEL_SPACE = frozenset(b"\t\n\v\f\r \xa0")


# --- the writer side (here or in a worker) ------------------------------------

def errname(e):
    # Python names 95 ENOTSUP; DESIGN.md and the kernel say EOPNOTSUPP.
    return "EOPNOTSUPP" if e == errno.EOPNOTSUPP else errno.errorcode.get(e, str(e))


def ctl_write(data):
    """One write(2) of data to a freshly opened control file."""
    fd = os.open(CTL, os.O_WRONLY)
    try:
        n = os.write(fd, data)
        return "ok %d" % n
    except OSError as e:
        return errname(e.errno)
    finally:
        os.close(fd)


def ctl_read():
    with open(CTL, "rb") as f:
        return f.read()


def world():
    """This namespace's interfaces as the rules need them."""
    ifs = {}
    for name in os.listdir(b"/sys/class/net"):
        path = b"/sys/class/net/" + name
        if not os.path.isdir(path):
            continue		# bonding_masters, exabond_masters
        bond = os.path.isdir(path + b"/bonding")
        info = {"bond": bond}
        if bond:
            with open(path + b"/bonding/mode", "rb") as f:
                info["mode"] = f.read().split()[0].decode()
            with open(path + b"/bonding/slaves", "rb") as f:
                info["members"] = len(f.read().split())
            with open(path + b"/bonding/miimon", "rb") as f:
                info["miimon"] = int(f.read())
            with open(path + b"/bonding/arp_interval", "rb") as f:
                info["arp_interval"] = int(f.read())
        ifs[name.hex()] = info
    return {"ifs": ifs, "managed": [n.hex() for n in ctl_read().split()]}


def worker():
    for line in sys.stdin:
        req = line.split()
        if not req:
            continue
        if req[0] == "W":
            reply = ctl_write(bytes.fromhex(req[1] if len(req) > 1 else ""))
        elif req[0] == "L":
            reply = ctl_read().hex()
        elif req[0] == "S":
            reply = json.dumps(world())
        else:
            reply = "bad request"
        print(reply, flush=True)


class Local:
    """The writer in this process (the initial namespace)."""

    label = "init"

    def write(self, data):
        return ctl_write(data)

    def listing(self):
        return ctl_read()

    def world(self):
        return world()

    def close(self):
        pass


class Remote:
    """A worker started through a wrapper (ip netns exec, setpriv)."""

    def __init__(self, label, argv):
        self.label = label
        self.proc = subprocess.Popen(
            argv + [sys.executable, os.path.abspath(__file__), "worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, req):
        self.proc.stdin.write(req + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError("worker %s died" % self.label)
        return reply.rstrip("\n")

    def write(self, data):
        return self.ask("W " + data.hex())

    def listing(self):
        return bytes.fromhex(self.ask("L"))

    def world(self):
        return json.loads(self.ask("S"))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


# --- the documented rules -----------------------------------------------------

def dev_valid_name(name):
    """net/core/dev.c dev_valid_name(), on the bytes before any NUL."""
    if not name or len(name) >= IFNAMSIZ or name in (b".", b".."):
        return False
    return not any(c in KERNEL_SPACE or c in b"/:" for c in name)


def allowed_modes():
    with open(PARAMS + "/allowed_modes") as f:
        words = set(re.split(r"[\s,]+", f.read().strip()))
    if "roce-lag" in words:
        return {"active-backup", "balance-xor", "802.3ad"}
    names = ["balance-rr", "active-backup", "balance-xor", "broadcast",
             "802.3ad", "balance-tlb", "balance-alb"]
    return {names[int(w)] if w.isdigit() else w for w in words if w}


def policy_refuses(info):
    """exabond_policy_check_bond() for a bond without members."""
    if info["members"]:
        raise RuntimeError("the model covers only member-less bonds for +bond")
    with open(PARAMS + "/require_link_monitor") as f:
        need_monitor = f.read().strip() == "Y"
    if need_monitor and not info["miimon"] and not info["arp_interval"]:
        return True
    return info["mode"] not in allowed_modes()


def expected(data, w, capable=True):
    """The one documented result of writing data: an errno name, or "ok N".

    Order as in exabond_masters_store(): capability, then the parser
    (exabond_parse_command), then the lookup (exabond_bond_by_name) and
    exabond_manage()/exabond_unmanage().
    """
    if not data:
        # fs/sysfs/file.c sysfs_kf_write(): "if (!count) return 0;" before
        # the store; the module never sees it. DESIGN.md's "empty ->
        # EINVAL" is about a command with nothing in it ("\n").
        return "ok 0"
    if not capable:
        return "EPERM"
    data = data[:PAGE_SIZE]
    if b"\0" in data:
        return "EINVAL"
    cmd = data[:-1] if data.endswith(b"\n") else data
    if len(cmd) < 2 or cmd[0:1] not in (b"+", b"-"):
        return "EINVAL"
    sign, name = cmd[0:1], cmd[1:]
    if not dev_valid_name(name):
        return "EINVAL"
    info = w["ifs"].get(name.hex())
    if info is None:
        return "ENODEV"
    if not info["bond"]:
        return "EINVAL"
    managed = name.hex() in w["managed"]
    if sign == b"+":
        if managed:
            return "EEXIST"
        return "EOPNOTSUPP" if policy_refuses(info) else "ok %d" % len(data)
    return "ok %d" % len(data) if managed else "ENOENT"


# --- the inputs ---------------------------------------------------------------

def b(s):
    return s.encode() if isinstance(s, str) else s


def inputs_common(managed, unmanaged, long_managed, long_unmanaged):
    """Malformed or refused writes for a namespace with these bonds.

    managed/unmanaged: short bond names (whitespace and byte positions
    stay clear of the length limit); long_*: bonds with 15-character names,
    for the IFNAMSIZ boundary. The variants are of "-managed" and
    "+unmanaged", the two commands that would change something.
    """
    m, u, lm, lu = b(managed), b(unmanaged), b(long_managed), b(long_unmanaged)
    good = [b"-" + m, b"+" + u]		# one byte from a real change
    out = []

    # No sign, a wrong sign, nothing but a sign.
    for name in (m, u, b"x"):
        out += [name, name + b"\n", b"*" + name, b"=" + name + b"\n",
                b"~" + name, b"!" + name + b"\n", name + b"+", name + b"-\n"]
    out += [b"\n", b"+", b"-", b"+\n", b"-\n", b"\n\n", b"\n+" + u,
            b"\n-" + m + b"\n"]

    # A doubled sign: "+x" is a valid interface name, so these are lookups.
    for s1 in b"+-":
        for s2 in b"+-":
            for name in (m, u, b"x", b""):
                out += [bytes([s1, s2]) + name, bytes([s1, s2]) + name + b"\n"]
    out += [b"+++" + u, b"---" + m + b"\n"]

    # Whitespace (the kernel's isspace set, one byte at a time) in every
    # position of both commands.
    for cmd in good:
        sign, name = cmd[:1], cmd[1:]
        for ws in sorted(KERNEL_SPACE):
            c = bytes([ws])
            out += [c + cmd + b"\n",				# leading
                    sign + c + name + b"\n",			# after the sign
                    sign + name[:1] + c + name[1:] + b"\n",	# inside
                    cmd + c + b"\n"]				# trailing
            if c != b"\n":
                out.append(cmd + c)		# trailing, no newline
            out.append(cmd + b"\n" + c)			# after the newline
        out += [cmd + b"\r\n", cmd + b"\n\r", b"  " + cmd, cmd + b"  \n",
                cmd + b"\n\n\n", cmd + b"\t\n", b"\r" + cmd + b"\r"]
    # Control bytes that are not spaces are valid in a name: lookups.
    for c in list(range(1, 9)) + list(range(14, 32)) + [0x7f]:
        out.append(b"+h" + bytes([c]) + b"0\n")

    # Every single printable ASCII character as a whole name.
    for c in range(0x20, 0x7f):
        out.append(b"+" + bytes([c]))
    out += [b"-.", b"-..", b"+...", b"+.x", b"+./" + u, b"+../" + u,
            b"+" + u + b"/", b"+/" + u, b"+" + u + b"/..", b"-" + m + b":0",
            b"+" + u + b":1\n", b"-" + m + b"/\n", b"+:" + u, b"-/",
            b"+" + u + b"\\0"]

    # Lengths 0..64 of one write, with and without echo's newline.
    for n in range(0, 65):
        out.append(b"" if n == 0 else b"+" + b"q" * (n - 1))
        if n >= 2:
            out.append(b"-" + b"q" * (n - 2) + b"\n")
    out += [b"+" + b"q" * (PAGE_SIZE - 1), b"+" + b"q" * PAGE_SIZE,
            b"-" + m + b"\n" + b"q" * (PAGE_SIZE + 10)]

    # The IFNAMSIZ boundary around real 15-character bonds: 14, 16 and 17
    # characters must not be cut or padded into the real name.
    for sign, name in ((b"-", lm), (b"+", lu), (b"+", lm), (b"-", lu)):
        out += [sign + name[:-1], sign + name[:-1] + b"\n",
                sign + name + b"x", sign + name + b"x\n",
                sign + name + b"xy", sign + name + b"xy\n",
                sign + name + b" ", sign + name + b"\0",
                sign + name + b"\n\n", sign + b"x" + name]
    out += [b"+" + lm, b"+" + lm + b"\n", b"-" + lu + b"\n"]

    # Bytes 0x80..0xff: valid in a name except 0xa0, which the kernel's
    # ctype calls a space.
    for c in range(0x80, 0x100):
        out.append(b"+h" + bytes([c]))
    for cmd in good:
        sign, name = cmd[:1], cmd[1:]
        for nb in (b"\xff", b"\x80", b"\xc3\xa9", b"\xc2\xa0",
                   b"\xe2\x80\x83", b"\xef\xbb\xbf", b"\xc0\x80"):
            out += [nb + cmd + b"\n", sign + nb + name + b"\n",
                    sign + name[:1] + nb + name[1:] + b"\n",
                    cmd + nb + b"\n", cmd + b"\n" + nb]
    out += ["+hé0".encode(), "+h\u00a00".encode(), "+h\u20030".encode(),
            "+ボンド".encode(), "-ボンドボンド".encode(), "+💥".encode(),
            ("+" + "💥" * 4).encode(), ("+" + "é" * 7).encode(),
            ("+" + "é" * 8).encode(), ("+" + "é" * 7 + "\n").encode()]

    # NUL: inserted at every position, and replacing every byte.
    for cmd in good:
        full = cmd + b"\n"
        for i in range(len(full) + 1):
            out.append(full[:i] + b"\0" + full[i:])
        for i in range(len(full)):
            out.append(full[:i] + b"\0" + full[i + 1:])
    out += [b"\0", b"\0\n", b"\0" * 8, b"+\0", b"-\0\n"]

    # Two commands in one write.
    out += [b"+" + u + b"\n-" + m + b"\n", b"-" + m + b"\n+" + u + b"\n",
            b"+" + u + b" -" + m, b"+" + u + b"\t-" + m + b"\n",
            b"-" + m + b"\n-" + m + b"\n", b"+" + u + b"\n+" + u,
            b"+" + u + b"\0-" + m + b"\n", b"-" + m + b";+" + u,
            b"+" + u + b"+" + u, b"-" + m + b"-" + m + b"\n",
            b"-" + m + b",-" + u, b"+" + u + b"\r-" + m + b"\n"]

    # Documented refusals of well-formed commands.
    out += [b"+" + m, b"+" + m + b"\n", b"-" + u, b"-" + u + b"\n"]
    return out


def inputs_names(names):
    """+name and -name, with and without newline, for each of names."""
    out = []
    for name in names:
        for sign in (b"+", b"-"):
            out += [sign + b(name), sign + b(name) + b"\n"]
    return out


# --- the checks ---------------------------------------------------------------

class Kmsg:
    """The kernel log records appended since the last drain."""

    def __init__(self):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)

    def drain(self):
        lines = []
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                return lines
            except BrokenPipeError:
                lines.append("(kmsg: records lost, the ring wrapped)")
                continue
            lines.append(rec.decode(errors="replace").split(";", 1)[1]
                         .split("\n", 1)[0])


class Node:
    """A managed bond's page, mapped read-only through its node."""

    def __init__(self, path):
        self.path = path
        fd = os.open(path, os.O_RDONLY)
        try:
            self.map = mmap.mmap(fd, PAGE_SIZE, mmap.MAP_SHARED,
                                 mmap.PROT_READ)
        finally:
            os.close(fd)
        self.first = self.bytes()

    def bytes(self):
        return self.map[:]

    def generation(self, data=None):
        # struct exabond_page: u64 generation at offset 24 (page.h).
        return int.from_bytes((data or self.bytes())[24:32], "little")


SUPPRESSED = re.compile(r"^\S+: \d+ callbacks suppressed$")


class Suite:
    def __init__(self, nodes):
        self.kmsg = Kmsg()
        self.nodes = [Node(p) for p in nodes]
        self.writers = []
        self.seen = set()
        self.tried = 0
        self.failures = []
        self.results = {}
        self.log_lines = 0
        self.log_refusals = 0
        self.log_suppressed = 0
        self.max_refusal_lines = 0

    def lists(self):
        return [(w.label, w.listing()) for w in self.writers]

    def run(self, writer, inputs, capable=True):
        w = writer.world()
        for data in inputs:
            key = (writer.label, data)
            if key in self.seen:
                continue
            self.seen.add(key)
            want = expected(data, w, capable)
            if want.startswith("ok") and want != "ok 0":
                raise RuntimeError("generator bug: %r would succeed" % data)
            self.one(writer, data, want)

    def one(self, writer, data, want):
        before = self.lists()
        self.kmsg.drain()
        got = writer.write(data)
        log = self.kmsg.drain()
        after = self.lists()
        self.tried += 1
        key = "0-byte write returns 0" if want == "ok 0" else want
        self.results[key] = self.results.get(key, 0) + 1

        problems = []
        if got != want:
            problems.append("expected %s, got %s" % (want, got))
        if after != before:
            problems.append("managed lists %r became %r" % (before, after))
        for n in self.nodes:
            now = n.bytes()
            if now != n.first:
                problems.append("page of %s changed (generation %d -> %d)" %
                                (n.path, n.generation(n.first),
                                 n.generation(now)))
        suppressed = [l for l in log if SUPPRESSED.match(l)]
        refusals = [l for l in log if not SUPPRESSED.match(l)]
        self.log_lines += len(log)
        self.log_suppressed += len(suppressed)
        self.log_refusals += len(refusals)
        self.max_refusal_lines = max(self.max_refusal_lines, len(refusals))
        # One write may log its own refusal and, before it, the rate
        # limiter's count of the refusals it held back (lib/ratelimit.c).
        if len(refusals) > 1 or len(suppressed) > 1:
            problems.append("%d log lines: %r" % (len(log), log))
        # One line per write; what it logged goes on the same line.
        print("%s: [%s] %r -> %s%s%s" % (
            "FAIL" if problems else "ok", writer.label,
            data[:80] + (b"..." if len(data) > 80 else b""), got,
            "".join(" | " + p for p in problems),
            "".join(" | log: " + l for l in log)))
        if problems:
            self.failures.append((writer.label, data, problems))


def sh(*argv):
    subprocess.run(argv, check=True)


def main():
    if sys.argv[1:2] == ["worker"]:
        worker()
        return 0
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["run"])
    p.add_argument("--netns", required=True)
    p.add_argument("--managed", required=True)
    p.add_argument("--unmanaged", required=True)
    p.add_argument("--long-managed", required=True)
    p.add_argument("--long-unmanaged", required=True)
    p.add_argument("--refused", required=True,
                   help="an unmanaged bond the policy refuses")
    p.add_argument("--others", nargs="+", required=True,
                   help="non-bond interfaces in the initial namespace")
    p.add_argument("--ns-managed", required=True)
    p.add_argument("--ns-unmanaged", required=True)
    p.add_argument("--ns-others", nargs="+", required=True)
    p.add_argument("--nodes", nargs="+", required=True)
    a = p.parse_args()

    suite = Suite(a.nodes)
    here = Local()
    ns = Remote("netns", ["ip", "netns", "exec", a.netns])
    noadmin = Remote("no-net-admin", ["setpriv", "--bounding-set=-net_admin",
                                      "--inh-caps=-net_admin"])
    suite.writers = [here, ns]

    # The whole generator in the initial namespace, then in the other one
    # with its own bonds (each namespace's file manages only its own).
    suite.run(here, inputs_common(a.managed, a.unmanaged, a.long_managed,
                                  a.long_unmanaged))
    suite.run(ns, inputs_common(a.ns_managed, a.ns_unmanaged,
                                a.long_managed, a.long_unmanaged))

    # Existing interfaces that are not bonds, a bond the policy refuses.
    suite.run(here, inputs_names(a.others + [a.refused]))
    suite.run(ns, inputs_names(a.ns_others))

    # Bonds that exist only in the other namespace, from both sides.
    suite.run(here, inputs_names([a.ns_managed, a.ns_unmanaged]))
    suite.run(ns, inputs_names([a.managed, a.unmanaged, a.long_managed,
                                a.long_unmanaged, a.refused]))

    # A bond deleted just before: plain, and managed when it was deleted.
    for gone, manage in (("hgone0", False), ("hgone1", True)):
        sh("ip", "link", "add", gone, "type", "bond", "mode", "active-backup",
           "miimon", "100")
        if manage and here.write(b"+" + b(gone) + b"\n") != "ok %d" % (len(gone) + 2):
            raise RuntimeError("cannot manage " + gone)
        sh("ip", "link", "del", gone)
        suite.run(here, inputs_names([gone]))

    # Without CAP_NET_ADMIN every non-empty write is EPERM, the ones that
    # would succeed first of all.
    suite.writers.append(noadmin)
    suite.run(noadmin, [b"-" + b(a.managed) + b"\n", b"+" + b(a.unmanaged) + b"\n",
                        b"+" + b(a.managed) + b"\n", b"-" + b(a.unmanaged),
                        b"\n", b"garbage", b"+\0", b"", b"-nosuch\n",
                        b"+" + b"q" * 40 + b"\n"], capable=False)
    for w in (ns, noadmin):
        w.close()

    late = suite.kmsg.drain()
    per = ", ".join("%s %d" % kv for kv in sorted(suite.results.items()))
    print("hostile_control: %d inputs tried (%d distinct bytes+writer), "
          "%d failed; %s; kernel log: %d lines (%d refusal messages, "
          "%d rate-limit summaries, at most %d refusal line per write), "
          "%d after the last write; pages unchanged: %s" %
          (suite.tried, len(suite.seen), len(suite.failures), per,
           suite.log_lines, suite.log_refusals, suite.log_suppressed,
           suite.max_refusal_lines, len(late),
           all(n.bytes() == n.first for n in suite.nodes)))
    for label, data, problems in suite.failures:
        print("FAILED: [%s] %r: %s" % (label, data, "; ".join(problems)))
    return 1 if suite.failures else 0


if __name__ == "__main__":
    sys.exit(main())
