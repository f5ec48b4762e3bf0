#!/usr/bin/python3
"""tests/broker/interop_paho.py BROKER — python3-paho-mqtt (Debian) against
mqspec-broker, with MQTTv311 and MQTTv5: publish/subscribe round trips at
every QoS, session resumption with a message queued while offline, will
messages, and 5.0 properties (user properties, request/response, assigned
client identifier). Run with /usr/bin/python3, which sees the Debian
package. Every wait is on an event, with a timeout."""
import os
import select
import subprocess
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

TIMEOUT = 10


def start_broker(path):
    proc = subprocess.Popen([path, "-p", "0"], stdout=subprocess.PIPE)
    ready, _, _ = select.select([proc.stdout], [], [], 5)
    if not ready:
        proc.kill()
        sys.exit("broker did not start")
    line = proc.stdout.readline().decode()
    if "listening on 127.0.0.1:" not in line:
        proc.kill()
        sys.exit("unexpected first line: " + line)
    return proc, int(line.rsplit(":", 1)[1])


class Client:
    """A paho client whose callbacks feed events the test waits on."""

    def __init__(self, port, cid, version, clean=True, expiry=None, will=None):
        self.version = version
        kw = {"client_id": cid, "protocol": version}
        if version != mqtt.MQTTv5:
            kw["clean_session"] = clean
        self.c = mqtt.Client(**kw)
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.published = threading.Event()
        self.messages = []
        self.got = threading.Condition()
        self.flags = None
        self.props = None
        self.c.on_connect = self._on_connect
        self.c.on_subscribe = self._on_subscribe
        self.c.on_message = self._on_message
        self.c.on_publish = lambda c, u, mid: self.published.set()
        if will:
            self.c.will_set(*will)
        args = {}
        if version == mqtt.MQTTv5:
            args["clean_start"] = clean
            if expiry is not None:
                p = Properties(PacketTypes.CONNECT)
                p.SessionExpiryInterval = expiry
                args["properties"] = p
        self.c.connect("127.0.0.1", port, 60, **args)
        self.c.loop_start()
        check(self.connected.wait(TIMEOUT), cid + ": no CONNACK")

    def _on_connect(self, c, u, flags, rc, props=None):
        self.flags, self.rc, self.props = flags, rc, props
        self.connected.set()

    def _on_subscribe(self, c, u, mid, granted, props=None):
        self.subscribed.set()

    def _on_message(self, c, u, msg):
        with self.got:
            self.messages.append(msg)
            self.got.notify_all()

    def subscribe(self, topic, qos):
        self.subscribed.clear()
        self.c.subscribe(topic, qos)
        check(self.subscribed.wait(TIMEOUT), "no SUBACK for " + topic)

    def publish(self, topic, payload, qos, retain=False, props=None):
        self.published.clear()
        info = self.c.publish(topic, payload, qos, retain, properties=props)
        info.wait_for_publish()
        check(info.is_published(), "publish not completed")

    def wait_messages(self, n):
        with self.got:
            check(self.got.wait_for(lambda: len(self.messages) >= n, TIMEOUT),
                  "got %d messages, expected %d" % (len(self.messages), n))
        return self.messages[:n]

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()

    def drop(self):
        """Close the socket under paho: an abnormal end for the broker."""
        self.c.loop_stop()
        self.c.socket().close()


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def round_trips(port, v, tag):
    sub = Client(port, "sub-" + tag, v)
    pub = Client(port, "pub-" + tag, v)
    sub.subscribe("paho/%s/#" % tag, 2)
    for q in range(3):
        pub.publish("paho/%s/q%d" % (tag, q), "hello %d" % q, q)
    msgs = sub.wait_messages(3)
    for q, m in enumerate(msgs):
        check(m.topic == "paho/%s/q%d" % (tag, q), "topic " + m.topic)
        check(m.payload == b"hello %d" % q, "payload %r" % m.payload)
        check(m.qos == q, "QoS %d for %d" % (m.qos, q))
    pub.publish("paho/%s/r" % tag, "kept", 1, retain=True)
    late = Client(port, "late-" + tag, v)
    late.subscribe("paho/%s/r" % tag, 1)
    m = late.wait_messages(1)[0]
    check(m.retain and m.payload == b"kept", "retained message")
    for c in (sub, pub, late):
        c.close()


def session_resumption(port, v, tag):
    cid = "persist-" + tag
    s = Client(port, cid, v, clean=False, expiry=300)
    s.subscribe("paho/%s/offline" % tag, 1)
    s.close()
    pub = Client(port, "pub2-" + tag, v)
    pub.publish("paho/%s/offline" % tag, "while away", 1)
    pub.close()
    s = Client(port, cid, v, clean=False, expiry=300)
    present = s.flags.get("session present")
    check(present == 1, "session present is %r" % present)
    m = s.wait_messages(1)[0]
    check(m.payload == b"while away", "queued message")
    s.close()


def will(port, v, tag):
    w = Client(port, "watch-" + tag, v)
    w.subscribe("paho/%s/will" % tag, 1)
    d = Client(port, "dying-" + tag, v, will=("paho/%s/will" % tag, "gone", 1, False))
    d.drop()
    m = w.wait_messages(1)[0]
    check(m.payload == b"gone", "will payload")
    w.close()


def v5_properties(port):
    a = Client(port, "", mqtt.MQTTv5)
    assigned = getattr(a.props, "AssignedClientIdentifier", "")
    check(assigned.startswith("mqspec-"), "assigned client id %r" % assigned)
    sub = Client(port, "props-sub", mqtt.MQTTv5)
    sub.subscribe("paho/5/props", 1)
    p = Properties(PacketTypes.PUBLISH)
    p.UserProperty = [("k1", "v1"), ("k2", "v2"), ("k1", "again")]
    p.ResponseTopic = "paho/5/reply"
    p.CorrelationData = b"\x01\x02"
    p.ContentType = "text/plain"
    a.publish("paho/5/props", "with props", 1, props=p)
    m = sub.wait_messages(1)[0]
    got = m.properties
    check(got.UserProperty == [("k1", "v1"), ("k2", "v2"), ("k1", "again")],
          "user properties %r" % (got.UserProperty,))
    check(got.ResponseTopic == "paho/5/reply", "response topic")
    check(got.CorrelationData == b"\x01\x02", "correlation data")
    check(got.ContentType == "text/plain", "content type")
    a.close()
    sub.close()


def main():
    path = sys.argv[1]
    proc, port = start_broker(path)
    try:
        for v, tag in ((mqtt.MQTTv311, "311"), (mqtt.MQTTv5, "5")):
            round_trips(port, v, tag)
            session_resumption(port, v, tag)
            will(port, v, tag)
            print("ok: paho MQTTv%s" % tag)
        v5_properties(port)
        print("ok: paho MQTTv5 properties")
    finally:
        proc.terminate()
        rc = proc.wait(5)
    check(rc == 0, "broker exited with %d" % rc)
    print("PASS: paho interop (MQTTv311, MQTTv5)")


if __name__ == "__main__":
    main()
