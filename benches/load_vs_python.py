#!/usr/bin/env python3
"""`check` on a large landscape file beside Python's `json.load` of the same file, in one run.

Both are whole processes, started alternately so that the machine's load falls on both
alike: the wall time from the spawn to the exit, and the peak resident set of the process
(`ru_maxrss` from `wait4`). Prints each run, the medians and the ratios, and exits 1 when
a target of issue 22 is missed (`check` at most 0.6 x Python's time, at most 1.2 x its
peak memory).

    cargo build --release
    python3 benches/load_vs_python.py                      # 100,000 systems, 9 runs each
    python3 benches/load_vs_python.py --runs 15 --binary target/release/formation-wizard \\
        --landscape /tmp/big.json

The landscape is generated with the binary when the file does not exist
(`generate --systems 100000 --formations 10000 --seed 7`).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

TIME_RATIO = 0.6
MEMORY_RATIO = 1.2


def run(argv):
    """Wall seconds and peak RSS in MiB of one process; its output is discarded."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    return elapsed, usage.ru_maxrss / 1024, child.returncode, err


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(here, "..", "target"))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", default=os.path.join(target, "release", "formation-wizard"))
    p.add_argument("--landscape", default="/tmp/formation-wizard-100k.json")
    p.add_argument("--systems", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--python", default=sys.executable)
    args = p.parse_args()

    if not os.path.exists(args.landscape):
        with open(args.landscape, "wb") as out:
            subprocess.run(
                [args.binary, "generate", "--systems", str(args.systems),
                 "--formations", str(args.systems // 10), "--seed", "7"],
                stdout=out, check=True)
    size = os.path.getsize(args.landscape)

    # A Task Center system of the generated file: the verdict (exit 1, a rule broken) is
    # printed after the whole file was read, validated and checked.
    check = [args.binary, "check", "--landscape", args.landscape, "--name", "Bench",
             "--type", "sap-task-center", "--system", "sys-000002"]
    python = [args.python, "-c", "import json,sys; json.load(open(sys.argv[1]))",
              args.landscape]

    print(f"landscape: {args.landscape} ({size / 1e6:.1f} MB), {args.runs} runs each, "
          f"alternating; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    ours, theirs = [], []
    for i in range(args.runs):
        t, m, code, err = run(check)
        if code not in (0, 1):
            sys.exit(f"check failed (exit {code}): {err.strip()}")
        ours.append((t, m))
        t2, m2, code, err = run(python)
        if code != 0:
            sys.exit(f"python failed (exit {code}): {err.strip()}")
        theirs.append((t2, m2))
        print(f"  run {i + 1}: check {t * 1000:6.0f} ms {m:6.1f} MiB   "
              f"json.load {t2 * 1000:6.0f} ms {m2:6.1f} MiB")

    ot = statistics.median(t for t, _ in ours)
    om = statistics.median(m for _, m in ours)
    pt = statistics.median(t for t, _ in theirs)
    pm = statistics.median(m for _, m in theirs)
    print(f"median  check {ot * 1000:.0f} ms, {om:.1f} MiB peak   "
          f"python json.load {pt * 1000:.0f} ms, {pm:.1f} MiB peak")
    time_ok = ot <= TIME_RATIO * pt
    mem_ok = om <= MEMORY_RATIO * pm
    print(f"ratio   time {ot / pt:.2f} x (target <= {TIME_RATIO}: "
          f"{'met' if time_ok else 'MISSED'})   "
          f"memory {om / pm:.2f} x (target <= {MEMORY_RATIO}: "
          f"{'met' if mem_ok else 'MISSED'})")
    sys.exit(0 if time_ok and mem_ok else 1)


if __name__ == "__main__":
    main()
