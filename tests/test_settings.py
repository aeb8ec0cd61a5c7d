"""Settings: defaults, the documented environment variable names, .env, and readable errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import OperatorSettings, Settings, SettingsError, load_operator_settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:AAbbCC-dd_EEff"
ENV_NAMES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_FILE_BASE_URL",
    "DATABASE_PATH",
    "DATABASE_URL",
    "EVIDENCE_DIR",
    "BOUNDARIES_FILE",
    "REGION_SCOPE",
    "DEFAULT_LOCALE",
    "ADMIN_USER_IDS",
    "ADMIN_CHAT_ID",
    "CONVERSATION_IDLE_HOURS",
    "DRAFT_KEEP_DAYS",
    "WEBHOOK_URL",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "WEBHOOK_PATH",
    "WEBHOOK_SECRET",
    "HEALTH_PATH",
    "LOG_FORMAT",
    "SCALE_OUT",
    "WORKER_LEASE_SECONDS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the developer's environment or a .env in the working directory leaks in."""
    for name in list(os.environ):
        if name.upper() in ENV_NAMES:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    s = load_settings(env_file=None)
    assert s.telegram_bot_token == TOKEN
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert s.telegram_file_base_url == "https://api.telegram.org/file/bot"
    assert s.database_path == Path("data/pantau.sqlite3")
    assert s.evidence_dir == Path("data/evidence")
    assert s.boundaries_file is None
    assert s.region_scope is None
    assert s.default_locale == "id"
    assert s.admin_user_ids == []
    assert s.admin_chat_id is None
    assert s.conversation_idle_hours == 24.0
    assert s.draft_keep_days == 7.0


def test_every_documented_variable_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    boundaries = tmp_path / "kecamatan.geojson"
    boundaries.write_text("{}")
    values = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "TELEGRAM_FILE_BASE_URL": "http://127.0.0.1:8081/file/bot",
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "EVIDENCE_DIR": str(tmp_path / "files"),
        "BOUNDARIES_FILE": str(boundaries),
        "REGION_SCOPE": "15.71",
        "DEFAULT_LOCALE": "en",
        "ADMIN_USER_IDS": "1, 2,3",
        "ADMIN_CHAT_ID": "-1001234567890",
        "CONVERSATION_IDLE_HOURS": "12",
        "DRAFT_KEEP_DAYS": "3.5",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    s = load_settings(env_file=None)
    assert s.telegram_bot_token == TOKEN
    assert s.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert s.telegram_file_base_url == "http://127.0.0.1:8081/file/bot"
    assert s.database_path == tmp_path / "db.sqlite3"
    assert s.evidence_dir == tmp_path / "files"
    assert s.boundaries_file == boundaries
    assert s.region_scope == "15.71"
    assert s.default_locale == "en"
    assert s.admin_user_ids == [1, 2, 3]
    assert s.admin_chat_id == -1001234567890
    assert s.conversation_idle_hours == 12.0
    assert s.draft_keep_days == 3.5


@pytest.mark.parametrize(
    ("raw", "ids"),
    [
        ("1, 2,3", [1, 2, 3]),
        ("12345", [12345]),
        ("12345,67890", [12345, 67890]),
        (" 7 , 8 ", [7, 8]),
        ("", []),
        ("1,,2,", [1, 2]),
    ],
)
def test_admin_user_ids_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch, raw: str, ids: list[int]):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ADMIN_USER_IDS", raw)
    assert load_settings(env_file=None).admin_user_ids == ids


def test_a_dotenv_file_is_read(tmp_path: Path):
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nDEFAULT_LOCALE=en\nADMIN_USER_IDS=5,6\nREGION_SCOPE=15\n", encoding="utf-8"
    )
    s = load_settings()  # ".env" in the working directory
    assert (s.telegram_bot_token, s.default_locale, s.admin_user_ids, s.region_scope) == (TOKEN, "en", [5, 6], "15")


def test_a_dotenv_file_at_a_given_path_is_read(tmp_path: Path):
    env = tmp_path / "deploy" / "pantau.env"
    env.parent.mkdir()
    env.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nADMIN_CHAT_ID=-100200\n", encoding="utf-8")
    s = load_settings(env_file=env)
    assert s.admin_chat_id == -100200


def test_the_environment_overrides_the_dotenv_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nDEFAULT_LOCALE=en\n", encoding="utf-8")
    monkeypatch.setenv("DEFAULT_LOCALE", "id")
    assert load_settings().default_locale == "id"


def test_the_example_file_with_a_token_filled_in_is_valid(tmp_path: Path):
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert "TELEGRAM_BOT_TOKEN=\n" in example
    (tmp_path / ".env").write_text(example.replace("TELEGRAM_BOT_TOKEN=\n", f"TELEGRAM_BOT_TOKEN={TOKEN}\n"))
    s = load_settings()
    assert s.telegram_bot_token == TOKEN
    assert s.boundaries_file is None and s.region_scope is None and s.admin_chat_id is None
    assert s.admin_user_ids == []


def test_the_example_file_documents_every_variable():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line and not line.startswith("#")}
    assert documented == {name.upper() for name in Settings.model_fields}
    assert set(ENV_NAMES) <= documented


@pytest.mark.parametrize("token", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_missing_token_names_it_and_points_to_the_example(monkeypatch: pytest.MonkeyPatch, token: str | None):
    if token is not None:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    with pytest.raises(SettingsError) as err:
        load_settings(env_file=None)
    message = str(err.value)
    assert "TELEGRAM_BOT_TOKEN" in message and "missing" in message
    assert ".env.example" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("ADMIN_USER_IDS", "1,x"),
        ("ADMIN_CHAT_ID", "general"),
        ("REGION_SCOPE", "99"),
        ("REGION_SCOPE", "Jambi"),
        ("DEFAULT_LOCALE", "fr"),
        ("BOUNDARIES_FILE", "/nonexistent/kecamatan.geojson"),
        ("CONVERSATION_IDLE_HOURS", "a day"),
        ("WEBHOOK_URL", "pantau.example.id/telegram"),
        ("WEBHOOK_URL", "http://pantau.example.id/telegram"),  # Telegram posts only to https
        ("WEBHOOK_SECRET", "has spaces"),
        ("WEBHOOK_SECRET", "x" * 257),
        ("WEBHOOK_PORT", "70000"),
        ("WEBHOOK_PATH", "telegram"),
        ("HEALTH_PATH", "/sehat?x=1"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_malformed_setting_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings(env_file=None)
    message = str(err.value)
    assert name in message
    assert "not valid" in message
    assert ".env.example" in message
    assert "Traceback" not in message and "\n" not in message


def test_every_problem_is_named_at_once(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DEFAULT_LOCALE", "fr")
    with pytest.raises(SettingsError) as err:
        load_settings(env_file=None)
    assert "TELEGRAM_BOT_TOKEN" in str(err.value) and "DEFAULT_LOCALE" in str(err.value)


def test_token_and_locale_are_trimmed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", f"  {TOKEN} ")
    monkeypatch.setenv("DEFAULT_LOCALE", " EN ")
    s = load_settings(env_file=None)
    assert s.telegram_bot_token == TOKEN and s.default_locale == "en"


@pytest.mark.parametrize("token", [None, "", "not-a-token"], ids=["unset", "empty", "malformed"])
def test_operator_commands_need_no_token(monkeypatch: pytest.MonkeyPatch, token: str | None):
    """group-code, identity and export never talk to Telegram: their settings have no token at all."""
    if token is not None:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    s = load_operator_settings(env_file=None)
    assert s.default_locale == "en" and s.database_path == Path("data/pantau.sqlite3")
    assert not hasattr(s, "telegram_bot_token")
    bot_only = {"telegram_bot_token", "webhook_url", "webhook_listen", "webhook_port", "webhook_path", "webhook_secret",
                "health_path", "scale_out", "worker_lease_seconds"}  # how the running bot talks to Telegram and its peers
    assert set(OperatorSettings.model_fields) == set(Settings.model_fields) - bot_only


def test_operator_settings_are_still_checked(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REGION_SCOPE", "99")
    with pytest.raises(SettingsError) as err:
        load_operator_settings(env_file=None)
    assert "REGION_SCOPE is not valid" in str(err.value) and "TELEGRAM_BOT_TOKEN" not in str(err.value)


def test_python_m_bot_without_a_token_explains_and_exits_2(tmp_path: Path):
    assert not (tmp_path / ".env").exists()
    env = {} if _importable_without_path() else {"PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip()
    assert "TELEGRAM_BOT_TOKEN" in err
    assert ".env.example" in err
    assert "Traceback" not in proc.stderr
    assert "\n\n" not in err and len(err.splitlines()) == 1  # one paragraph
    assert proc.stdout == ""


def _importable_without_path() -> bool:
    """True when the package is installed (editable) into this interpreter's environment."""
    check = subprocess.run(
        [sys.executable, "-c", "import bot.cli"], cwd="/", env={}, capture_output=True, timeout=60, check=False
    )
    return check.returncode == 0


def test_webhook_settings_default_to_polling(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    s = load_settings(env_file=None)
    assert s.webhook_url is None and s.webhook_secret is None
    assert (s.webhook_listen, s.webhook_port, s.health_path) == ("127.0.0.1", 8080, "/healthz")


def test_webhook_path_defaults_to_the_urls_path(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", "https://pantau.example.id/jambi/telegram/")
    assert load_settings(env_file=None).webhook_listen_path == "/jambi/telegram"
    monkeypatch.setenv("WEBHOOK_PATH", "/telegram")
    assert load_settings(env_file=None).webhook_listen_path == "/telegram"
    monkeypatch.setenv("WEBHOOK_URL", "https://pantau.example.id")
    monkeypatch.delenv("WEBHOOK_PATH")
    assert load_settings(env_file=None).webhook_listen_path == "/telegram"


def test_log_format_is_read_alone_and_case_blind(monkeypatch: pytest.MonkeyPatch):
    from bot.logs import LogFormat
    from bot.settings import load_logging_settings

    monkeypatch.setenv("LOG_FORMAT", " JSON ")
    assert load_logging_settings(env_file=None).log_format is LogFormat.JSON


def test_database_url_selects_postgresql_and_without_it_sqlite_is_used(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert load_settings(env_file=None).database == Path("data/pantau.sqlite3")
    monkeypatch.setenv("DATABASE_URL", "")
    assert load_settings(env_file=None).database == Path("data/pantau.sqlite3")
    monkeypatch.setenv("DATABASE_URL", "postgresql://pantau@db:5432/pantau")
    assert load_settings(env_file=None).database == "postgresql://pantau@db:5432/pantau"
    monkeypatch.setenv("DATABASE_URL", "mysql://pantau@db/pantau")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings(env_file=None)


def test_scale_out_needs_postgresql_and_with_a_webhook_a_shared_secret(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert load_settings(env_file=None).scale_out is False
    monkeypatch.setenv("SCALE_OUT", "true")
    with pytest.raises(SettingsError, match=r"SCALE_OUT.*DATABASE_URL"):
        load_settings(env_file=None)
    monkeypatch.setenv("DATABASE_URL", "postgresql://pantau@db:5432/pantau")
    assert load_settings(env_file=None).scale_out is True
    monkeypatch.setenv("WEBHOOK_URL", "https://pantau.example.id/telegram")
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings(env_file=None)
    monkeypatch.setenv("WEBHOOK_SECRET", "shared-by-every-worker")
    assert load_settings(env_file=None).webhook_secret == "shared-by-every-worker"
