"""The `coursesite` command."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import click

from coursesite.settings import ConfigError, Settings


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _bind_tables(settings: Settings):
    from coursesite.db.engine import build_engine
    from coursesite.db.tables import bind_tables

    engine = build_engine(settings.database)
    bind_tables(engine)
    return engine


@click.group()
def main() -> None:
    """Kurssajten: the course site of Balansekonomi Svenska AB."""


@main.command()
def migrate() -> None:
    """Apply the database migrations (tables are never created at start-up)."""
    from coursesite.db.migrate import apply_migrations

    settings = _settings()
    asyncio.run(apply_migrations(settings))
    click.echo(f"Migrations applied ({settings.database.engine}).")


@main.command()
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (replaced if it exists).",
)
def backup(output: Path) -> None:
    """Back up the database while the site serves (docs/operations.md): SQLite through its online backup API,
    PostgreSQL through pg_dump. The file records the migration it was taken at."""
    from coursesite.ops.backup import BackupError, take_backup

    try:
        manifest = asyncio.run(take_backup(_settings(), output))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except (OSError, sqlite3.Error) as exc:  # the database cannot be reached or read; never its data in the message
        raise click.ClickException(f"the database cannot be read ({type(exc).__name__})") from None
    click.echo(
        f"Backup written to {output} ({manifest.engine}, migration {manifest.migration}, {manifest.size} bytes)."
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds rows (everything in it is lost).")
def restore(file: Path, force: bool) -> None:
    """Restore a backup into an empty database (stop the site first), apply the newer migrations and re-apply the
    erasures recorded in the erasure ledger since the backup was taken."""
    from coursesite.ops.backup import BackupError, restore_backup
    from coursesite.privacy.erasure_ledger import LedgerError

    settings = _settings()
    try:
        report = asyncio.run(restore_backup(settings, file, force=force))
    except (BackupError, LedgerError) as exc:
        raise click.ClickException(str(exc)) from None
    except (OSError, sqlite3.Error) as exc:
        raise click.ClickException(f"the database cannot be reached or read ({type(exc).__name__})") from None
    manifest = report.manifest
    click.echo(f"Restored the backup taken at {manifest.taken_at} (migration {manifest.migration}).")
    click.echo(f"Migrations applied since: {report.migrations_applied}.")
    if report.erasures is None:
        click.echo("No erasure ledger is configured: no erasures were re-applied.")
    else:
        click.echo(f"Erasures re-applied: {report.erasures.line()}.")


@main.command("check-migrations")
def check_migrations() -> None:
    """Fail when a table changed without a migration."""
    from coursesite.db.migrate import pending_table_changes

    os.environ.setdefault("PICCOLO_CONF", "coursesite.piccolo_conf")
    pending = asyncio.run(pending_table_changes())
    if pending:
        click.echo("Tables changed without a migration:\n" + "\n".join(pending), err=True)
        sys.exit(1)
    click.echo("Migrations match the tables.")


@main.command("privacy-clauses")
@click.option("--write", is_flag=True, help="Write docs/privacy-clauses.md instead of printing the table.")
def privacy_clauses(write: bool) -> None:
    """The clause trace of the company's privacy text (coursesite/privacy/clauses.toml) as a table for a reviewer."""
    from coursesite.privacy import clauses

    text = clauses.render_markdown(clauses.load())
    if write:
        clauses.DOC_PATH.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {clauses.DOC_PATH.name}.")
    else:
        click.echo(text, nl=False)


@main.command("check-content")
def check_content() -> None:
    """Load and validate the course in lessons/ and the catalogue of webinars, events and e-books
    (lessons/catalogue.toml)."""
    from coursesite.course.loader import ContentError, load_course
    from coursesite.signups.catalogue import CATALOGUE_FILE, CatalogueError, load_catalogue

    settings = _settings()
    try:
        course = load_course(settings.lessons_dir)
        offered = load_catalogue(settings.lessons_dir / CATALOGUE_FILE)
    except (ContentError, CatalogueError) as exc:
        raise click.ClickException(str(exc)) from None
    lessons = course.lessons()
    click.echo(
        f"{course.title}: {len(course.acts)} acts, {len(lessons)} lessons, "
        f"{sum(len(lesson.questions) for lesson in lessons)} questions."
    )
    counts = {kind: len(offered.of(kind)) for kind in ("webinar", "event", "ebook")}
    click.echo(f"{CATALOGUE_FILE}: {counts['webinar']} webinars, {counts['event']} events, {counts['ebook']} e-books.")


@main.command()
def serve() -> None:
    """Serve the site with uvicorn on COURSESITE_HOST:COURSESITE_PORT with COURSESITE_WORKERS workers."""
    import uvicorn

    from coursesite.asgi import event_loop
    from coursesite.course.loader import ContentError, load_course
    from coursesite.ops.logs import logging_dict
    from coursesite.review.versions import QuestionVersions
    from coursesite.signups.catalogue import CATALOGUE_FILE, CatalogueError, load_catalogue

    settings = _settings()
    try:
        course = load_course(settings.lessons_dir)  # fail here, once, with the content error, not in every worker
        load_catalogue(settings.lessons_dir / CATALOGUE_FILE)
    except (ContentError, CatalogueError) as exc:
        raise click.ClickException(str(exc)) from None
    engine = _bind_tables(settings)
    # Once, before the workers start: the answer keys in force, so a later regrade can compare against them.
    asyncio.run(QuestionVersions(engine).record(course))
    _metrics_across_workers(settings.workers)
    uvicorn.run(
        "coursesite.asgi:app_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        proxy_headers=False,
        server_header=False,
        loop=event_loop(settings),
        access_log=False,  # its lines hold IP addresses: ops/requests.py writes one line per request instead
        log_config=logging_dict(),  # JSON lines, scrubbed of personal data (ops/logs.py)
    )


def _metrics_across_workers(workers: int) -> None:
    """Several workers share /metrics through prometheus-client's multiprocess mode: a directory of this run's values,
    emptied at start. PROMETHEUS_MULTIPROC_DIR set by the operator is used as it is (and emptied); otherwise one under
    the temporary directory, removed when the server stops. Set before any worker imports prometheus_client."""
    import atexit
    import shutil
    import tempfile

    from coursesite.ops.metrics import MULTIPROC_ENV, prepare_multiprocess_dir

    if workers <= 1 and not os.environ.get(MULTIPROC_ENV):
        return
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        path = tempfile.mkdtemp(prefix="coursesite-metrics-")
        atexit.register(shutil.rmtree, path, True)
    prepare_multiprocess_dir(path)
    os.environ[MULTIPROC_ENV] = path


@main.command("create-staff")
@click.option("--email", required=True, help="The staff member's email address.")
@click.option("--role", required=True, type=click.Choice(["instructor", "finance", "customer_service", "admin"]))
@click.option("--password", default=None, help="Read from standard input when left out.")
@click.option("--first-name", required=True, help="Shown to participants and colleagues (grades, cases, audit).")
@click.option("--last-name", required=True)
def create_staff(email: str, role: str, password: str | None, first_name: str, last_name: str) -> None:
    """Create a staff account. The password follows the password rule (accounts/password_rule.py)."""
    from coursesite.accounts.roles import Role
    from coursesite.accounts.service import account_service
    from coursesite.core.errors import DomainError

    if password is None:
        password = sys.stdin.readline().rstrip("\n")
    settings = _settings()
    accounts = account_service(settings, _bind_tables(settings))  # built as create_app builds it
    try:
        principal = asyncio.run(
            accounts.create_staff(
                email=email, role=Role(role), password=password, first_name=first_name, last_name=last_name
            )
        )
    except DomainError as exc:
        details = "; ".join(f"{field}: {message}" for field, message in exc.field_errors.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    click.echo(f"Created {principal.role.value} account #{principal.account_id}.")


@main.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--act", type=click.IntRange(1, 99), required=True, help="The act the lesson belongs to.")
@click.option("--lesson", required=True, help="The lesson's slug; a new slug creates the lesson at the end of the act.")
@click.option("--title", default=None, help="The title of a new lesson (required then).")
def import_gift(file: Path, act: int, lesson: str, title: str | None) -> None:
    """Add the questions of a GIFT file to a lesson, replacing those with the same GIFT name."""
    from coursesite.course import authoring
    from coursesite.course.catalog import CourseCatalog
    from coursesite.review.versions import QuestionVersions

    settings = _settings()
    if file.stat().st_size > authoring.MAX_GIFT_BYTES:
        raise click.ClickException(f"{file}: larger than {authoring.MAX_GIFT_BYTES} bytes")
    try:
        text = authoring.decode_gift(file.read_bytes())
        summary = authoring.import_gift(
            settings.lessons_dir, text, act=act, lesson=lesson, title=title, source=file.name
        )
    except authoring.AuthoringError as exc:
        raise click.ClickException(f"{file.name}: nothing was imported:\n{exc}") from None
    catalog = CourseCatalog(settings.lessons_dir)
    catalog.mark_changed()  # running workers reload on their next request
    what = "created" if summary.created else "updated"
    click.echo(f"Lesson '{summary.lesson}' ({summary.lesson_file}) {what}:")
    for label, names in (("added", summary.added), ("replaced", summary.replaced), ("unchanged", summary.unchanged)):
        click.echo(f"  {label}: {len(names)}" + "".join(f"\n    {name}" for name in names))
    if summary.key_changed:
        click.echo(f"  grading key changed (consider a regrade): {', '.join(summary.key_changed)}")
    try:
        engine = _bind_tables(settings)
        asyncio.run(QuestionVersions(engine).record(catalog.course))
    except Exception as exc:  # the files are in place; `serve` records the keys at its next start
        raise click.ClickException(
            f"the questions were imported, but their grading keys were not recorded ({type(exc).__name__}); "
            "they are recorded when `coursesite serve` starts"
        ) from None


@main.command("export-gift")
@click.option("--lesson", required=True, help="The lesson's slug.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def export_gift(lesson: str, output: Path | None) -> None:
    """Write a lesson's questions as GIFT; questions GIFT cannot express are listed on standard error."""
    from coursesite.course import authoring
    from coursesite.course.loader import ContentError, load_course

    settings = _settings()
    try:
        result = authoring.export_gift(load_course(settings.lessons_dir), lesson)
    except (ContentError, authoring.AuthoringError) as exc:
        raise click.ClickException(str(exc)) from None
    for name, why in result.skipped:
        click.echo(f"skipped '{name}': {why}", err=True)
    if not result.written:
        raise click.ClickException(f"nothing in lesson '{lesson}' can be written as GIFT")
    if output is None:
        click.echo(result.text, nl=False)
    else:
        output.write_text(result.text, encoding="utf-8")
        click.echo(f"Wrote {len(result.written)} question(s) to {output}.", err=True)


# ---------------------------------------------------------------- subsidiaries (subsidiaries/service.py)


def _run_subsidiary(coroutine_factory):
    """Bind the tables, run one subsidiaries.service call, and turn its domain errors into a clear message."""
    from coursesite.core.errors import DomainError

    _bind_tables(_settings())
    try:
        return asyncio.run(coroutine_factory())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@main.group()
def subsidiary() -> None:
    """Subsidiaries that receive participants' data through /api/v1/subsidiary, one token per purpose."""


@subsidiary.command("add")
@click.option("--name", required=True, help="The subsidiary's name (the recipient in the disclosure log).")
@click.option("--purpose", required=True, help="A sharing purpose from privacy/sharing.py, e.g. course_site.")
@click.option("--channel", default=None, help="Its own channel, whose privacy policy may take precedence there.")
def subsidiary_add(name: str, purpose: str, channel: str | None) -> None:
    """Register a subsidiary for a purpose and print its token once, alone on the last line (only its hash is kept)."""
    from coursesite.subsidiaries import service as subsidiaries

    found, token = _run_subsidiary(lambda: subsidiaries.add_subsidiary(name, purpose, channel))
    click.echo(f"Subsidiary '{found.name}' may now receive '{found.purpose}' data (#{found.id}).")
    click.echo("Its token is shown only this once; give it to the subsidiary over a safe channel:")
    click.echo(token)


@subsidiary.command("list")
def subsidiary_list() -> None:
    """The subsidiaries, their purposes and whether their tokens work (never the tokens)."""
    from coursesite.subsidiaries import service as subsidiaries

    for found in _run_subsidiary(subsidiaries.list_subsidiaries):
        state = "active" if found.active else "revoked"
        channel = f"  channel: {found.channel}" if found.channel else ""
        click.echo(f"{found.name}\t{found.purpose}\t{state}{channel}")


@subsidiary.command("revoke")
@click.option("--name", required=True)
@click.option("--purpose", required=True)
def subsidiary_revoke(name: str, purpose: str) -> None:
    """Revoke a subsidiary's token for a purpose; its disclosure log and notices stay."""
    from coursesite.subsidiaries import service as subsidiaries

    found = _run_subsidiary(lambda: subsidiaries.revoke_subsidiary(name, purpose))
    click.echo(f"Revoked: '{found.name}' no longer receives '{found.purpose}' data.")


@main.group()
def newsletter() -> None:
    """The newsletter services (Mailchimp, Apsis)."""


@newsletter.command("import-unsubscribes")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--service", required=True, type=click.Choice(["mailchimp", "apsis"]), help="Whose export the file is.")
@click.option(
    "--by",
    "by_email",
    default=None,
    help="The e-mail of the staff member (finance, customer service or "
    "admin) the import is audited as; without it, the audit log names no one.",
)
def newsletter_import_unsubscribes(file: Path, service: str, by_email: str | None) -> None:
    """Withdraw the newsletter consent of everyone in a service's unsubscribe export. A file with any bad row
    changes nothing and lists every problem. Prints counts, never an address."""
    from coursesite.core.errors import DomainError
    from coursesite.privacy.audit import AuditLog
    from coursesite.signups.unsubscribe_files import MAX_FILE_BYTES
    from coursesite.signups.unsubscribes import UnsubscribeImport

    if file.stat().st_size > MAX_FILE_BYTES:
        raise click.ClickException(f"{file.name}: filen är för stor: högst {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    importer = UnsubscribeImport(_bind_tables(_settings()), AuditLog())

    async def run():
        actor_id = await importer.staff_actor(by_email) if by_email else None
        return await importer.import_file(file.read_bytes(), service, actor_id=actor_id)

    try:
        summary = asyncio.run(run())
    except DomainError as exc:
        details = "\n".join(exc.field_errors.values())
        raise click.ClickException(f"{file.name}: {exc.message}" + (f"\n{details}" if details else "")) from None
    click.echo(f"{summary.recipient}: {summary.addresses} adresser i filen ({summary.rows} rader).")
    click.echo(f"  återkallade nu: {summary.withdrawn}")
    click.echo(f"  redan återkallade: {summary.already_withdrawn}")
    click.echo(f"  samtycke givet efter avregistreringen (gäller): {summary.consent_later}")
    click.echo(f"  kända utan samtycke till nyhetsbrevet: {summary.no_consent}")
    click.echo(f"  okända adresser: {summary.unknown}")
    if summary.skipped:
        click.echo(f"  andra händelser (hoppades över): {summary.skipped}")
    if summary.notified:
        click.echo(f"Meddelande att avregistrera hos: {', '.join(summary.notified)} (/kundtjanst/nyhetsbrevstjanster).")


@main.group()
def retention() -> None:
    """Erase what has passed its retention (privacy/registry.py)."""


@retention.command("run")
def retention_run() -> None:
    """Erase whatever has passed its retention; safe to run often. Prints counts per table, never any data."""
    from coursesite.privacy.erasure_ledger import erasure_ledger
    from coursesite.privacy.retention import RetentionPolicy, run_retention
    from coursesite.signups.catalogue import CATALOGUE_FILE, CatalogueError, load_catalogue

    settings = _settings()  # a wrong period stops the command here, naming the variable
    policy = RetentionPolicy.from_settings(settings)
    try:  # the server's catalogue: registrations are dated by the file in COURSESITE_LESSONS_DIR
        offers = load_catalogue(settings.lessons_dir / CATALOGUE_FILE)
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None
    engine, outbox, _, pdf = _mail(settings)  # the inactivity warnings go through the outbox
    pdf.close()  # nothing here renders a PDF
    secret = settings.secret_key or None
    ledger = erasure_ledger(settings)
    report = asyncio.run(
        run_retention(engine, policy, catalogue=offers, outbox=outbox, login_secret=secret, ledger=ledger)
    )
    for line in report.lines():
        click.echo(line)
    click.echo(f"Retention run done: {report.total} rows changed or erased.")


# ---------------------------------------------------------------- mail (mail/, docs/mail.md)


def _services(settings: Settings):
    """Every service, built as create_app builds them (the outbox, the sender with its attachment sources, the
    reminders), on an engine bound to the tables. Stop the PDF workers with `services.pdf.close()`."""
    from coursesite.app import build_services

    try:
        return build_services(settings, _bind_tables(settings))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _mail(settings: Settings):
    """The engine, the outbox and the sender, built as create_app builds them."""
    services = _services(settings)
    return services.mail_sender.engine, services.outbox, services.mail_sender, services.pdf


@main.group()
def mail() -> None:
    """E-mail: deliver the outbox, send a test message."""


@mail.command("send-pending")
@click.option("--max", "max_messages", type=click.IntRange(1, 100000), default=None, help="Stop after this many.")
def mail_send_pending(max_messages: int | None) -> None:
    """Deliver every message that is due (for a cron job or a worker beside the app). Prints counts only."""
    settings = _settings()
    _, _, sender, pdf = _mail(settings)
    if sender.transport is None:
        raise click.ClickException("COURSESITE_SMTP_URL is not set: nothing can be sent; the messages wait.")
    try:
        report = asyncio.run(sender.send_pending(max_messages=max_messages))
    finally:
        pdf.close()  # the invoice PDFs attached were rendered in its worker processes
    click.echo(f"Mail: {report.line()}.")


@mail.command("test")
@click.option("--to", "to", required=True, help="The address to send the test message to.")
def mail_test(to: str) -> None:
    """Queue one test message to ADDRESS and deliver it now."""
    from coursesite.db.engine import write_transaction
    from coursesite.mail.message import Mail, valid_address

    if not valid_address(to):
        raise click.ClickException("--to: expected a plain e-mail address, such as namn@example.se")
    settings = _settings()
    engine, outbox, sender, pdf = _mail(settings)
    pdf.close()  # the test message attaches nothing

    async def run():
        async with write_transaction(engine):
            message_id = await outbox.queue(Mail(to=to, template="test_message"))
        report = await sender.send_pending()
        rows = [row for row in await outbox.messages() if row.id == message_id]
        return message_id, report, rows[0] if rows else None

    message_id, report, row = asyncio.run(run())
    status = row.status if row is not None else "unknown"
    click.echo(f"Test message #{message_id}: {status}. ({report.line()})")
    if row is not None and row.last_error:
        click.echo(f"Last error: {row.last_error}", err=True)
    if status not in ("sent", "printed"):
        raise click.ClickException(f"the test message was not delivered (status {status})")


# ---------------------------------------------------------------- billing (billing/, docs/billing.md)


@main.group()
def billing() -> None:
    """Billing: payment reminders."""


@billing.command("send-reminders")
def billing_send_reminders() -> None:
    """Record and queue every payment reminder due today (billing.toml [reminders]); safe to run twice, and beside
    the app's own sender loop, which does the same every hour. The mail sender delivers them. Prints counts only."""
    settings = _settings()
    services = _services(settings)
    try:
        if services.reminders.config.max_reminders == 0:
            click.echo("Reminders are off: billing.toml has no [reminders] table, or max_reminders = 0.")
            return
        report = asyncio.run(services.reminders.send_due())
    finally:
        services.pdf.close()
    click.echo(f"Reminders: {report.line()}.")
