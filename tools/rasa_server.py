"""``python -m tools.rasa_server [rasa run options]``: ``rasa run`` with its HTTP API token.

Rasa takes the token only as ``--auth-token`` on its command line, which every user of the machine
can read (``ps``, ``/proc/<pid>/cmdline``). This launcher reads it from ``SUPPORTBOT_RASA_TOKEN``
and hands it to Rasa's own command-line entry point inside this process, so the visible command
line never holds it. Without a token it refuses to start: Rasa's API (every conversation's
tracker, NLU, model replacement) would be open to any local process.
"""

from __future__ import annotations

import os
import sys

TOKEN_VARIABLE = "SUPPORTBOT_RASA_TOKEN"


def rasa_argv(args: list[str], token: str) -> list[str]:
    """The argument vector of ``rasa run`` with ``args`` and the token."""
    return ["rasa", "run", *args, "--auth-token", token]


def main(args: list[str] | None = None) -> int:
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        print(
            f"tools.rasa_server: {TOKEN_VARIABLE} is not set; Rasa's HTTP API needs a token", file=sys.stderr
        )
        return 2
    from rasa.__main__ import main as rasa_main

    sys.argv = rasa_argv(sys.argv[1:] if args is None else args, token)
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
