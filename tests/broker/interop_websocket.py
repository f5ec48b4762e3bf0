#!/usr/bin/python3
"""tests/broker/interop_websocket.py BROKER — MQTT over WebSocket on
mqspec-broker (--ws-listen): python3-paho-mqtt (Debian) with
transport="websockets" at every QoS in MQTTv311 and MQTTv5, a payload
larger than one 16-bit frame, and a WebSocket client talking to a TCP
client through the broker; then raw sockets for what paho never sends: a
text frame (the connection closes, MQTT-6.0.0-1), an unmasked client frame,
a CONNECT cut across three frames and two packets in one frame
(MQTT-6.0.0-2), and upgrades without the "mqtt" subprotocol (400)."""
import base64
import hashlib
import os
import socket
import struct
import subprocess
import sys
import threading

import paho.mqtt.client as mqtt

TIMEOUT = 10


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def start_broker(path):
    proc = subprocess.Popen([path, "-p", "0", "--ws-listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, text=True)
    tcp = ws = None
    while tcp is None or ws is None:  # the lines come at once, flushed (ctest's timeout guards)
        line = proc.stdout.readline()
        if "listening on 127.0.0.1:" in line:
            tcp = int(line.rsplit(":", 1)[1])
        elif "WebSocket" in line and "127.0.0.1:" in line:
            ws = int(line.rsplit(":", 1)[1])
        elif not line:
            sys.exit("broker exited")
    return proc, tcp, ws


def paho_round_trip(tcp, ws, version, tag):
    got = []
    cond = threading.Condition()

    def on_message(c, u, m):
        with cond:
            got.append((m.topic, m.payload, m.qos))
            cond.notify_all()

    def client(transport, cid, port):
        c = mqtt.Client(client_id=cid, protocol=version, transport=transport)
        if transport == "websockets":
            c.ws_set_options(path="/mqtt")
        ok = threading.Event()
        c.on_connect = lambda *a: ok.set()
        c.on_subscribe = lambda *a: ok.set()
        c.on_message = on_message
        c.connect("127.0.0.1", port)
        c.loop_start()
        check(ok.wait(TIMEOUT), cid + ": no CONNACK")
        ok.clear()
        return c, ok

    sub, subscribed = client("websockets", "ws-sub-" + tag, ws)
    sub.subscribe("ws/%s/#" % tag, 2)
    check(subscribed.wait(TIMEOUT), "no SUBACK")
    pubs = [client("websockets", "ws-pub-" + tag, ws)[0], client("tcp", "tcp-pub-" + tag, tcp)[0]]
    big = bytes(range(256)) * 300  # 76,800 bytes: a frame with a 64-bit length
    sent = []
    for i, p in enumerate(pubs):
        for q in range(3):
            payload = big if q == 1 else b"m%d%d" % (i, q)
            info = p.publish("ws/%s/%d/%d" % (tag, i, q), payload, q)
            info.wait_for_publish()
            sent.append(("ws/%s/%d/%d" % (tag, i, q), payload, q))
    with cond:
        check(cond.wait_for(lambda: len(got) >= len(sent), TIMEOUT),
              "%s: got %d of %d messages" % (tag, len(got), len(sent)))
    check(sorted(got) == sorted(sent), "%s: messages differ" % tag)
    for c in [sub] + pubs:
        c.disconnect()
        c.loop_stop()


def upgrade(port, protocol="mqtt"):
    s = socket.create_connection(("127.0.0.1", port), TIMEOUT)
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % key)
    if protocol:
        req += "Sec-WebSocket-Protocol: %s\r\n" % protocol
    s.sendall((req + "\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    return s, head.decode(errors="replace"), key


def frame(opcode, payload, mask=True, fin=True):
    b = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        b += bytes([m | n])
    elif n < 65536:
        b += bytes([m | 126]) + struct.pack(">H", n)
    else:
        b += bytes([m | 127]) + struct.pack(">Q", n)
    if mask:
        k = os.urandom(4)
        b += k + bytes(x ^ k[i % 4] for i, x in enumerate(payload))
    else:
        b += payload
    return b


def read_frames(s):
    """Every frame the server sends until it closes: [(opcode, payload)]."""
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    out = []
    while len(data) >= 2:
        n, h = data[1] & 0x7F, 2
        if n == 126:
            n, h = struct.unpack(">H", data[2:4])[0], 4
        elif n == 127:
            n, h = struct.unpack(">Q", data[2:10])[0], 10
        out.append((data[0] & 0x0F, data[h:h + n]))
        data = data[h + n:]
    return out


CONNECT_311 = bytes.fromhex("101000044d5154540402003c0004") + b"wsrw"
PINGREQ = bytes.fromhex("c000")


def raw_checks(ws):
    s, head, key = upgrade(ws)
    want = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                         .encode()).digest()).decode()
    check(head.startswith("HTTP/1.1 101"), "no 101: " + head)
    check("Sec-WebSocket-Accept: " + want in head, "wrong accept: " + head)
    check("Sec-WebSocket-Protocol: mqtt" in head, "mqtt not selected: " + head)
    # A CONNECT over three frames (binary + continuations), then CONNECT's
    # answer and a PINGREQ/PINGREQ pair in one frame: packets and frames
    # need not line up.
    s.sendall(frame(2, CONNECT_311[:3], fin=False) + frame(0, CONNECT_311[3:9], fin=False) +
              frame(0, CONNECT_311[9:]))
    s.sendall(frame(2, PINGREQ + PINGREQ))
    s.settimeout(2)
    data = b""
    while data.count(b"\xd0\x00") < 2:
        chunk = s.recv(4096)
        check(chunk, "closed before two PINGRESPs")
        data += chunk
    check(b"\x20\x02\x00\x00" in data, "no CONNACK in %r" % data)
    # A text frame: the server closes the connection (MQTT-6.0.0-1).
    s.sendall(frame(1, PINGREQ))
    frames = read_frames(s)
    check(all(op != 0xA and p != b"\xd0\x00" for op, p in frames), "answered a text frame")
    check(frames and frames[-1][0] == 8, "no close frame after a text frame: %r" % frames)
    check(frames[-1][1][:2] == struct.pack(">H", 1003), "close code %r" % frames[-1][1][:2])
    s.close()
    # An unmasked client frame: closed with 1002.
    s, head, _ = upgrade(ws)
    s.sendall(frame(2, CONNECT_311, mask=False))
    s.settimeout(2)
    frames = read_frames(s)
    check(frames and frames[-1] == (8, struct.pack(">H", 1002)), "unmasked: %r" % frames)
    s.close()
    # No subprotocol, or not "mqtt": refused.
    for proto in (None, "mqttv3.1"):
        s, head, _ = upgrade(ws, proto)
        check(head.startswith("HTTP/1.1 400"), "%s: not refused: %s" % (proto, head))
        s.close()


def main():
    proc, tcp, ws = start_broker(sys.argv[1])
    try:
        paho_round_trip(tcp, ws, mqtt.MQTTv311, "v311")
        paho_round_trip(tcp, ws, mqtt.MQTTv5, "v5")
        raw_checks(ws)
        check(proc.poll() is None, "the broker died")
    finally:
        proc.terminate()
        proc.wait(5)
    print("OK")


if __name__ == "__main__":
    main()
