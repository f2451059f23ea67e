"""One typed settings object per process, read from the environment.

Secrets are never defaults: outside development, a missing or placeholder secret refuses to
start. ``make run`` generates random per-session secrets when none are set (see scripts/run.sh).
"""

from __future__ import annotations

import os
import re
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path

from pydantic import BaseSettings, Field, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "password", "admin", "test"}


class Settings(BaseSettings):
    env: str = Field("development", description="development | test | production")
    home: Path = Field(PROJECT_ROOT, description="Project root; relative paths below resolve against it.")

    db_url: str = Field("", description="SQLAlchemy URL for orders, tickets and conversations.")
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None

    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    http_timeout: float = Field(10.0, description="Seconds for every outbound HTTP call.")

    articles_path: Path = Path("data/faq/articles.yaml")
    # Buyer questions with the help-center text that answers them: the FAQ encoder trains on them
    # and search remembers them (see docs/search.md).
    paraphrases_path: Path = Path("data/faq/paraphrases.yaml")
    models_dir: Path = Path("models")

    widget_secret: str | None = None
    admin_token: str | None = None
    twilio_auth_token: str | None = Field(default=None, env="TWILIO_AUTH_TOKEN")
    twilio_account_sid: str | None = Field(default=None, env="TWILIO_ACCOUNT_SID")
    twilio_api_url: str = Field("https://api.twilio.com", env="TWILIO_API_URL")
    whatsapp_verify_token: str | None = Field(default=None, env="WHATSAPP_VERIFY_TOKEN")
    whatsapp_app_secret: str | None = Field(default=None, env="WHATSAPP_APP_SECRET")
    whatsapp_access_token: str | None = Field(default=None, env="WHATSAPP_ACCESS_TOKEN")
    whatsapp_api_url: str = Field("https://graph.facebook.com/v19.0", env="WHATSAPP_API_URL")

    rate_limit: str = "30/minute"
    max_message_chars: int = 2000
    max_body_bytes: int = 64 * 1024

    class Config:
        env_prefix = "SUPPORTBOT_"
        case_sensitive = False

    @validator("env")
    def _known_env(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("SUPPORTBOT_ENV must be development, test or production")
        return value

    @validator("rate_limit")
    def _rate_limit_format(cls, value: str) -> str:
        parse_rate_limit(value)
        return value

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self.home / path

    @property
    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite:///{self.resolve(Path('var')) / 'supportbot.db'}"

    @property
    def articles_file(self) -> Path:
        return self.resolve(self.articles_path)

    @property
    def paraphrases_file(self) -> Path:
        return self.resolve(self.paraphrases_path)

    @property
    def models_path(self) -> Path:
        return self.resolve(self.models_dir)

    def require_secret(self, name: str) -> str:
        """The secret's value, or an error naming the variable to set (never a silent default)."""
        value = getattr(self, name)
        if value is None or value.strip().lower() in _PLACEHOLDERS:
            field = self.__fields__[name]
            env_name = field.field_info.extra.get("env") or f"SUPPORTBOT_{name.upper()}"
            raise RuntimeError(f"{env_name} is not set (or is a placeholder); set it in the environment")
        return str(value)

    def check_production_secrets(self) -> None:
        if self.env != "production":
            return
        for name in ("widget_secret", "admin_token"):
            self.require_secret(name)


def parse_rate_limit(value: str) -> tuple[int, float] | None:
    """'30/minute' -> (30, 60.0); 'off' -> None."""
    text = value.strip().lower()
    if text in {"off", "none", "0"}:
        return None
    periods = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
    try:
        count_text, period = text.split("/", 1)
        count = int(count_text)
        seconds = periods[period.rstrip("s")]
    except (ValueError, KeyError):
        raise ValueError(f"rate limit {value!r} is not like '30/minute' or 'off'") from None
    if count <= 0:
        raise ValueError("rate limit count must be positive")
    return count, seconds


ENV_DEFAULTS_FILE = PROJECT_ROOT / "defaults.env"
_ENV_LINE = re.compile(r"^([A-Z_][A-Z0-9_]*)=(.*)$")


@lru_cache(maxsize=1)
def env_defaults() -> dict[str, str]:
    """The process environment defaults of ``defaults.env`` (the Makefile and run.sh read it too).

    Empty when the file is absent (an installed wheel without the repository): every default in
    it is a safety or quietness setting, never one the product needs to run.
    """
    try:
        lines = ENV_DEFAULTS_FILE.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    found = {}
    for line in lines:
        match = _ENV_LINE.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def apply_env_defaults(environ: MutableMapping[str, str] | None = None) -> None:
    """Set every default of ``defaults.env`` that ``environ`` (the process environment) lacks."""
    target = os.environ if environ is None else environ
    for name, value in env_defaults().items():
        target.setdefault(name, value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    # pydantic v1 fills every field from the environment; mypy cannot see that without the plugin,
    # which crashes on this pydantic/mypy pair.
    return Settings()  # type: ignore[call-arg]


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
