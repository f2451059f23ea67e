"""`supportbot serve`: the gateway alone under uvicorn (`make run` starts Rasa and the action server too)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    serve = commands.add_parser(
        "serve",
        help="Run only the gateway (make run starts Rasa and the action server too).",
        description="Runs the FastAPI gateway under uvicorn on SUPPORTBOT_HOST:SUPPORTBOT_PORT.",
    )
    serve.add_argument("--host", help="default SUPPORTBOT_HOST")
    serve.add_argument("--port", type=int, help="default SUPPORTBOT_PORT")
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.config import get_settings

    settings = get_settings()
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        ws="wsproto",
    )
    return 0
