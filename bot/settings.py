"""Deployment settings, read from the environment and `.env`, validated by pydantic-settings.

The environment variable names are the interface documented in README.md and .env.example. Running the
bot needs every setting (`Settings`); the operator commands, which never talk to Telegram, need all but
the token (`OperatorSettings`).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.legal.kinds import ElectionKind
from bot.logs import LogFormat
from bot.supervision.cyber import CyberRouting

_TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{5,}$")
_REGION_SHAPE = re.compile(r"^\d{2}(\.\d{2}){0,2}$")
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a webhook's secret_token
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class LoggingSettings(BaseSettings):
    """How the bot and the operator commands log, read before anything else (bot/logs.py)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # text (one line per event, the default) or json (one JSON object per line, for a log collector).
    log_format: LogFormat = LogFormat.TEXT

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class OperatorSettings(LoggingSettings):
    """Everything a deployment can set but the token. Field names map to upper-case environment variables."""

    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"
    telegram_bot_username: str | None = None  # for `org-link`, which does not ask Telegram
    database_path: Path = Path("data/pantau.sqlite3")
    # postgresql://user:password@host:port/name selects PostgreSQL (storage/postgres.py); unset: SQLite at database_path.
    database_url: str | None = None
    evidence_dir: Path = Path("data/evidence")
    boundaries_file: Path | None = None
    region_scope: str | None = None
    default_locale: str = "id"
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_chat_id: int | None = None
    # Housekeeping: an idle conversation is closed after this many hours; its draft kept this many days.
    conversation_idle_hours: float = 24.0
    draft_keep_days: float = 7.0
    # An alert nobody claimed is re-announced after this many hours, and escalated after twice that.
    alert_remind_after: float = Field(default=6.0, gt=0)
    # Tasks: a task's card in its group is edited at most this often (seconds) while its counts change; those
    # who accepted a task are reminded this many minutes before its due time.
    task_card_refresh_seconds: float = Field(default=10.0, gt=0)
    task_reminder_minutes: float = Field(default=60.0, gt=0)
    # Messages a second the bot allows itself, all chats together (Telegram's limit is about 30). Raise it only
    # against a local Bot API server or in a benchmark.
    telegram_messages_per_second: int = Field(default=30, gt=0)
    # Volunteers who left (/berhenti) or were rejected are deleted this many days later (the consent says so).
    # At least 30: a task's card counts its volunteers' answers for 14 days after sending.
    volunteer_retention_days: int = Field(default=365, ge=30)
    # Broadcasts (a task to its volunteers) sent as Telegram's paid broadcasts (allow_paid_broadcast): up to 1000
    # messages a second, each beyond the free 30 paid in Telegram Stars from the bot's balance.
    telegram_paid_broadcast: bool = False
    # The election this deployment serves: it decides the regulation every text cites, how days are counted and
    # the deadlines (bot/legal/profile.py). Default pilkada: the regional elections.
    election_kind: ElectionKind = ElectionKind.PILKADA
    # Local days off (e.g. a regional holiday) that are not working days here, besides weekends and the national
    # holidays and collective leave days: dates as 2026-12-24, separated by commas or spaces.
    local_days_off: Annotated[list[date], NoDecode] = Field(default_factory=list)
    # Reporters' identities (name, address, phone) are erased this many days after their report was submitted,
    # unless its case is still in legal process; the consent says so. Default: two years.
    identity_retention_days: int = Field(default=730, ge=30)
    # Abuse protection (bot/abuse/): a person may submit this many reports an hour (their draft waits beyond
    # it), and write this many messages at once (an album of ten fits) and then this many a minute; a message
    # beyond that is not handled and the first of a flood gets one notice. Buttons are never slowed.
    limit_reports_per_hour: int = Field(default=10, ge=1)
    limit_message_burst: int = Field(default=20, ge=10, le=1000)
    limit_messages_per_minute: float = Field(default=30.0, ge=5.0)
    # Online-content cases (bot/supervision/cyber.py) go to the cyber task-force groups of their region and above
    # `alongside` the supervisors' groups, or `instead` of them where a cyber group covers the region.
    cyber_routing: CyberRouting = CyberRouting.ALONGSIDE
    # Read the title of each page a reporter links to (only the title; public addresses only; a few seconds), shown
    # to the reporter and on the card. Off by default: the bot then never sends a request to a reported site.
    link_titles: bool = False
    # Tests only: let link_titles reach a local server. Never in a deployment.
    link_titles_allow_private: bool = False
    # Voting day (bot/tps/): its date (the checklists are pushed only then), the local times of the opening, closing
    # and count checklists, and how many TPS one volunteer may watch and how many volunteers one TPS may have.
    voting_day: date | None = None
    checklist_times: str = "07:00,13:00,14:00"
    tps_per_volunteer: int = Field(default=1, ge=1, le=10)
    volunteers_per_tps: int = Field(default=2, ge=1, le=10)
    # Each supervisors' group's daily digest (bot/insight/): the local time (in the group's region's zone) it is
    # sent at, HH:MM; empty: no digests. A group turns its own off with /ringkasan mati.
    digest_time: str = "07:00"

    @property
    def database(self) -> Path | str:
        """What `storage.database.Database` opens: the PostgreSQL URL if one is set, else the SQLite file."""
        return self.database_url or self.database_path

    @field_validator("region_scope", "boundaries_file", "admin_chat_id", "telegram_bot_username", "database_url",
                     mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must be a postgresql:// URL (leave it unset for SQLite at DATABASE_PATH)")
        return value

    @field_validator("region_scope")
    @classmethod
    def _region_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not _REGION_SHAPE.match(value):
            raise ValueError("expected a Kemendagri code such as 15, 15.71 or 15.71.04")
        from bot.regions.directory import RegionDirectory

        if RegionDirectory().get(value) is None:
            raise ValueError(f"no province, kabupaten/kota or kecamatan has the code {value}")
        return value

    @field_validator("boundaries_file")
    @classmethod
    def _boundaries_exist(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no file at {value}")
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        from locales import LOCALES

        value = value.strip().lower()
        if value not in LOCALES:
            raise ValueError(f"expected one of {', '.join(sorted(LOCALES))}")
        return value

    @field_validator("election_kind", mode="before")
    @classmethod
    def _kind_lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("checklist_times")
    @classmethod
    def _checklist_times(cls, value: str) -> str:
        from bot.tps.checklist import parse_times

        parse_times(value)  # a ValueError names what is wrong
        return value

    @field_validator("digest_time")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        from bot.insight.service import parse_digest_time

        parse_digest_time(value)  # a ValueError names what is wrong
        return value.strip()

    @field_validator("voting_day", mode="before")
    @classmethod
    def _empty_day(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("local_days_off", mode="before")
    @classmethod
    def _split_dates(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in re.split(r"[,\s]+", value.strip()) if part]
        return value

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in re.split(r"[,\s]+", value.strip()) if part]
        if isinstance(value, int):
            return [value]
        return value


class Settings(OperatorSettings):
    """Everything the running bot needs: the operator settings, the bot's token and how updates arrive."""

    telegram_bot_token: str = Field(description="Token from @BotFather")
    # Webhook mode (bot/delivery/webhook.py): set WEBHOOK_URL, the public HTTPS address Telegram posts updates to,
    # and the bot serves python-telegram-bot's webhook server instead of long polling. It listens on
    # WEBHOOK_LISTEN:WEBHOOK_PORT at WEBHOOK_PATH (default: the URL's own path), behind a reverse proxy that ends
    # TLS; HEALTH_PATH on the same server answers health checks. Telegram sends WEBHOOK_SECRET with every update
    # and a request without it is refused; unset, a new random secret is set with the webhook at each start.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str | None = None
    webhook_secret: str | None = None
    health_path: str = "/healthz"
    # Scale-out (bot/delivery/scale_out.py): SCALE_OUT=true makes this process one of several workers sharing the
    # PostgreSQL database at DATABASE_URL. Each chat's updates are handled by one worker at a time, in order; one
    # worker, the leader, receives by polling (with a webhook every worker receives), sends the outbox and runs the
    # periodic jobs. A worker silent for WORKER_LEASE_SECONDS is gone: another takes over its chats and its role.
    scale_out: bool = False
    worker_lease_seconds: float = Field(default=30.0, ge=1.0, le=600.0)

    @field_validator("webhook_url", "webhook_path", "webhook_secret", mode="before")
    @classmethod
    def _webhook_empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("expected the public address Telegram posts updates to, e.g. https://pantau.example.id/telegram")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise ValueError("Telegram only posts updates to an https:// address")
        return value

    @field_validator("webhook_path", "health_path")
    @classmethod
    def _path_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.startswith("/") or any(c.isspace() or c in "?#" for c in value):
            raise ValueError("expected a path such as /telegram")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str | None) -> str | None:
        if value is not None and not _SECRET_SHAPE.match(value.strip()):
            raise ValueError("expected 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value.strip() if value is not None else None

    @field_validator("scale_out")
    @classmethod
    def _scale_out_needs_postgres(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not info.data.get("database_url"):
            raise ValueError("it needs DATABASE_URL (postgresql://…): the workers share one PostgreSQL database")
        if value and info.data.get("webhook_url") and not info.data.get("webhook_secret"):
            raise ValueError("with WEBHOOK_URL it needs WEBHOOK_SECRET: every worker sets the webhook, with the same secret")
        return value

    @property
    def webhook_listen_path(self) -> str:
        """The path the webhook server serves updates on: WEBHOOK_PATH, or else the path of WEBHOOK_URL."""
        if self.webhook_path:
            return self.webhook_path
        path = urlsplit(self.webhook_url or "").path.rstrip("/")
        return path or "/telegram"

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        value = value.strip()
        if not value:  # `TELEGRAM_BOT_TOKEN=` straight from .env.example
            raise PydanticCustomError("missing", "Field required")
        if not _TOKEN_SHAPE.match(value):
            raise ValueError("expected the form 123456789:ABC-def… given by @BotFather")
        return value


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one paragraph meant for the operator."""


S = TypeVar("S", bound=LoggingSettings)


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read and validate the bot's settings, or raise SettingsError with a readable explanation."""
    return _load(Settings, env_file, "Pantau cannot start")


def load_logging_settings(env_file: str | Path | None = ".env") -> LoggingSettings:
    """LOG_FORMAT alone, which every command needs first."""
    return _load(LoggingSettings, env_file, "Pantau cannot start")


def load_operator_settings(env_file: str | Path | None = ".env") -> OperatorSettings:
    """The settings of the operator commands: the same, without the token."""
    return _load(OperatorSettings, env_file, "Pantau cannot run this command")


def _load(kind: type[S], env_file: str | Path | None, what: str) -> S:
    try:
        return kind(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "?"
            message = str(error["msg"]).removeprefix("Value error, ")
            reason = "is missing" if error["type"] == "missing" else f"is not valid ({message})"
            problems.append(f"{name} {reason}")
        raise SettingsError(
            f"{what}: "
            + "; ".join(problems)
            + ". Set it in the environment or in a .env file in the working directory; "
            "see .env.example for every setting with an explanation."
        ) from None
