#!/usr/bin/env python3
"""tests/harness/check_html.py — the HTML report, rendered by headless Chromium.

    check_html.py MQSPEC REPORT_GEN SCENARIOS_DIR EXPECT_MOSQUITTO OUT CHROMIUM

Runs the suite against the bundled mqspec-broker (`mqspec run --json
--html`) and against mosquitto (tests/harness/broker_run.py), writes the
synthetic run with a failing scenario (report_gen), and puts the three side
by side with `mqspec report A.json B.json C.json --html OUT/side`. Chromium
(--headless --dump-dom, from file://, no network) must then show the
summary with one row per run, the statement matrix with a column per run,
and the failing scenario's message and wire transcript; both pages are
also saved as screenshots (OUT/*.png) for a human to look at.
"""
import html.parser
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=kw.pop("timeout", 180), **kw)
    if p.returncode != 0:
        print(p.stdout)
        sys.exit(f"FAIL: exit {p.returncode}: {' '.join(cmd)}")
    return p.stdout


def chromium(exe, args, url):
    profile = tempfile.mkdtemp(prefix="mqs-chromium-")
    try:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}"] + args + [url]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=120)
        if p.returncode != 0:
            print(p.stderr)
            sys.exit(f"FAIL: chromium exit {p.returncode}")
        return p.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Dom(html.parser.HTMLParser):
    """Text per scenario section, the summary rows, matrix header cells."""

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, attrs)
        self.sections = {}  # id -> text
        self.section = None
        self.summary_rows = 0
        self.transcripts = {}  # section id -> number of transcript rows
        self.msgs = {}  # section id -> message text
        self.in_msg = False
        self.in_summary_h2 = False
        self.summary_h2 = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        void = tag in ("meta", "br", "link", "img", "input", "hr")
        if not void:
            self.stack.append((tag, a))
        if tag == "section" and "scenario" in a.get("class", ""):
            self.section = a.get("id", "")[2:]
            self.sections[self.section] = ""
        if tag == "tr" and a.get("class") == "run":
            self.summary_rows += 1
        if tag == "tr" and self.section and any(
                t == "table" and "transcript" in x.get("class", "") for t, x in self.stack):
            self.transcripts[self.section] = self.transcripts.get(self.section, 0) + 1
        if tag == "pre" and a.get("class") == "msg":
            self.in_msg = True
        if tag == "h2" and a.get("id") == "summary":
            self.in_summary_h2 = True

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "section":
            self.section = None
        if tag == "pre":
            self.in_msg = False
        if tag == "h2":
            self.in_summary_h2 = False

    def handle_data(self, data):
        if self.section:
            self.sections[self.section] += data
            if self.in_msg:
                self.msgs[self.section] = self.msgs.get(self.section, "") + data
        if self.in_summary_h2:
            self.summary_h2 += data


def main():
    mqspec, report_gen, scenarios, expect_mosq, out, chrome = sys.argv[1:7]
    exe = shutil.which(chrome) or (chrome if os.path.exists(chrome) else None)
    if not exe:
        sys.exit(f"FAIL: {chrome} not found: install Debian's chromium (ci/deps.sh test)")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    sel = ["--scenarios", os.path.join(scenarios, "v311"), "--scenarios",
           os.path.join(scenarios, "v5"), "-j", "16", "--no-color", "-q"]
    # the bundled broker, with --html straight from the run
    run([mqspec, "run"] + sel + ["--json", f"{out}/mqspec-broker.json", "--html", f"{out}/single"])
    # mosquitto, its known deviations listed: expected failures
    run([sys.executable, os.path.join(HERE, "broker_run.py"), "--broker", "mosquitto",
         "--expect-exit", "0", "--", mqspec, "run", "--broker", "127.0.0.1:{port}"] + sel +
        ["--expect-fail", expect_mosq, "--json", f"{out}/mosquitto.json"])
    # a run with a failing scenario and hostile text
    os.makedirs(f"{out}/fixture")
    run([report_gen, f"{out}/fixture"])
    run([mqspec, "report", f"{out}/mqspec-broker.json", f"{out}/mosquitto.json",
         f"{out}/fixture/report.json", "--name", "mqspec-broker", "--name", "mosquitto",
         "--html", f"{out}/side"])

    bad = []
    # the report command's errors: exit 2 and a message that says where
    with open(f"{out}/broken.json", "w") as f:
        f.write('{"scenarios": [\n  {"id": "x",}]}')
    with open(f"{out}/other.json", "w") as f:
        f.write('[1, 2]')
    for args, want in (([f"{out}/broken.json"], "broken.json: line 2, column 14"),
                       ([f"{out}/other.json"], "not the JSON of 'mqspec run --json'"),
                       ([f"{out}/missing.json"], "No such file"),
                       ([], "give one or more run JSON files"),
                       ([f"{out}/mosquitto.json", "--name"], "--name needs a value")):
        html_args = [] if "--name" in args else ["--html", f"{out}/never"]
        p = subprocess.run([mqspec, "report"] + args + html_args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        if p.returncode != 2 or want not in p.stderr:
            bad.append(f"report {args}: exit {p.returncode}, {p.stderr!r}; want 2 and {want!r}")
    if os.path.exists(f"{out}/never"):
        bad.append("report wrote a page despite an error")
    for page, n_runs in (("single", 1), ("side", 3)):
        url = "file://" + os.path.abspath(f"{out}/{page}/index.html")
        dom = chromium(exe, ["--dump-dom"], url)
        with open(f"{out}/{page}.dom.html", "w") as f:
            f.write(dom)
        d = Dom()
        d.feed(dom)
        if d.summary_h2 != "Summary":
            bad.append(f"{page}: no Summary heading in the DOM")
        if d.summary_rows != n_runs:
            bad.append(f"{page}: {d.summary_rows} summary rows, want {n_runs}")
        if page == "side" and "<th>mosquitto</th>" not in dom:
            bad.append("side: no mosquitto column")
        if "mqspec-broker" not in dom:
            bad.append(f"{page}: the bundled broker is not named")
        if len(d.sections) < 50:
            bad.append(f"{page}: only {len(d.sections)} scenario sections")
        for sid in ("v5.connect.basic", "v311.connect.basic"):
            if sid in d.sections and not d.transcripts.get(sid):
                bad.append(f"{page}: {sid} has no transcript rows")
        if page == "side":
            sid = "v5.publish.70k"  # the fixture's failing scenario
            msg = d.msgs.get(sid, "")
            if 'expected PUBACK <id=7> & "ok", got' not in msg:
                bad.append(f"side: the failing scenario's message is missing: {msg!r}")
            if d.transcripts.get(sid, 0) < 5:
                bad.append(f"side: the failing scenario's transcript has "
                           f"{d.transcripts.get(sid, 0)} rows")
            text = d.sections.get(sid, "")
            for want in ("\u2192 sent", "\u2190 received", "CONNECT", "PUBLISH", "10 "):
                if want not in text:
                    bad.append(f"side: {want!r} not in the failing scenario's transcript")
            # mosquitto's expected failures show their message and transcript too
            mosq_fail = [s for s, m in d.msgs.items() if s != sid]
            if not mosq_fail:
                bad.append("side: no mosquitto failure message shown")
            if "MQTT 3.1.1" not in dom or "MQTT 5.0" not in dom:
                bad.append("side: the matrix is not grouped by version")
        png = f"{out}/{page}.png"
        chromium(exe, ["--window-size=1400,2000", f"--screenshot={png}"], url)
        with open(png, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                bad.append(f"{page}: the screenshot is not a PNG")
    for b in bad:
        print("FAIL:", b)
    if bad:
        sys.exit(1)
    print(f"OK: {out}/single/index.html and {out}/side/index.html render in Chromium")


if __name__ == "__main__":
    main()
