#!/usr/bin/env python3
"""`make bench`: `release-policy analyze` over 100,000 and 1,000,000 releases in JSON Lines.

Prints wall time and peak RSS of each run, the cost per release (linear: the two should match),
and the ratio against a peer measured in the same run: Python's json module only parsing the same
lines (no analysis at all). The histories come from www/sample-history.mjs (seeded), generated once
into target/bench-data/.
"""
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "target", "bench-data")
BINARY = os.path.join(REPO, "target", "release", "release-policy")
NOW = "2026-11-27T12:00:00Z"
DAYS = 1000  # the same span for both sizes: the share of releases inside each window is the same


def history(count):
    path = os.path.join(DATA, f"history-{count}.jsonl")
    if not os.path.exists(path):
        os.makedirs(DATA, exist_ok=True)
        print(f"generating {count:,} releases into {os.path.relpath(path, REPO)} …", flush=True)
        with open(path + ".tmp", "wb") as out:
            subprocess.run(["node", os.path.join(REPO, "www", "sample-history.mjs"), "--count", str(count),
                            "--days", str(DAYS), "--now", NOW, "--jsonl"], stdout=out, check=True)
        os.rename(path + ".tmp", path)
    return path


def measure(argv):
    """Wall seconds and peak RSS (KiB) of a child process.

    The peak is the child's own VmHWM, read from /proc while it runs (it only grows, so the last
    reading is the peak): getrusage's ru_maxrss would count this Python's pages, inherited at fork.
    """
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    peak = 0
    while child.poll() is None:
        try:
            with open(f"/proc/{child.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    if child.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed with status {child.returncode}")
    return elapsed, peak


def python_parse(path):
    start = time.perf_counter()
    with open(path, "rb") as f:
        for line in f:
            json.loads(line)
    return time.perf_counter() - start


def main():
    results = {}
    for count in (100_000, 1_000_000):
        path = history(count)
        size = os.path.getsize(path)
        runs = [measure([BINARY, "analyze", "--compact", "--now", NOW, path]) for _ in range(3)]
        best = min(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        peer = python_parse(path)
        results[count] = best
        print(f"analyze {count:>9,} releases ({size / 1e6:,.0f} MB): {best:6.2f} s, "
              f"{best / count * 1e6:5.2f} µs/release, peak RSS {rss / 1024:6.1f} MiB; "
              f"Python json parsing alone {peer:6.2f} s (we take {best / peer:.2f}× its time)", flush=True)
    ratio = results[1_000_000] / results[100_000]
    print(f"1M / 100k time: {ratio:.1f}× for 10× the releases (linear = 10×); goal for 1M: ≤ 2 s")


if __name__ == "__main__":
    main()
