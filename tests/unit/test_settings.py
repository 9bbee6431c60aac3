from pathlib import Path

import pytest

from coursesite.settings import ConfigError, DatabaseUrl, Settings

SECRET = "x" * 40


def test_defaults():
    settings = Settings.from_env({"COURSESITE_SECRET_KEY": SECRET})
    assert settings.database_url == "sqlite:///var/coursesite.sqlite"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.database.engine == "sqlite"
    assert settings.database.sqlite_path.parts[-2:] == ("var", "coursesite.sqlite")


def test_database_urls():
    assert DatabaseUrl.parse("sqlite:////tmp/x.sqlite").sqlite_path == Path("/tmp/x.sqlite")
    pg = DatabaseUrl.parse("postgresql://user@db:5432/kurs")
    assert (pg.engine, pg.dsn) == ("postgres", "postgresql://user@db:5432/kurs")


@pytest.mark.parametrize(
    "env, fragment",
    [
        ({"COURSESITE_DATABASE_URL": "mysql://x"}, "COURSESITE_DATABASE_URL"),
        ({"COURSESITE_DATABASE_URL": "sqlite:///:memory:"}, "needs a file path"),
        ({"COURSESITE_PORT": "eighty"}, "COURSESITE_PORT: expected a whole number"),
        ({"COURSESITE_PORT": "70000"}, "COURSESITE_PORT: must be between 1 and 65535"),
        ({"COURSESITE_WORKERS": "0"}, "COURSESITE_WORKERS"),
        ({"COURSESITE_ENV": "staging"}, "COURSESITE_ENV"),
        ({"COURSESITE_SECURE_COOKIES": "maybe"}, "COURSESITE_SECURE_COOKIES"),
    ],
)
def test_bad_values_name_the_variable(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, **env})


def test_page_view_periods_default_to_7_days_and_13_months_and_can_be_set():
    settings = Settings.from_env({"COURSESITE_SECRET_KEY": SECRET})
    assert (settings.page_view_ip_days, settings.page_view_retention_months) == (7, 13)
    settings = Settings.from_env(
        {"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_PAGE_VIEW_IP_DAYS": "1", "COURSESITE_PAGE_VIEW_RETENTION_MONTHS": "36"}
    )
    assert (settings.page_view_ip_days, settings.page_view_retention_months) == (1, 36)
    settings = Settings.from_env(
        {"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_PAGE_VIEW_IP_DAYS": "90", "COURSESITE_PAGE_VIEW_RETENTION_MONTHS": "1"}
    )
    assert (settings.page_view_ip_days, settings.page_view_retention_months) == (90, 1)


@pytest.mark.parametrize("name, low, high", [("COURSESITE_PAGE_VIEW_IP_DAYS", 1, 90), ("COURSESITE_PAGE_VIEW_RETENTION_MONTHS", 1, 36)])
@pytest.mark.parametrize(
    "raw, problem",
    [
        ("sju", "expected a whole number"),
        ("7.5", "expected a whole number"),
        ("7\x00", "expected a whole number"),
        ("\x00", "expected a whole number"),
        (" 7", "expected a whole number"),
        ("1_0", "expected a whole number"),
        ("\u0667", "expected a whole number"),  # ARABIC-INDIC DIGIT SEVEN: int() would take it
        ("9" * 5000, "expected a whole number"),
        ("0", "must be between {low} and {high}, got 0"),
        ("-7", "must be between {low} and {high}, got -7"),
        ("1000", "must be between {low} and {high}, got 1000"),
    ],
)
def test_bad_page_view_periods_stop_the_app_naming_the_variable(name, low, high, raw, problem):
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, name: raw})
    message = str(raised.value)
    assert message.startswith(f"{name}: {problem.format(low=low, high=high)}")
    assert len(message) < 200 and "\x00" not in message


def test_production_refuses_to_start_without_a_real_secret():
    with pytest.raises(ConfigError, match="COURSESITE_SECRET_KEY"):
        Settings.from_env({"COURSESITE_ENV": "production"})
    with pytest.raises(ConfigError, match="COURSESITE_SECRET_KEY"):
        Settings.from_env({"COURSESITE_ENV": "production", "COURSESITE_SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="COURSESITE_SECRET_KEY"):  # the generated development secret
        Settings.from_env({"COURSESITE_ENV": "production", "COURSESITE_SECRET_KEY": "dev-" + "a" * 60})
    settings = Settings.from_env({"COURSESITE_ENV": "production", "COURSESITE_SECRET_KEY": SECRET})
    assert settings.secure_cookies


def test_development_needs_some_secret():
    with pytest.raises(ConfigError, match="make run"):
        Settings.from_env({})
