"""Sends NTP client requests at a fixed rate to several servers at once and counts replies.

Usage: rate_sender.py SECONDS RATE HOST:PORT...   (run inside a namespace by the tests)
Every server gets the same schedule from the same source address (one socket each), so
their rate limiters see the same traffic. Prints JSON:
{"HOST:PORT": {"sent": N, "replies": N, "kod": N}, ...}
"""
import json
import select
import socket
import struct
import sys
import time

seconds, rate = float(sys.argv[1]), float(sys.argv[2])
targets = sys.argv[3:]
socks = {}
for t in targets:
    host, port = t.rsplit(":", 1)
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host.strip("[]"), int(port)))
    s.setblocking(False)
    socks[t] = s
stats = {t: {"sent": 0, "replies": 0, "kod": 0} for t in targets}
by_fd = {s.fileno(): t for t, s in socks.items()}


def drain(until):
    while True:
        left = until - time.monotonic()
        r, _, _ = select.select(list(by_fd), [], [], max(0.0, left))
        for fd in r:
            t = by_fd[fd]
            try:
                data = socks[t].recv(2048)
            except BlockingIOError:
                continue
            if len(data) >= 48:
                stats[t]["replies"] += 1
                if data[1] == 0 and data[12:16] == b"RATE":
                    stats[t]["kod"] += 1
        if left <= 0:
            return


start = time.monotonic()
n = int(seconds * rate)
for i in range(n):
    now = time.time()
    tx = (int(now) + 2208988800) << 32 | int((now % 1) * (1 << 32))
    req = struct.pack("!BBbbIIIQQQQ", (4 << 3) | 3, 0, 6, 0, 0, 0, 0, 0, 0, 0, tx)
    for t in targets:
        socks[t].send(req)
        stats[t]["sent"] += 1
    drain(start + (i + 1) / rate)
drain(time.monotonic() + 0.5)
print(json.dumps(stats))
