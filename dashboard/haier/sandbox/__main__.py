"""python -m dashboard.haier.sandbox [--host 127.0.0.1] [--port 5001]: the sandbox gateway on its own."""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from . import create_sandbox_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the Haier open-platform sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args(argv)
    run_simple(args.host, args.port, create_sandbox_app(), threaded=True)


if __name__ == "__main__":
    main()
