from pathlib import Path

import pytest

from coursesite.settings import (
    ConfigError,
    DatabaseUrl,
    Settings,
    SmtpUrl,
    cpu_count,
    default_workers,
    parse_mail_from,
    shortest_days_in_months,
)

SECRET = "x" * 40


def test_defaults():
    settings = Settings.from_env({"COURSESITE_SECRET_KEY": SECRET})
    assert settings.database_url == "sqlite:///var/coursesite.sqlite"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.database.engine == "sqlite"
    assert settings.database.sqlite_path.parts[-2:] == ("var", "coursesite.sqlite")


def test_workers_default_to_one_per_core_on_postgresql_and_to_one_on_sqlite():
    postgres = {"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_DATABASE_URL": "postgresql://u@db:5432/kurs"}
    assert Settings.from_env(postgres).workers == cpu_count() >= 1
    assert Settings.from_env(postgres | {"COURSESITE_WORKERS": "3"}).workers == 3  # set: taken as it is
    assert Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_WORKERS": ""}).workers == 1  # SQLite
    sqlite = {"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_DATABASE_URL": "sqlite:////tmp/x.sqlite"}
    assert Settings.from_env(sqlite).workers == 1
    assert Settings.from_env(sqlite | {"COURSESITE_WORKERS": "2"}).workers == 2


@pytest.mark.parametrize(
    "url, cores, workers",
    [
        ("postgresql://u@db/kurs", 2, 2),
        ("postgres://u@db/kurs", 8, 8),
        ("postgresql://u@db/kurs", 200, 64),  # the variable's upper bound
        ("postgresql://u@db/kurs", 0, 1),
        ("sqlite:///var/coursesite.sqlite", 8, 1),
        ("", 8, 1),  # unset: the SQLite default
    ],
)
def test_default_workers(url, cores, workers):
    assert default_workers(url, cores) == workers


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
        ({"COURSESITE_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}, "COURSESITE_TRUSTED_PROXIES: not an IP address"),
        ({"COURSESITE_TRUSTED_PROXIES": "10.0.0.0/33"}, "COURSESITE_TRUSTED_PROXIES"),
        ({"COURSESITE_REGISTRATIONS_PER_HOUR": "0"}, "COURSESITE_REGISTRATIONS_PER_HOUR"),
    ],
)
def test_bad_values_name_the_variable(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, **env})


def test_page_view_periods_default_to_7_days_and_13_months_and_can_be_set():
    settings = Settings.from_env({"COURSESITE_SECRET_KEY": SECRET})
    assert (settings.page_view_ip_days, settings.page_view_retention_months) == (7, 13)
    settings = Settings.from_env(
        {
            "COURSESITE_SECRET_KEY": SECRET,
            "COURSESITE_PAGE_VIEW_IP_DAYS": "1",
            "COURSESITE_PAGE_VIEW_RETENTION_MONTHS": "36",
        }
    )
    assert (settings.page_view_ip_days, settings.page_view_retention_months) == (1, 36)
    settings = Settings.from_env(
        {
            "COURSESITE_SECRET_KEY": SECRET,
            "COURSESITE_PAGE_VIEW_IP_DAYS": "90",
            "COURSESITE_PAGE_VIEW_RETENTION_MONTHS": "4",
        }
    )
    assert (settings.page_view_ip_days, settings.page_view_retention_months) == (90, 4)
    settings = Settings.from_env(
        {
            "COURSESITE_SECRET_KEY": SECRET,
            "COURSESITE_PAGE_VIEW_IP_DAYS": "27",
            "COURSESITE_PAGE_VIEW_RETENTION_MONTHS": "1",
        }
    )
    assert (settings.page_view_ip_days, settings.page_view_retention_months) == (27, 1)


@pytest.mark.parametrize("months, shortest", [(1, 28), (2, 59), (3, 89), (4, 120), (12, 365), (36, 1095)])
def test_the_shortest_page_view_retention_in_days(months, shortest):
    # Calendar months, as the retention job counts them: February is the shortest, and no leap day is assumed.
    assert shortest_days_in_months(months) == shortest


@pytest.mark.parametrize("ip_days, months", [(28, 1), (30, 1), (90, 1), (59, 2), (89, 3)])
def test_an_ip_period_not_shorter_than_the_page_view_retention_is_refused(ip_days, months):
    env = {"COURSESITE_PAGE_VIEW_IP_DAYS": str(ip_days), "COURSESITE_PAGE_VIEW_RETENTION_MONTHS": str(months)}
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, **env})
    message = str(raised.value)
    assert "COURSESITE_PAGE_VIEW_IP_DAYS" in message and "COURSESITE_PAGE_VIEW_RETENTION_MONTHS" in message
    assert f"({ip_days})" in message and "must be shorter than" in message
    # Settings made in code (tests, create_app) are checked the same way.
    with pytest.raises(ConfigError, match="COURSESITE_PAGE_VIEW_IP_DAYS"):
        Settings(secret_key=SECRET, page_view_ip_days=ip_days, page_view_retention_months=months).validate()


@pytest.mark.parametrize("ip_days, months", [(27, 1), (58, 2), (88, 3), (90, 4), (7, 13)])
def test_an_ip_period_shorter_than_the_page_view_retention_is_taken(ip_days, months):
    env = {"COURSESITE_PAGE_VIEW_IP_DAYS": str(ip_days), "COURSESITE_PAGE_VIEW_RETENTION_MONTHS": str(months)}
    settings = Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, **env})
    assert (settings.page_view_ip_days, settings.page_view_retention_months) == (ip_days, months)


def test_session_days_and_login_window_default_and_can_be_set():
    settings = Settings.from_env({"COURSESITE_SECRET_KEY": SECRET})
    assert (settings.session_days, settings.login_window_seconds) == (14, 900)
    settings = Settings.from_env(
        {"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_SESSION_DAYS": "1", "COURSESITE_LOGIN_WINDOW_SECONDS": "90"}
    )
    assert (settings.session_days, settings.login_window_seconds) == (1, 90)


@pytest.mark.parametrize(
    "env, fragment",
    [
        ({"COURSESITE_SESSION_DAYS": "0"}, "COURSESITE_SESSION_DAYS: must be between 1 and 90, got 0"),
        ({"COURSESITE_SESSION_DAYS": "91"}, "COURSESITE_SESSION_DAYS: must be between 1 and 90, got 91"),
        ({"COURSESITE_SESSION_DAYS": "två"}, "COURSESITE_SESSION_DAYS: expected a whole number"),
        ({"COURSESITE_LOGIN_WINDOW_SECONDS": "0"}, "COURSESITE_LOGIN_WINDOW_SECONDS: must be between 1 and 86400"),
        ({"COURSESITE_LOGIN_WINDOW_SECONDS": "15m"}, "COURSESITE_LOGIN_WINDOW_SECONDS: expected a whole number"),
    ],
)
def test_bad_session_and_login_window_values_name_the_variable(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, **env})


@pytest.mark.parametrize(
    "name, low, high", [("COURSESITE_PAGE_VIEW_IP_DAYS", 1, 90), ("COURSESITE_PAGE_VIEW_RETENTION_MONTHS", 1, 36)]
)
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
    settings = Settings.from_env(
        {
            "COURSESITE_ENV": "production",
            "COURSESITE_SECRET_KEY": SECRET,
            "COURSESITE_PUBLIC_URL": "https://kurs.example.se",
        }
    )
    assert settings.secure_cookies


def test_development_needs_some_secret():
    with pytest.raises(ConfigError, match="make run"):
        Settings.from_env({})


def test_trusted_proxies_default_to_none_and_are_read_as_networks():
    assert Settings.from_env({"COURSESITE_SECRET_KEY": SECRET}).trusted_proxies == ()
    settings = Settings.from_env(
        {"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_TRUSTED_PROXIES": " 10.0.0.1, 172.16.0.0/12 ,::1,"}
    )
    assert settings.trusted_proxies == ("10.0.0.1/32", "172.16.0.0/12", "::1/128")


# --- Mail (COURSESITE_SMTP_URL, COURSESITE_MAIL_FROM, COURSESITE_PUBLIC_URL) ----------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://localhost:1025", SmtpUrl("plain", "localhost", 1025)),
        ("smtp://mail.example.se", SmtpUrl("plain", "mail.example.se", 25)),
        (
            "smtp+starttls://kurs:hemligt@smtp.example.se:587",
            SmtpUrl("starttls", "smtp.example.se", 587, "kurs", "hemligt"),
        ),
        (
            "smtp+starttls://kurs:hemligt@smtp.example.se",
            SmtpUrl("starttls", "smtp.example.se", 587, "kurs", "hemligt"),
        ),
        (
            "smtps://kurs%40x.se:p%2Fw%3A@smtp.example.se:465",
            SmtpUrl("tls", "smtp.example.se", 465, "kurs@x.se", "p/w:"),
        ),
        ("SMTPS://u:p@h.se", SmtpUrl("tls", "h.se", 465, "u", "p")),
    ],
)
def test_smtp_urls(url, expected):
    settings = Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_SMTP_URL": url})
    assert settings.smtp == expected


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://mail.example.se", "expected smtp://host:port"),
        ("mail.example.se:25", "expected smtp://host:port"),
        ("smtp://", "the host is missing"),
        ("smtp://mail.example.se:99999", "the port must be"),
        ("smtp://mail.example.se:abc", "the port must be"),
        ("smtp://u:p@mail.example.se", "need smtp+starttls:// or smtps://"),
        ("smtps://u@mail.example.se", "both a user and a password"),
        ("smtps://u:p@mail.example.se/inbox", "no path or query"),
    ],
)
def test_a_bad_smtp_url_stops_the_start_naming_the_variable(url, problem):
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_SMTP_URL": url})
    assert str(raised.value).startswith("COURSESITE_SMTP_URL: ") and problem in str(raised.value)
    assert ":p@" not in str(raised.value)  # never the password


def test_no_smtp_url_means_no_smtp():
    assert Settings.from_env({"COURSESITE_SECRET_KEY": SECRET}).smtp is None


@pytest.mark.parametrize(
    "value, parsed",
    [
        ("Kurssajten <kurs@balansekonomi.se>", ("Kurssajten", "kurs@balansekonomi.se")),
        ('"Balansekonomi, kurs" <kurs@balansekonomi.se>', ("Balansekonomi, kurs", "kurs@balansekonomi.se")),
        ("kurs@balansekonomi.se", ("", "kurs@balansekonomi.se")),
    ],
)
def test_mail_from(value, parsed):
    settings = Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_MAIL_FROM": value})
    assert parse_mail_from(settings.mail_from) == parsed


@pytest.mark.parametrize(
    "value",
    ["Kurssajten", "Kurssajten <kurs>", "<>", "a@b@c.se", "Kurs <kurs@x.se> extra", "Kurs <kurs@x.se>\nBcc: y@z.se"],
)
def test_a_bad_mail_from_stops_the_start(value):
    with pytest.raises(ConfigError, match="^COURSESITE_MAIL_FROM: "):
        Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_MAIL_FROM": value})


@pytest.mark.parametrize(
    "value, base",
    [
        ("https://kurs.balansekonomi.se", "https://kurs.balansekonomi.se"),
        ("https://kurs.balansekonomi.se/", "https://kurs.balansekonomi.se"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://www.example.se/kurs/", "https://www.example.se/kurs"),
    ],
)
def test_public_url(value, base):
    assert Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_PUBLIC_URL": value}).base_url == base


@pytest.mark.parametrize(
    "value",
    [
        "kurs.balansekonomi.se",
        "ftp://kurs.se",
        "https://",
        "https://kurs.se?x=1",
        "https://kurs.se/#a",
        "https://u@kurs.se",
        "https://kurs.se:0x",
    ],
)
def test_a_bad_public_url_stops_the_start(value):
    with pytest.raises(ConfigError, match="^COURSESITE_PUBLIC_URL: "):
        Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_PUBLIC_URL": value})


def test_the_public_url_defaults_to_this_server_outside_production():
    settings = Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_PORT": "8123"})
    assert settings.base_url == "http://127.0.0.1:8123"


def test_production_needs_the_public_url():
    with pytest.raises(ConfigError, match="^COURSESITE_PUBLIC_URL: production needs"):
        Settings.from_env({"COURSESITE_ENV": "production", "COURSESITE_SECRET_KEY": SECRET})


def test_the_mail_worker_runs_when_started_from_the_environment_and_not_in_a_bare_settings():
    assert Settings.from_env({"COURSESITE_SECRET_KEY": SECRET}).mail_worker is True
    assert Settings.from_env({"COURSESITE_SECRET_KEY": SECRET, "COURSESITE_MAIL_WORKER": "false"}).mail_worker is False
    assert Settings().mail_worker is False  # an app a test builds sends nothing by itself
