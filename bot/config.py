"""One typed settings object per process, read from the environment.

Secrets are never defaults: outside development, a missing or placeholder secret refuses to
start. ``make run`` generates random per-session secrets when none are set (see scripts/run.sh).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import BaseSettings, Field, validator

if TYPE_CHECKING:
    from bot.availability import SupportHours

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "password", "admin", "test"}
# The names a browser on this machine uses for it; always allowed as Host headers. (Starlette's
# host check cannot parse an IPv6 literal such as [::1], so none is listed.)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")
DEMO_MODES = ("auto", "on", "off")


def is_loopback(host: str) -> bool:
    """True for names and addresses that only this machine can reach (not ``0.0.0.0`` or ``::``)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    env: str = Field("development", description="development | test | production")
    home: Path = Field(PROJECT_ROOT, description="Project root; relative paths below resolve against it.")

    db_url: str = Field("", description="SQLAlchemy URL for orders, tickets and conversations.")
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None

    rasa_url: str = Field(
        "http://127.0.0.1:5005",
        description="Base URL of the Rasa server, or a comma-separated list of its replicas' URLs.",
    )
    action_server_url: str = "http://127.0.0.1:5055"
    http_timeout: float = Field(10.0, description="Seconds for every outbound HTTP call.")

    # The process layout (scripts/run.sh, tools/supervise.py, deploy/).
    rasa_replicas: int = Field(
        1, description="Rasa servers sharing the tracker store (ports 5005, 5006, ...)."
    )
    action_workers: int = Field(1, description="Action-server processes sharing port 5055.")
    gateway_workers: int = Field(1, description="Gateway processes sharing SUPPORTBOT_PORT.")
    redis_url: str | None = Field(
        None, description="redis://[:password@]host[:port][/db]: Rasa's lock store and shared rate limits."
    )

    articles_path: Path = Path("data/faq/articles.yaml")
    # Buyer questions with the help-center text that answers them: the FAQ encoder trains on them
    # and search remembers them (see docs/search.md).
    paraphrases_path: Path = Path("data/faq/paraphrases.yaml")
    models_dir: Path = Path("models")

    widget_secret: str | None = None
    widget_token_max_seconds: int = Field(
        86_400, ge=60, le=30 * 86_400, description="Longest lifetime (exp - iat) a widget token may have."
    )
    admin_token: str | None = None
    # Shared by the gateway (signs the verified customer of each turn) and the action server
    # (acts only on a valid signature); see bot/identity.py.
    actions_secret: str | None = None
    # Rasa's HTTP API token (`rasa run --auth-token`); the REST channel webhook does not need it.
    rasa_token: str | None = None
    demo: str = Field("auto", description="auto | on | off: the demo sign-in (/demo/*)")
    allowed_hosts: str = Field("", description="Comma-separated Host names the gateway answers to.")
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

    # Agents and the console (docs/operations.md).
    support_hours: str = Field(
        "always", description="When people answer handoffs, e.g. 'Mon-Fri 09:00-18:00, Sat 10:00-14:00'."
    )
    support_timezone: str = Field("UTC", description="IANA time zone of support_hours, e.g. Europe/Berlin.")
    presence_minutes: float = Field(
        5.0, description="An agent counts as present this long after their console's last request."
    )
    agent_session_hours: float = Field(12.0, description="A console sign-in lasts at most this long.")
    agent_idle_minutes: float = Field(120.0, description="A console session unused this long ends.")
    index_poll_seconds: float = Field(
        10.0, description="How often a serving process checks for a newly published search index."
    )

    class Config:
        env_prefix = "SUPPORTBOT_"
        case_sensitive = False

    @validator("env")
    def _known_env(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("SUPPORTBOT_ENV must be development, test or production")
        return value

    @validator("rasa_replicas", "action_workers", "gateway_workers")
    def _at_least_one(cls, value: int) -> int:
        if not 1 <= value <= 64:
            raise ValueError("must be between 1 and 64")
        return value

    @validator("redis_url")
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError("SUPPORTBOT_REDIS_URL must start with redis:// or rediss://")
        return value

    @validator("demo")
    def _demo_mode(cls, value: str) -> str:
        mode = value.strip().lower()
        if mode not in DEMO_MODES:
            raise ValueError("SUPPORTBOT_DEMO must be auto, on or off")
        return mode

    @validator("rate_limit")
    def _rate_limit_format(cls, value: str) -> str:
        parse_rate_limit(value)
        return value

    @validator("support_timezone")
    def _support_hours_format(cls, value: str, values: dict[str, object]) -> str:
        from bot.availability import parse_support_hours

        parse_support_hours(str(values.get("support_hours") or ""), value)
        return value

    @validator("presence_minutes", "agent_session_hours", "agent_idle_minutes", "index_poll_seconds")
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be a positive number")
        return value

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self.home / path

    @property
    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite:///{self.resolve(Path('var')) / 'supportbot.db'}"

    @property
    def rasa_urls(self) -> list[str]:
        """The Rasa replicas the gateway spreads turns over, in order."""
        return [url.strip().rstrip("/") for url in self.rasa_url.split(",") if url.strip()]

    @property
    def support_schedule(self) -> SupportHours:
        from bot.availability import parse_support_hours

        return parse_support_hours(self.support_hours, self.support_timezone)

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS in production or behind an https public URL (local http works)."""
        return self.env == "production" or (self.public_url or "").startswith("https://")

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
        """Refuses to start an unsafe configuration: production without its secrets, or the demo
        sign-in (anyone may become any customer) anywhere but a development gateway on loopback."""
        if self.demo == "on" and self.env == "production":
            raise RuntimeError(
                "SUPPORTBOT_DEMO=on is refused in production: it lets anyone sign in as any customer"
            )
        if self.demo == "on" and not self.local_only:
            raise RuntimeError(
                f"SUPPORTBOT_DEMO=on is refused while the gateway is reachable from other machines "
                f"(SUPPORTBOT_HOST={self.host}, SUPPORTBOT_PUBLIC_URL={self.public_url or 'unset'})"
            )
        if self.env != "production":
            return
        for name in ("widget_secret", "admin_token", "actions_secret", "rasa_token"):
            self.require_secret(name)

    @property
    def local_only(self) -> bool:
        """The gateway listens on loopback and no public URL says it is published."""
        public_host = urlsplit(self.public_url).hostname if self.public_url else None
        return is_loopback(self.host) and (public_host is None or is_loopback(public_host))

    @property
    def demo_enabled(self) -> bool:
        """The demo sign-in: on by default only for a development gateway that only this machine reaches."""
        if self.demo == "off" or self.env == "production" or not self.local_only:
            return False
        return self.demo == "on" or self.env == "development"

    @property
    def trusted_hosts(self) -> list[str]:
        """Host headers the gateway answers (others get 400): loopback names, the public URL's
        host and ``SUPPORTBOT_ALLOWED_HOSTS`` (``*.example.com`` wildcards allowed)."""
        hosts = list(LOOPBACK_HOSTS)
        if self.host.strip() not in WILDCARD_ADDRESSES:
            hosts.append(self.host.strip().lower())
        if self.public_url:
            public_host = urlsplit(self.public_url).hostname
            if public_host:
                hosts.append(public_host)
        hosts += [name.strip().lower() for name in self.allowed_hosts.split(",") if name.strip()]
        return list(dict.fromkeys(hosts))


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
