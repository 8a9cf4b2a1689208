#!/usr/bin/env python3
# Checks bulkhead-recon's JSON report against a fixture's expect file.
#   check.py EXPECT REPORT.json EXIT_CODE
# Lines of EXPECT ('#' starts a comment):
#   exit = N                      the program's exit status
#   PATH = VALUE                  a value in the report: PATH is dotted
#                                 (verdict.vm, hardware.iommu.kind); VALUE is
#                                 null, true, false, a number, or a string
#   disagreement = SOURCE:ID      the verdict lists a finding from SOURCE
#                                 that suggests ID against it
#   disagreements = N             how many findings the verdict lists against it
#   finding = SOURCE:KEY:TOPIC    the evidence holds that finding in that topic
#   root_would_add ~ TEXT         some "root would add" line contains TEXT
# Prints what differs; exits 0 when everything matches.  Parsing the report
# with Python's json module also checks that it is valid JSON.
import json
import sys


def lookup(doc, path):
    cur = doc
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise KeyError(path)
        cur = cur[part]
    return cur


def literal(text):
    if text in ("null", "true", "false"):
        return json.loads(text)
    try:
        return int(text)
    except ValueError:
        return text


def main():
    expect_path, report_path, exit_code = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(report_path, encoding="utf-8") as f:
        doc = json.load(f)
    failures = []
    with open(expect_path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            where = "%s:%d" % (expect_path, lineno)
            if " ~ " in line:
                key, want = (s.strip() for s in line.split(" ~ ", 1))
                values = lookup(doc, key)
                if not any(want in v for v in values):
                    failures.append("%s: no %s line contains %r: %r" % (where, key, want, values))
                continue
            key, want = (s.strip() for s in line.split("=", 1))
            if key == "exit":
                if exit_code != int(want):
                    failures.append("%s: exit %d, want %s" % (where, exit_code, want))
            elif key == "disagreement":
                source, env = want.split(":", 1)
                if not any(d["source"] == source and env in d["suggests"]
                           for d in doc["verdict"]["disagreements"]):
                    failures.append("%s: no disagreement from %s suggesting %s" % (where, source, env))
            elif key == "disagreements":
                got = len(doc["verdict"]["disagreements"])
                if got != int(want):
                    failures.append("%s: %d disagreements, want %s: %r" % (
                        where, got, want,
                        [(d["source"], d["key"], d["suggests"]) for d in doc["verdict"]["disagreements"]]))
            elif key == "finding":
                source, rest = want.split(":", 1)
                fkey, topic = rest.rsplit(":", 1)
                if not any(e["source"] == source and e["key"] == fkey and e["topic"] == topic
                           for e in doc["evidence"]):
                    failures.append("%s: no finding %s" % (where, want))
            else:
                try:
                    got = lookup(doc, key)
                except KeyError:
                    failures.append("%s: no %s in the report" % (where, key))
                    continue
                if got != literal(want):
                    failures.append("%s: %s is %r, want %r" % (where, key, got, literal(want)))
    for f in failures:
        print("# " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
