"""Helpers for `make run`: `python -m dashboard.devtools wait-for URL`."""

from __future__ import annotations

import sys
import time

import requests


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                sys.exit(f"{url} did not answer within {timeout:.0f} s")
            time.sleep(0.2)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "wait-for":
        sys.exit("usage: python -m dashboard.devtools wait-for URL")
    wait_for(sys.argv[2])
