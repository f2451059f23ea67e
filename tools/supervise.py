"""`supportbot supervise`: the process layout of one host, as a supervisord configuration.

``scripts/run.sh`` (``make run``) calls it, then runs ``supervisord -n`` on what it wrote. It
first checks what the processes need (the secrets every process shares; the trained model; the
database at ``SUPPORTBOT_DB_URL``; Redis at ``SUPPORTBOT_REDIS_URL`` when set) and refuses with a
message naming the setting, so a wrong URL or a missing secret stops the start instead of sending
every process into a restart loop.

Programs (every one restarted by supervisord when it dies; a process that dies while starting is
retried with a growing delay):

| program | processes | listens on |
| --- | --- | --- |
| ``actions`` | ``SUPPORTBOT_ACTION_WORKERS`` | one socket at ``SUPPORTBOT_ACTION_SERVER_URL``'s port (5055), held by supervisord and shared |
| ``rasa`` (``python -m tools.rasa_server``) | ``SUPPORTBOT_RASA_REPLICAS`` | 127.0.0.1:5005, 5006, ... one port each from ``SUPPORTBOT_RASA_URL``'s (the gateway picks the replica) |
| ``gateway`` | ``SUPPORTBOT_GATEWAY_WORKERS`` | one socket at ``SUPPORTBOT_HOST:SUPPORTBOT_PORT``, held by supervisord and shared |

Shared sockets (supervisord's ``fcgi-program``) mean a restarting process never makes the port
refuse connections while another process of the program is up, and a process only takes
connections once it is ready (the action server binds nothing itself; it accepts after loading).

No secret is written into the files: the processes inherit them from supervisord's environment,
so every Rasa replica runs with the same ``SUPPORTBOT_RASA_TOKEN`` (``tools.rasa_server`` hands it
to Rasa off the command line), which the gateway sends to whichever replica it asks, and every
action server and gateway process with the same ``SUPPORTBOT_ACTIONS_SECRET`` (the signed identity
of each turn, ``bot.identity``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import Settings
from bot.errors import UsageError

RASA_FIRST_PORT = 5005  # when SUPPORTBOT_RASA_URL names no port
# A ticket of a Rasa replica that died holding a conversation's lock blocks that conversation
# this long (Rasa's default is 60 s). Turns take well under a second; 15 s leaves a wide margin.
TICKET_LOCK_LIFETIME = 15
MODEL = Path("models/rasa/supportbot.tar.gz")


def rasa_first_port(settings: Settings) -> int:
    """Replicas listen on consecutive ports from the port of SUPPORTBOT_RASA_URL (its first URL)."""
    return _host_port(settings.rasa_urls[0], RASA_FIRST_PORT)[1]


def rasa_urls(settings: Settings) -> list[str]:
    first = rasa_first_port(settings)
    return [f"http://127.0.0.1:{first + n}" for n in range(settings.rasa_replicas)]


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def check_database(settings: Settings) -> None:
    from sqlalchemy import text

    from bot import db

    try:
        engine = db.get_engine(settings.database_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except UsageError as exc:
        raise UsageError(f"SUPPORTBOT_DB_URL: {exc}") from None
    except Exception as exc:
        where = settings.database_url
        try:
            where = db.describe(db.get_engine(settings.database_url))
        except Exception:
            where = "(unparsable URL)"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise UsageError(f"SUPPORTBOT_DB_URL: cannot connect to the database {where}: {first}") from None


def check_redis(settings: Settings) -> None:
    if settings.redis_url is None:
        return
    import redis

    client = redis.Redis.from_url(settings.redis_url, socket_timeout=3.0, socket_connect_timeout=3.0)
    try:
        client.ping()
    except redis.RedisError as exc:
        parts = urlsplit(settings.redis_url)
        where = f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"
        raise UsageError(f"SUPPORTBOT_REDIS_URL: cannot reach Redis at {where}: {exc}") from None
    finally:
        client.close()


# Shared by several programs: without them Rasa refuses to start (and would be restarted forever)
# or every buyer's identity is dropped between the gateway and the actions.
SHARED_SECRETS = ("rasa_token", "actions_secret")


def check_secrets(settings: Settings) -> None:
    """Refuses a configuration the processes would refuse (production without its secrets, the
    demo sign-in where it is not allowed) and a missing secret the programs share."""
    try:
        settings.check_production_secrets()
        for name in SHARED_SECRETS:
            settings.require_secret(name)
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None


def check_layout(settings: Settings) -> list[str]:
    """Refuses a layout that cannot work; returns warnings about one that works with limits."""
    warnings = []
    if settings.rasa_replicas > 1 and settings.redis_url is None:
        raise UsageError(
            "SUPPORTBOT_RASA_REPLICAS > 1 needs SUPPORTBOT_REDIS_URL: replicas share each "
            "conversation's lock through Redis, or two of them could answer one conversation at once"
        )
    if settings.gateway_workers > 1 and settings.redis_url is None:
        warnings.append(
            "SUPPORTBOT_GATEWAY_WORKERS > 1 without SUPPORTBOT_REDIS_URL: each gateway process "
            "keeps its own rate-limit counts"
        )
    if settings.rasa_replicas > 1 and settings.database_url.startswith("sqlite"):
        warnings.append(
            "several Rasa replicas on SQLite share one database file; use PostgreSQL beyond one host"
        )
    return warnings


def endpoints(settings: Settings, template: Path) -> dict[str, Any]:
    """The Rasa endpoints of this layout: the committed ``endpoints.yml`` plus the Redis lock
    store when ``SUPPORTBOT_REDIS_URL`` is set. Values stay ``${VARIABLE}`` references, which Rasa
    fills from its environment, so no secret lands in the file."""
    import yaml

    data = yaml.safe_load(template.read_text(encoding="utf-8")) or {}
    if settings.redis_url is not None:
        data["lock_store"] = {
            "type": "rasa_server.lock_store.AtomicRedisLockStore",
            "url": "${SUPPORTBOT_REDIS_URL}",
        }
    return dict(data)


def _env(values: dict[str, str]) -> str:
    """supervisord's ``environment=`` value: quoted, with its ``%`` expansion escaped."""
    return ",".join(f'{key}="{value.replace("%", "%%")}"' for key, value in values.items())


def supervisord_conf(settings: Settings, *, home: Path, run_dir: Path, python: Path) -> str:
    bin_dir = python.parent
    action_host, action_port = _host_port(settings.action_server_url, 5055)
    metrics = run_dir / "metrics"
    common = {
        "directory": str(home),
        "autorestart": "true",
        "startretries": "1000",
        "stopasgroup": "true",
        "killasgroup": "true",
        "stopsignal": "TERM",
        "stopwaitsecs": "15",
        "redirect_stderr": "true",
        "stdout_logfile": "/dev/stdout",
        "stdout_logfile_maxbytes": "0",
    }
    sections: list[tuple[str, dict[str, str]]] = [
        (
            "supervisord",
            {
                "nodaemon": "true",
                "logfile": "/dev/stdout",
                "logfile_maxbytes": "0",
                "loglevel": "info",
                "pidfile": str(run_dir / "supervisord.pid"),
                "childlogdir": str(run_dir),
            },
        ),
        ("unix_http_server", {"file": str(run_dir / "supervisor.sock"), "chmod": "0700"}),
        ("supervisorctl", {"serverurl": f"unix://{run_dir / 'supervisor.sock'}"}),
        (
            "rpcinterface:supervisor",
            {"supervisor.rpcinterface_factory": "supervisor.rpcinterface:make_main_rpcinterface"},
        ),
        (
            "fcgi-program:actions",
            {
                "socket": f"tcp://{action_host}:{action_port}",
                "socket_backlog": "1024",
                "command": f"{python} -m actions.server --fd 0",
                "process_name": "actions-%(process_num)d",
                "numprocs": str(settings.action_workers),
                # Loading the embedding model takes seconds; a process that dies before this is
                # retried with a growing delay (1 s, 2 s, 3 s, ...).
                "startsecs": "5",
                "environment": _env({"PROMETHEUS_MULTIPROC_DIR": str(metrics / "actions")}),
                **common,
            },
        ),
        (
            "program:rasa",
            {
                # The API token comes from SUPPORTBOT_RASA_TOKEN in the environment, never this line.
                "command": (
                    f"{python} -m tools.rasa_server --enable-api --model {MODEL} -i 127.0.0.1 -p %(process_num)d "
                    f"--endpoints {run_dir / 'endpoints.yml'} --credentials credentials.yml"
                ),
                "process_name": "rasa-%(process_num)d",
                "numprocs": str(settings.rasa_replicas),
                "numprocs_start": str(rasa_first_port(settings)),
                "startsecs": "5",
                "environment": _env({"TICKET_LOCK_LIFETIME": str(TICKET_LOCK_LIFETIME)}),
                **common,
            },
        ),
        (
            "fcgi-program:gateway",
            {
                "socket": f"tcp://{settings.host}:{settings.port}",
                "socket_backlog": "1024",
                "command": f"{bin_dir / 'uvicorn'} api.main:create_app --factory --fd 0 --ws wsproto --no-access-log",
                "process_name": "gateway-%(process_num)d",
                "numprocs": str(settings.gateway_workers),
                "startsecs": "3",
                "environment": _env(
                    {
                        "SUPPORTBOT_RASA_URL": ",".join(rasa_urls(settings)),
                        "PROMETHEUS_MULTIPROC_DIR": str(metrics / "gateway"),
                    }
                ),
                **common,
            },
        ),
    ]
    lines = [
        "; Written by `supportbot supervise` (scripts/run.sh) for this layout; edits are overwritten.",
        f"; {settings.rasa_replicas} Rasa replica(s), {settings.action_workers} action-server process(es), "
        f"{settings.gateway_workers} gateway process(es).",
    ]
    for name, values in sections:
        lines.append(f"\n[{name}]")
        lines.extend(f"{key}={value}" for key, value in values.items())
    return "\n".join(lines) + "\n"


def write_layout(settings: Settings, *, home: Path, run_dir: Path, python: Path) -> Path:
    """Checks, then writes ``supervisord.conf`` and ``endpoints.yml`` into ``run_dir``; returns the
    configuration's path. The metrics directories start empty (a new run, new counts)."""
    import yaml

    warnings = check_layout(settings)
    check_secrets(settings)
    if not (home / MODEL).is_file():
        raise UsageError(f"no Rasa model at {MODEL}; run `make train`")
    check_database(settings)
    check_redis(settings)
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in ("actions", "gateway"):
        directory = run_dir / "metrics" / name
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    (run_dir / "endpoints.yml").write_text(
        "# Written by `supportbot supervise` from endpoints.yml; edits are overwritten.\n"
        + yaml.safe_dump(endpoints(settings, home / "endpoints.yml"), sort_keys=False),
        encoding="utf-8",
    )
    conf = run_dir / "supervisord.conf"
    conf.write_text(supervisord_conf(settings, home=home, run_dir=run_dir, python=python), encoding="utf-8")
    conf.chmod(0o600)
    for warning in warnings:
        print(f"supportbot: warning: {warning}", file=sys.stderr)
    return conf


def _supervise(args: argparse.Namespace) -> int:
    from bot.config import get_settings

    settings = get_settings()
    home = settings.home
    run_dir = Path(args.run_dir) if args.run_dir else home / "var" / "run"
    conf = write_layout(settings, home=home, run_dir=run_dir.resolve(), python=Path(sys.executable))
    print(conf)
    return 0


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    parser = commands.add_parser(
        "supervise",
        help="Check the settings and write the supervisord configuration of this host's processes.",
        description=(
            "Checks the shared secrets (SUPPORTBOT_RASA_TOKEN, SUPPORTBOT_ACTIONS_SECRET), the Rasa model, "
            "the database (SUPPORTBOT_DB_URL) and Redis (SUPPORTBOT_REDIS_URL), "
            "then writes supervisord.conf and Rasa's endpoints.yml for SUPPORTBOT_RASA_REPLICAS, "
            "SUPPORTBOT_ACTION_WORKERS and SUPPORTBOT_GATEWAY_WORKERS, and prints the configuration's "
            "path. scripts/run.sh (make run) runs supervisord on it."
        ),
    )
    parser.add_argument("--run-dir", help="where to write (default var/run)")
    parser.set_defaults(func=_supervise)
