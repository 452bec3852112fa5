#!/usr/bin/env python3
"""Run a command and sample its resident memory (VmRSS of /proc/PID/status) every second.

  rss.py [--every S] [--timeout S] [--csv FILE] [--stdin FILE] -- COMMAND ARGS...

Prints one JSON object on stderr at the end: exit code, seconds, samples, peak VmHWM (MB),
and the RSS (MB) at 10%, 50%, 90% of the run and its min/max after the first 10% (how flat
memory is once warm). --csv writes `seconds,rss_mb` lines. The command's stdout goes to
/dev/null; --timeout stops it (SIGTERM) after that many seconds.
"""
import json
import os
import subprocess
import sys
import time


def status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main():
    args = sys.argv[1:]
    every, timeout, csv, stdin = 1.0, None, None, None
    while args and args[0] != "--":
        flag, value = args[0], args[1]
        args = args[2:]
        if flag == "--every":
            every = float(value)
        elif flag == "--timeout":
            timeout = float(value)
        elif flag == "--csv":
            csv = value
        elif flag == "--stdin":
            stdin = value
        else:
            sys.exit(__doc__)
    cmd = args[1:]
    start = time.time()
    proc = subprocess.Popen(
        cmd,
        stdin=open(stdin, "rb") if stdin else subprocess.DEVNULL,
        stdout=open("/dev/null", "wb"),
    )
    samples, hwm, code = [], 0.0, None
    while True:
        # wait4 gives the child's own peak (ru_maxrss, KB), what `/usr/bin/time -v` reports.
        pid, st, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid != 0:
            hwm = max(hwm, usage.ru_maxrss / 1024)
            code = os.waitstatus_to_exitcode(st)
            break
        rss = status(proc.pid, "VmRSS")
        if rss is not None:
            samples.append((time.time() - start, rss))
        if timeout and time.time() - start > timeout:
            proc.terminate()
        time.sleep(every)
    proc.returncode = code
    seconds = time.time() - start
    if csv:
        with open(csv, "w") as f:
            f.writelines(f"{t:.1f},{r:.1f}\n" for t, r in samples)
    values = [r for _, r in samples]
    warm = values[len(values) // 10:] or values
    at = lambda q: round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else None
    print(json.dumps({
        "exit": proc.returncode,
        "seconds": round(seconds, 1),
        "samples": len(values),
        "peak_hwm_mb": round(hwm, 1),
        "rss_p10_p50_p90_mb": [at(0.1), at(0.5), at(0.9)],
        "warm_min_max_mb": [round(min(warm), 1), round(max(warm), 1)] if warm else None,
    }), file=sys.stderr)
    sys.exit(0 if proc.returncode == 0 else 1)


if __name__ == "__main__":
    main()
