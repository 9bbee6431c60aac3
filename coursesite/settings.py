"""Settings, read from the environment once by whoever starts the app. Nothing here runs at import time."""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from coursesite.core.client_address import TrustedProxies

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///var/coursesite.sqlite"
ENVIRONMENTS = ("development", "test", "production")
MIN_SECRET_LENGTH = 32

# Technical data (privacy/pageviews.py, privacy/retention.py). The public policy, the record of processing and the
# access export state these periods (privacy/registry.py: technical_data_retention_sv), so they are read here once.
# The IP period must be shorter than the shortest the page-view retention can be (Settings.validate).
# - IP address: at least a day, so the daily retention job has a day's addresses to investigate abuse with; at most
#   90 days, since a full address kept longer serves no security purpose a truncated one does not.
# - Page view: at least a month; at most 36 months, the longest period the site keeps any log (disclosure log,
#   consent proof: 3 years). The default 13 months is the usual period for audience measurement (CNIL).
DEFAULT_PAGE_VIEW_IP_DAYS = 7
PAGE_VIEW_IP_DAYS_BOUNDS = (1, 90)
DEFAULT_PAGE_VIEW_RETENTION_MONTHS = 13
PAGE_VIEW_RETENTION_MONTHS_BOUNDS = (1, 36)
# Sessions (accounts/service.py) and the login rate-limit window: the retention texts state these too
# (privacy/registry.py: session_lifetime_retention_sv, login_window_retention_sv).
DEFAULT_SESSION_DAYS = 14
SESSION_DAYS_BOUNDS = (1, 90)
DEFAULT_LOGIN_WINDOW_SECONDS = 900
LOGIN_WINDOW_SECONDS_BOUNDS = (1, 86400)
# Retention that ends (privacy/retention.py applies them; privacy/registry.py: retention_texts_sv states them on the
# page, in the record and in the access export). Each is read here once.
# - Inactive accounts: erased this many months after the last login or course activity (a warning mail goes a month
#   before). At least 2 months, so the warning's month is not the whole period; at most 10 years.
# - Webinar and event registrants: kept this many months after the event's date (the registration date when the
#   catalogue gives none). The company's page promises 24 months.
# - The webinar subsidiary receives registrants of webinars upcoming or held at most this many months ago.
DEFAULT_INACTIVE_ACCOUNT_MONTHS = 36
INACTIVE_ACCOUNT_MONTHS_BOUNDS = (2, 120)
DEFAULT_REGISTRANT_MONTHS = 24
REGISTRANT_MONTHS_BOUNDS = (1, 60)
DEFAULT_WEBINAR_SHARING_MONTHS = 1
WEBINAR_SHARING_MONTHS_BOUNDS = (0, 24)
# An identical answer to the same question from the same account within this many seconds is a double click: the
# first attempt is returned instead of a second being recorded (grading/service.py). 0 turns the rule off.
DEFAULT_ANSWER_REPEAT_SECONDS = 5
ANSWER_REPEAT_SECONDS_BOUNDS = (0, 60)
# Heavy renders (every PDF, coursesite/pdf.py: RenderSlots): at most this many at once in this process, and per account;
# beyond that a 429 with Retry-After. A data-export PDF costs seconds of CPU, and the pool has two workers.
DEFAULT_PDF_SLOTS = 4
DEFAULT_PDF_SLOTS_PER_ACCOUNT = 1
DEFAULT_PDF_RETRY_AFTER_SECONDS = 5
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
DEFAULT_MAIL_FROM = "Kurssajten <kurs@balansekonomi.se>"
DEFAULT_MAIL_POLL_SECONDS = 10
_MAIL_FROM = re.compile(r"(?:([^<>]*?)\s*<([^<>\s]+)>|([^<>\s]+))")  # "Name <address>" or a bare address
SMTP_SCHEMES = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}
SMTP_DEFAULT_PORTS = {"plain": 25, "starttls": 587, "tls": 465}
_ADDRESS = re.compile(
    r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)


class ConfigError(ValueError):
    """A configuration value is wrong. The message names the variable and what is wrong with it."""


def shortest_days_in_months(months: int) -> int:
    """The fewest days `months` consecutive calendar months can hold (1: 28, 2: 59, 3: 89): the earliest a page view
    can be deleted, since the retention job counts calendar months (privacy/retention.py: months_before)."""
    lengths = [calendar.monthrange(2025 + (m // 12), m % 12 + 1)[1] for m in range(12 + months)]  # 2025-26: no leap day
    return min(sum(lengths[start : start + months]) for start in range(12))


@dataclass(frozen=True)
class DatabaseUrl:
    engine: str  # "sqlite" or "postgres"
    sqlite_path: Path | None = None
    dsn: str | None = None

    @classmethod
    def parse(cls, url: str, *, base: Path = REPO_ROOT) -> DatabaseUrl:
        if url.startswith("sqlite:///"):
            raw = url.removeprefix("sqlite:///")
            if not raw or raw == ":memory:":
                # Piccolo opens a connection per query, so an in-memory database would be empty every time.
                raise ConfigError(
                    "COURSESITE_DATABASE_URL: an SQLite database needs a file path, e.g. sqlite:///var/coursesite.sqlite"
                )
            path = Path(raw)
            return cls(engine="sqlite", sqlite_path=path if path.is_absolute() else base / path)
        if url.startswith(("postgresql://", "postgres://")):
            return cls(engine="postgres", dsn=url)
        raise ConfigError(
            "COURSESITE_DATABASE_URL: expected sqlite:///relative/path.sqlite, sqlite:////absolute/path.sqlite "
            f"or postgresql://user@host:port/db, got a value starting with {url.split(':', 1)[0]!r}"
        )


@dataclass(frozen=True)
class SmtpUrl:
    """Where the mail sender delivers (COURSESITE_SMTP_URL): smtp://host:port (no encryption: a local relay),
    smtp+starttls://user:password@host:587, smtps://user:password@host:465."""

    security: str  # "plain", "starttls" or "tls"
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> SmtpUrl:
        name = "COURSESITE_SMTP_URL"
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme not in SMTP_SCHEMES:
            raise ConfigError(
                f"{name}: expected smtp://host:port, smtp+starttls://user:password@host:587 or "
                f"smtps://user:password@host:465, got a value starting with {url.split(':', 1)[0][:20]!r}"
            )
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(f"{name}: the port must be a number between 1 and 65535") from None
        if not parts.hostname:
            raise ConfigError(f"{name}: the host is missing")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ConfigError(f"{name}: only scheme, user, password, host and port are allowed (no path or query)")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if (username is None) != (password is None):
            raise ConfigError(f"{name}: give both a user and a password, or neither")
        security = SMTP_SCHEMES[scheme]
        if security == "plain" and username is not None:
            # A password sent over an unencrypted connection: refuse rather than leak it.
            raise ConfigError(f"{name}: a user and password need smtp+starttls:// or smtps://, not smtp://")
        return cls(security, parts.hostname, port or SMTP_DEFAULT_PORTS[security], username, password)


def parse_mail_from(value: str) -> tuple[str, str]:
    """COURSESITE_MAIL_FROM as (display name, address): "Kurssajten <kurs@balansekonomi.se>" or a bare address."""
    name = "COURSESITE_MAIL_FROM"
    if "\n" in value or "\r" in value or len(value) > 200:
        raise ConfigError(f"{name}: one line of at most 200 characters, e.g. {DEFAULT_MAIL_FROM!r}")
    match = _MAIL_FROM.fullmatch(value.strip())
    display, address = (
        ((match.group(1) or "").strip().strip('"'), match.group(2) or match.group(3)) if match else ("", "")
    )
    if '"' in display or not address or not _ADDRESS.fullmatch(address) or len(address) > 254:
        raise ConfigError(f"{name}: expected an address such as {DEFAULT_MAIL_FROM!r}, got {value[:60]!r}")
    return display, address


def parse_public_url(value: str) -> str:
    """COURSESITE_PUBLIC_URL without its trailing slash: http(s)://host[:port][/path], no query or fragment."""
    name = "COURSESITE_PUBLIC_URL"
    parts = urlsplit(value)
    try:
        _ = parts.port
    except ValueError:
        raise ConfigError(f"{name}: the port must be a number between 1 and 65535") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ConfigError(
            f"{name}: expected the site's address, e.g. https://kurs.balansekonomi.se, got {value[:60]!r}"
        )
    if any(ch.isspace() for ch in value):
        raise ConfigError(f"{name}: the address contains white space")
    return value.rstrip("/")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    # ASCII digits only: int() would also take " 7", "1_0" and other scripts' digits.
    if not _WHOLE_NUMBER.fullmatch(raw) or len(raw) > 18:
        raise ConfigError(f"{name}: expected a whole number, got {raw[:40]!r}")
    value = int(raw)
    if not low <= value <= high:
        raise ConfigError(f"{name}: must be between {low} and {high}, got {value}")
    return value


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name)
    if not raw:
        return default
    path = Path(raw)
    return path if path.is_absolute() else REPO_ROOT / path


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


def _trusted_proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    try:
        return tuple(str(network) for network in TrustedProxies.parse(env.get("COURSESITE_TRUSTED_PROXIES")).networks)
    except ValueError as exc:
        raise ConfigError(
            f"COURSESITE_TRUSTED_PROXIES: {exc}; expected comma-separated addresses or networks, "
            "e.g. 10.0.0.1,172.16.0.0/12"
        ) from None


# /metrics (ops/metrics.py): the addresses that may read it, and the bearer token that may from anywhere.
DEFAULT_METRICS_ALLOW = ("127.0.0.1/32", "::1/128")
MIN_METRICS_TOKEN_LENGTH = 16


def _metrics_allow(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("COURSESITE_METRICS_ALLOW")
    if raw is None or not raw.strip():
        return DEFAULT_METRICS_ALLOW
    try:
        return tuple(str(network) for network in TrustedProxies.parse(raw).networks)
    except ValueError as exc:
        raise ConfigError(
            f"COURSESITE_METRICS_ALLOW: {exc}; expected comma-separated addresses or networks, "
            "e.g. 127.0.0.1,10.0.0.0/8"
        ) from None


def cpu_count() -> int:
    """The cores this process may run on (its CPU affinity, which a container or taskset narrows), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


DEFAULT_REQUESTS_AT_ONCE = 16
DEFAULT_TURN_WAIT_MS = 3000


def default_workers(database_url: str, cores: int | None = None) -> int:
    """COURSESITE_WORKERS when unset: one per core on PostgreSQL, whose server takes any number of connections;
    one on SQLite, the embedded default, whose single writer connection per process queues the writes fairly only
    within that process (docs/performance.md, issue 14 P3). At most 64, the variable's upper bound."""
    if not database_url.startswith(("postgresql://", "postgres://")):
        return 1
    return min(64, cpu_count() if cores is None else max(1, cores))


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""
    workers: int = 1
    environment: str = "development"
    secure_cookies: bool = False  # set behind https
    lessons_dir: Path = REPO_ROOT / "lessons"
    billing_config: Path = REPO_ROOT / "coursesite" / "billing" / "billing.toml"
    db_pool_size: int = 10  # PostgreSQL connection pool per worker; 0 opens a connection per query
    # Requests of one worker in progress at once; the rest wait their turn in arrival order (core/turns.py). 0: no
    # turns, every request at once.
    requests_at_once: int = DEFAULT_REQUESTS_AT_ONCE
    # The longest a request waits for its turn; one that would wait longer gets a 503 with Retry-After. 0: no bound.
    turn_wait_ms: int = DEFAULT_TURN_WAIT_MS
    session_days: int = DEFAULT_SESSION_DAYS  # a session expires after this
    login_max_failures: int = 5
    login_window_seconds: int = DEFAULT_LOGIN_WINDOW_SECONDS  # failed logins count, and are kept, this long
    registrations_per_hour: int = 10  # new accounts from one client (an IPv6 /64) in an hour
    # The proxies whose X-Forwarded-For is believed (core/client_address.py), as networks ("10.0.0.1/32"); none: the
    # peer address counts. Text, not ipaddress objects: Litestar inspects the settings' field types.
    trusted_proxies: tuple[str, ...] = ()
    page_view_ip_days: int = DEFAULT_PAGE_VIEW_IP_DAYS  # a page view's IP address is truncated after this
    page_view_retention_months: int = DEFAULT_PAGE_VIEW_RETENTION_MONTHS  # a page view is deleted after this
    inactive_account_months: int = DEFAULT_INACTIVE_ACCOUNT_MONTHS  # an account unused this long is erased
    registrant_months: int = DEFAULT_REGISTRANT_MONTHS  # webinar/event registrants: kept this long after the date
    webinar_sharing_months: int = DEFAULT_WEBINAR_SHARING_MONTHS  # shared this long after the webinar was held
    # Mail (mail/, docs/mail.md). No SMTP URL: messages stay in the outbox (printed to the console in development).
    smtp_url: str = ""
    mail_from: str = DEFAULT_MAIL_FROM
    public_url: str = ""  # the base of every link in a message; default http://host:port outside production
    # The sender loop in each app worker. Off unless from_env turns it on (COURSESITE_MAIL_WORKER, default on), so an
    # app built in a test sends nothing by itself.
    mail_worker: bool = False
    mail_poll_seconds: int = DEFAULT_MAIL_POLL_SECONDS
    answer_repeat_seconds: int = DEFAULT_ANSWER_REPEAT_SECONDS
    pdf_slots: int = DEFAULT_PDF_SLOTS
    pdf_slots_per_account: int = DEFAULT_PDF_SLOTS_PER_ACCOUNT
    pdf_retry_after_seconds: int = DEFAULT_PDF_RETRY_AFTER_SECONDS
    metrics_allow: tuple[str, ...] = DEFAULT_METRICS_ALLOW
    metrics_token: str = field(default="", repr=False)
    # The address for data-protection questions on the privacy page and in the record of processing; empty: dataskydd@
    # the seller's domain (privacy/policy.py: privacy_contact_email), never the invoicing address.
    privacy_email: str = ""
    # The erasure ledger (privacy/erasure_ledger.py), outside the backups' reach; None: erasures are not recorded
    # (an app a test builds). from_env always sets it: COURSESITE_ERASURE_LEDGER, default var/erasure-ledger.jsonl.
    erasure_ledger: Path | None = None
    debug: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def database(self) -> DatabaseUrl:
        return DatabaseUrl.parse(self.database_url)

    @property
    def smtp(self) -> SmtpUrl | None:
        return SmtpUrl.parse(self.smtp_url) if self.smtp_url else None

    @property
    def base_url(self) -> str:
        """COURSESITE_PUBLIC_URL, or this server's own address outside production (development, tests)."""
        if self.public_url:
            return parse_public_url(self.public_url)
        return f"http://{self.host}:{self.port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        environment = env.get("COURSESITE_ENV", "development")
        if environment not in ENVIRONMENTS:
            raise ConfigError(f"COURSESITE_ENV: expected one of {', '.join(ENVIRONMENTS)}, got {environment!r}")
        secret = env.get("COURSESITE_SECRET_KEY", "")
        lessons = env.get("COURSESITE_LESSONS_DIR")
        billing = env.get("COURSESITE_BILLING_CONFIG")
        settings = cls(
            database_url=env.get("COURSESITE_DATABASE_URL") or DEFAULT_DATABASE_URL,
            host=env.get("COURSESITE_HOST") or "127.0.0.1",
            port=_int(env, "COURSESITE_PORT", 8000, 1, 65535),
            secret_key=secret,
            workers=_int(env, "COURSESITE_WORKERS", default_workers(env.get("COURSESITE_DATABASE_URL") or ""), 1, 64),
            environment=environment,
            secure_cookies=_bool(env, "COURSESITE_SECURE_COOKIES", environment == "production"),
            lessons_dir=Path(lessons) if lessons else REPO_ROOT / "lessons",
            billing_config=Path(billing) if billing else REPO_ROOT / "coursesite" / "billing" / "billing.toml",
            db_pool_size=_int(env, "COURSESITE_DB_POOL_SIZE", 10, 0, 100),
            requests_at_once=_int(env, "COURSESITE_REQUESTS_AT_ONCE", DEFAULT_REQUESTS_AT_ONCE, 0, 1000),
            turn_wait_ms=_int(env, "COURSESITE_TURN_WAIT_MS", DEFAULT_TURN_WAIT_MS, 0, 60_000),
            login_max_failures=_int(env, "COURSESITE_LOGIN_MAX_FAILURES", 5, 1, 1000),
            session_days=_int(env, "COURSESITE_SESSION_DAYS", DEFAULT_SESSION_DAYS, *SESSION_DAYS_BOUNDS),
            login_window_seconds=_int(
                env, "COURSESITE_LOGIN_WINDOW_SECONDS", DEFAULT_LOGIN_WINDOW_SECONDS, *LOGIN_WINDOW_SECONDS_BOUNDS
            ),
            registrations_per_hour=_int(env, "COURSESITE_REGISTRATIONS_PER_HOUR", 10, 1, 100_000),
            trusted_proxies=_trusted_proxies(env),
            page_view_ip_days=_int(
                env, "COURSESITE_PAGE_VIEW_IP_DAYS", DEFAULT_PAGE_VIEW_IP_DAYS, *PAGE_VIEW_IP_DAYS_BOUNDS
            ),
            page_view_retention_months=_int(
                env,
                "COURSESITE_PAGE_VIEW_RETENTION_MONTHS",
                DEFAULT_PAGE_VIEW_RETENTION_MONTHS,
                *PAGE_VIEW_RETENTION_MONTHS_BOUNDS,
            ),
            inactive_account_months=_int(
                env,
                "COURSESITE_INACTIVE_ACCOUNT_MONTHS",
                DEFAULT_INACTIVE_ACCOUNT_MONTHS,
                *INACTIVE_ACCOUNT_MONTHS_BOUNDS,
            ),
            registrant_months=_int(
                env, "COURSESITE_REGISTRANT_MONTHS", DEFAULT_REGISTRANT_MONTHS, *REGISTRANT_MONTHS_BOUNDS
            ),
            webinar_sharing_months=_int(
                env,
                "COURSESITE_WEBINAR_SHARING_MONTHS",
                DEFAULT_WEBINAR_SHARING_MONTHS,
                *WEBINAR_SHARING_MONTHS_BOUNDS,
            ),
            smtp_url=env.get("COURSESITE_SMTP_URL", ""),
            mail_from=env.get("COURSESITE_MAIL_FROM") or DEFAULT_MAIL_FROM,
            public_url=env.get("COURSESITE_PUBLIC_URL", ""),
            mail_worker=_bool(env, "COURSESITE_MAIL_WORKER", True),
            mail_poll_seconds=_int(env, "COURSESITE_MAIL_POLL_SECONDS", DEFAULT_MAIL_POLL_SECONDS, 1, 3600),
            answer_repeat_seconds=_int(
                env, "COURSESITE_ANSWER_REPEAT_SECONDS", DEFAULT_ANSWER_REPEAT_SECONDS, *ANSWER_REPEAT_SECONDS_BOUNDS
            ),
            pdf_slots=_int(env, "COURSESITE_PDF_SLOTS", DEFAULT_PDF_SLOTS, 1, 64),
            pdf_slots_per_account=_int(env, "COURSESITE_PDF_SLOTS_PER_ACCOUNT", DEFAULT_PDF_SLOTS_PER_ACCOUNT, 1, 64),
            pdf_retry_after_seconds=_int(
                env, "COURSESITE_PDF_RETRY_AFTER_SECONDS", DEFAULT_PDF_RETRY_AFTER_SECONDS, 1, 600
            ),
            metrics_allow=_metrics_allow(env),
            metrics_token=env.get("COURSESITE_METRICS_TOKEN", ""),
            privacy_email=(env.get("COURSESITE_PRIVACY_EMAIL") or "").strip(),
            erasure_ledger=_path(env, "COURSESITE_ERASURE_LEDGER", REPO_ROOT / "var" / "erasure-ledger.jsonl"),
        )
        _ = settings.database  # validates the URL now, with a message naming the variable
        settings.validate()
        return settings

    def validate(self) -> None:
        shortest = shortest_days_in_months(self.page_view_retention_months)
        if self.page_view_ip_days >= shortest:
            # A page view deleted before (or when) its IP address is truncated makes the truncation meaningless.
            raise ConfigError(
                f"COURSESITE_PAGE_VIEW_IP_DAYS ({self.page_view_ip_days}) must be shorter than "
                f"COURSESITE_PAGE_VIEW_RETENTION_MONTHS ({self.page_view_retention_months}, as short as {shortest} days): "
                "otherwise a page view can be deleted before its IP address is truncated"
            )
        if self.environment == "production":
            if len(self.secret_key) < MIN_SECRET_LENGTH or self.secret_key.startswith("dev-"):
                raise ConfigError(
                    f"COURSESITE_SECRET_KEY: production needs a random secret of at least {MIN_SECRET_LENGTH} characters "
                    "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
        elif len(self.secret_key) < 16:
            raise ConfigError(
                "COURSESITE_SECRET_KEY: missing or shorter than 16 characters. `make run` generates a development "
                "secret in var/secret_key; set one yourself elsewhere."
            )
        if self.pdf_slots_per_account > self.pdf_slots:
            raise ConfigError(
                f"COURSESITE_PDF_SLOTS_PER_ACCOUNT ({self.pdf_slots_per_account}) must not exceed "
                f"COURSESITE_PDF_SLOTS ({self.pdf_slots})"
            )
        self._validate_mail()
        if self.metrics_token and (
            len(self.metrics_token) < MIN_METRICS_TOKEN_LENGTH or self.metrics_token.strip() != self.metrics_token
        ):
            raise ConfigError(
                f"COURSESITE_METRICS_TOKEN: at least {MIN_METRICS_TOKEN_LENGTH} characters without spaces at the ends "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'), or unset"
            )

    def _validate_mail(self) -> None:
        _ = self.smtp  # each names its variable when wrong
        if self.privacy_email and (len(self.privacy_email) > 254 or not _ADDRESS.fullmatch(self.privacy_email)):
            raise ConfigError(
                f"COURSESITE_PRIVACY_EMAIL: expected one e-mail address, e.g. dataskydd@balansekonomi.se, got "
                f"{self.privacy_email[:60]!r}"
            )
        parse_mail_from(self.mail_from)
        if self.public_url:
            parse_public_url(self.public_url)
        elif self.environment == "production":
            raise ConfigError(
                "COURSESITE_PUBLIC_URL: production needs the site's public address (e.g. https://kurs.balansekonomi.se): "
                "every link in an e-mail and the certificate's check link start with it"
            )
