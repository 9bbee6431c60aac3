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
