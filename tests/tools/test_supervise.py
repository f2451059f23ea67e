"""`supportbot supervise`: the layout it writes and the settings it refuses."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import UsageError
from tools.supervise import (
    check_database,
    check_layout,
    check_redis,
    check_secrets,
    endpoints,
    supervisord_conf,
    write_layout,
)

HOME = Path(__file__).resolve().parents[2]
SECRETS = {"rasa_token": "rasa-token-for-this-test", "actions_secret": "actions-secret-for-this-test"}


def settings(**values: object) -> Settings:
    return Settings(env="test", **values)  # type: ignore[arg-type]


def parsed(conf: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_string(conf)
    return parser


def test_the_layout_has_one_program_per_kind_with_the_chosen_process_counts(tmp_path: Path) -> None:
    conf = parsed(
        supervisord_conf(
            settings(
                rasa_replicas=3,
                action_workers=2,
                gateway_workers=2,
                redis_url="redis://127.0.0.1:6379/0",
                port=8100,
            ),
            home=HOME,
            run_dir=tmp_path,
            python=Path("/venv/bin/python"),
        )
    )
    assert conf["program:rasa"]["numprocs"] == "3"
    assert conf["program:rasa"]["numprocs_start"] == "5005"
    assert "-p %(process_num)d" in conf["program:rasa"]["command"]
    assert conf["fcgi-program:actions"]["numprocs"] == "2"
    assert conf["fcgi-program:actions"]["socket"] == "tcp://127.0.0.1:5055"
    assert conf["fcgi-program:gateway"]["numprocs"] == "2"
    assert conf["fcgi-program:gateway"]["socket"] == "tcp://127.0.0.1:8100"
    assert "--fd 0" in conf["fcgi-program:gateway"]["command"]
    assert (
        'SUPPORTBOT_RASA_URL="http://127.0.0.1:5005,http://127.0.0.1:5006,http://127.0.0.1:5007"'
        in conf["fcgi-program:gateway"]["environment"]
    )
    for program in ("program:rasa", "fcgi-program:actions", "fcgi-program:gateway"):
        assert conf[program]["autorestart"] == "true"
        assert int(conf[program]["startretries"]) >= 100


def test_no_secret_is_written_and_replica_ports_follow_the_rasa_url(tmp_path: Path) -> None:
    text = supervisord_conf(
        settings(
            rasa_url="http://127.0.0.1:5105",
            rasa_replicas=2,
            redis_url="redis://:s3cret-redis@127.0.0.1:6379/0",
            db_url="postgresql://bot:s3cret-db@127.0.0.1/bot",
            admin_token="s3cret-admin",
            rasa_token="s3cret-rasa",
            actions_secret="s3cret-actions",
        ),
        home=HOME,
        run_dir=tmp_path,
        python=Path("/venv/bin/python"),
    )
    assert "s3cret" not in text
    assert parsed(text)["program:rasa"]["numprocs_start"] == "5105"


def test_every_rasa_replica_starts_through_the_token_launcher(tmp_path: Path) -> None:
    command = parsed(
        supervisord_conf(
            settings(rasa_replicas=2, redis_url="redis://127.0.0.1:6379/0", **SECRETS),
            home=HOME,
            run_dir=tmp_path,
            python=Path("/venv/bin/python"),
        )
    )["program:rasa"]["command"]
    assert command.startswith("/venv/bin/python -m tools.rasa_server --enable-api ")
    assert "--auth-token" not in command
    assert "SUPPORTBOT_RASA_TOKEN" not in command


def test_the_secrets_every_program_shares_are_required_naming_the_variable() -> None:
    check_secrets(settings(**SECRETS))
    with pytest.raises(UsageError, match="SUPPORTBOT_RASA_TOKEN"):
        check_secrets(settings(actions_secret=SECRETS["actions_secret"]))
    with pytest.raises(UsageError, match="SUPPORTBOT_ACTIONS_SECRET"):
        check_secrets(settings(rasa_token=SECRETS["rasa_token"], actions_secret="changeme"))
    with pytest.raises(UsageError, match="SUPPORTBOT_DEMO=on"):
        check_secrets(settings(demo="on", host="0.0.0.0", **SECRETS))


def test_rasa_endpoints_get_the_atomic_redis_lock_store_only_with_redis() -> None:
    embedded = endpoints(settings(), HOME / "endpoints.yml")
    assert "lock_store" not in embedded
    assert embedded["tracker_store"]["url"] == "${SUPPORTBOT_TRACKER_DB_URL}"
    replicated = endpoints(settings(redis_url="redis://127.0.0.1:6379/0"), HOME / "endpoints.yml")
    assert replicated["lock_store"] == {
        "type": "rasa_server.lock_store.AtomicRedisLockStore",
        "url": "${SUPPORTBOT_REDIS_URL}",
    }


def test_replicas_without_redis_are_refused_naming_the_setting() -> None:
    with pytest.raises(UsageError, match="SUPPORTBOT_REDIS_URL"):
        check_layout(settings(rasa_replicas=2))
    assert check_layout(settings()) == []
    assert any("rate-limit" in warning for warning in check_layout(settings(gateway_workers=2)))


def test_an_unreachable_redis_names_the_setting() -> None:
    with pytest.raises(UsageError, match=r"^SUPPORTBOT_REDIS_URL: cannot reach Redis at redis://127.0.0.1:1"):
        check_redis(settings(redis_url="redis://:pw@127.0.0.1:1/0"))


def test_an_unreachable_database_names_the_setting_without_its_password() -> None:
    with pytest.raises(UsageError, match=r"^SUPPORTBOT_DB_URL: cannot connect") as caught:
        check_database(settings(db_url="postgresql://bot:hunter2@127.0.0.1:1/bot"))
    assert "hunter2" not in str(caught.value)
    with pytest.raises(UsageError, match="SUPPORTBOT_DB_URL"):
        check_database(settings(db_url="not a url"))


def test_write_layout_checks_first_and_writes_both_files(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'bot.db'}"
    home = tmp_path / "home"
    (home / "models" / "rasa").mkdir(parents=True)
    (home / "endpoints.yml").write_text((HOME / "endpoints.yml").read_text())
    with pytest.raises(UsageError, match="SUPPORTBOT_RASA_TOKEN"):
        write_layout(settings(db_url=db_url), home=home, run_dir=tmp_path / "run", python=Path("/p"))
    with pytest.raises(UsageError, match="make train"):
        write_layout(
            settings(db_url=db_url, **SECRETS), home=home, run_dir=tmp_path / "run", python=Path("/p")
        )
    (home / "models" / "rasa" / "supportbot.tar.gz").write_bytes(b"model")
    conf = write_layout(
        settings(db_url=db_url, **SECRETS), home=home, run_dir=tmp_path / "run", python=Path("/p")
    )
    assert conf.read_text().startswith("; Written by `supportbot supervise`")
    assert (tmp_path / "run" / "endpoints.yml").is_file()
    assert (tmp_path / "run" / "metrics" / "gateway").is_dir()


def test_the_command_exits_2_with_the_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main
    from bot.config import get_settings

    monkeypatch.setenv("SUPPORTBOT_RASA_REPLICAS", "2")
    monkeypatch.delenv("SUPPORTBOT_REDIS_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["supervise", "--run-dir", "/nonexistent/never-written"]) == 2
    finally:
        get_settings.cache_clear()
    assert "SUPPORTBOT_REDIS_URL" in capsys.readouterr().err
