"""The action server: rasa-sdk's own app, started only once every model it needs is loaded.

``python -m actions.server [--fd N | --host H --port P]``. It preloads the services (order
store, searcher and one warm-up query) *before* it accepts a connection, so its ``/health``
answering means it is ready and no buyer's turn waits for a model load. The listening socket
is either inherited (``--fd``: supervisord's shared socket, so several action-server processes
serve one port and a restarting one takes no connections until it is ready) or bound here
with ``SO_REUSEPORT`` (several processes may bind the same port too).

Besides rasa-sdk's ``/webhook``, ``/health`` and ``/actions`` it serves ``/metrics``
(``supportbot_action_duration_seconds{action}``, ``supportbot_action_failures_total``).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import time

log = logging.getLogger("actions.server")
KEEP_ALIVE_SECONDS = 75


def _listening_socket(args: argparse.Namespace) -> socket.socket:
    if args.fd is not None:
        return socket.socket(fileno=args.fd)
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((args.host, args.port))
    sock.listen(512)
    return sock


def metrics_text(registry: object) -> bytes:
    """The registry's metrics, or every process's when they share ``PROMETHEUS_MULTIPROC_DIR``."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)
        return generate_latest(merged)
    return generate_latest(registry)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__.split("\n")[0])
    parser.add_argument("--fd", type=int, help="an inherited listening socket (supervisord: 0)")
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)

    from bot.config import apply_env_defaults

    apply_env_defaults()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")

    from actions.services import default_services

    started = time.perf_counter()
    services = default_services()
    try:
        if services.settings.env == "production":
            # Without it every buyer would silently be anonymous (bot.identity); the gateway and
            # Rasa refuse to start without their secrets too.
            services.settings.require_secret("actions_secret")
        timings = services.preload()
    except Exception as exc:
        # supervisord restarts the process with a growing delay; the message says what to fix.
        log.error("the action server cannot start: %s", exc)
        return 1
    log.info(
        "services loaded in %.1f s (%s)",
        time.perf_counter() - started,
        ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()),
    )

    from prometheus_client import CONTENT_TYPE_LATEST
    from rasa_sdk.endpoint import create_app
    from sanic import response
    from sanic.request import Request

    app = create_app("actions", cors_origins=[])
    # Rasa opens a connection per action call and, when its event loop is busy with other
    # conversations, may write the request seconds later; Sanic's default 5 s idle limit then
    # closed the connection under it ("Cannot write to closing transport", the action's answer
    # lost). Idle connections cost nothing here, so they may wait.
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS

    @app.get("/metrics")
    async def metrics(_request: Request) -> response.HTTPResponse:
        return response.raw(metrics_text(services.metrics.registry), content_type=CONTENT_TYPE_LATEST)

    sock = _listening_socket(args)
    log.info("action server ready on %s", sock.getsockname())
    app.run(sock=sock, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
