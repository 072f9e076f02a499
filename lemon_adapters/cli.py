"""The ``lemon-adapters`` command."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: ``lemon-adapters demo [...]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "demo":
        from .demo import main as demo

        return demo(args[1:])
    print(f"unknown command {args[0]!r}; try: lemon-adapters demo", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
