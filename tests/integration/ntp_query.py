"""Sends one UDP payload and prints the reply as JSON (run inside a namespace by the tests).

Usage: ntp_query.py HOST PORT HEX_PAYLOAD [SOURCE_ADDRESS] [TIMEOUT]
Prints {"reply": HEX} or {"reply": null} on timeout.
"""
import json
import socket
import sys

host, port, payload = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
src = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
if src:
    s.bind((src, 0))
s.settimeout(timeout)
s.sendto(payload, (host, port))
try:
    data, _ = s.recvfrom(2048)
    print(json.dumps({"reply": data.hex()}))
except socket.timeout:
    print(json.dumps({"reply": None}))
