"""`flask users …`, `flask kb …`, `flask incidents …`, `flask sla …`, `flask db …`, `flask demo …`: parse,
call a service, commit once."""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from sqlalchemy import select

from kb.errors import DomainError
from servicedesk import db
from servicedesk.users.models import User
from servicedesk.users.services import create_user, issue_token, parse_role

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    return cfg


def upgrade_database() -> None:
    """Applies every migration not yet applied."""
    command.upgrade(alembic_config(), "head")


def _fail(exc: DomainError) -> None:
    db.session.rollback()
    raise click.ClickException(exc.message)


def _read_password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def register(app: Flask) -> None:
    @app.cli.group("users")
    def users() -> None:
        """Manage user accounts."""

    @users.command("create")
    @click.argument("username")
    @click.option("--role", default="user", show_default=True, help="user, agent, specialist, lead or admin")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    @click.option("--name", "display_name", default="", help="Display name.")
    @click.option("--email", default="")
    def users_create(username: str, role: str, password_stdin: bool, display_name: str, email: str) -> None:
        """Create a user; without --password-stdin a random one-time password is printed."""
        import secrets

        password = _read_password(password_stdin)
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(12)
        try:
            user = create_user(db.session(), username, parse_role(role), password,
                               display_name=display_name, email=email)
            db.session.commit()
        except DomainError as exc:
            _fail(exc)
            return
        click.echo(f"created {user.username} ({user.role.value})")
        if generated:
            click.echo(f"password: {password}")

    @users.command("token")
    @click.argument("username")
    @click.option("--name", default="cli", help="A label to recognise the token by.")
    def users_token(username: str, name: str) -> None:
        """Print a new API token for USERNAME (on the last line)."""
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user named {username!r}")
        secret = issue_token(db.session(), user, name)
        db.session.commit()
        click.echo(f"token for {user.username} ({user.role.value}); shown once:")
        click.echo(secret)

    @users.command("list")
    def users_list() -> None:
        """List users with their roles."""
        for user in db.session.scalars(select(User).order_by(User.username)):
            state = "" if user.active else " (locked)"
            click.echo(f"{user.username:24} {user.role.value:11} {user.display_name}{state}")

    @app.cli.group("kb")
    def kb_group() -> None:
        """Knowledge-base maintenance."""
        from servicedesk.search import load_lexicon

        load_lexicon()  # articles written or indexed here are cut with the leads' words

    @kb_group.command("reindex")
    def kb_reindex() -> None:
        """Rebuild the search index from the database."""
        from kb.models import Article
        from servicedesk.search import reindex

        total = db.session.scalar(select(db.func.count()).select_from(Article)) or 0
        with click.progressbar(length=int(total), label="Indexing articles", file=sys.stderr) as bar:
            count = reindex(progress=bar.update)
        click.echo(f"indexed {count} articles")

    @kb_group.command("import")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--as", "username", required=True, help="The staff user recorded as author.")
    @click.option("--submit", is_flag=True, help="Send new and changed articles to the review queue.")
    def kb_import(directory: Path, username: str, submit: bool) -> None:
        """Import Markdown files with YAML front matter from DIRECTORY (all or nothing; idempotent)."""
        from kb.importexport import import_directory

        author = db.session.scalar(select(User).where(User.username == username))
        if author is None:
            raise click.ClickException(f"no user named {username!r}")
        total = sum(1 for _ in directory.rglob("*.md"))
        try:
            with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
                report = import_directory(db.session(), author, directory, submit=submit, progress=bar.update)
        except DomainError as exc:
            _fail(exc)
            return
        if not report.ok:
            db.session.rollback()
            for name, reason in report.errors:
                click.echo(f"error: {name}: {reason}", err=True)
            raise click.ClickException(f"{len(report.errors)} bad file(s); nothing was imported")
        db.session.commit()
        click.echo(f"created {len(report.created)}, updated {len(report.updated)}, "
                   f"unchanged {len(report.unchanged)}")

    @kb_group.command("export")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--status", "statuses", multiple=True,
                  type=click.Choice(["draft", "in_review", "approved", "rejected", "retired"]),
                  help="Only articles in this status (repeatable; default: all but retired).")
    def kb_export(directory: Path, statuses: tuple[str, ...]) -> None:
        """Write every article to DIRECTORY as Markdown with YAML front matter."""
        from kb.importexport import export_directory
        from kb.workflow import ArticleStatus

        # Change windows are written in the desk's time zone (with the offset), as the operators read them.
        paths = export_directory(db.session(), directory, statuses=[ArticleStatus(x) for x in statuses] or None,
                                 tz=ZoneInfo(str(current_app.config["BABEL_DEFAULT_TIMEZONE"])))
        db.session.commit()  # keys given to articles that had none
        click.echo(f"exported {len(paths)} articles to {directory}")

    @app.cli.group("incidents")
    def incidents_group() -> None:
        """Incident desk maintenance."""
        from servicedesk.search import load_lexicon

        load_lexicon()  # titles are cut with the leads' words

    @incidents_group.command("reindex-titles")
    def incidents_reindex_titles() -> None:
        """Write again the search words of every incident title, as the analyzer now cuts (after an upgrade
        that changed the shipped dictionary or the analyzer); only the words that differ are written."""
        from servicedesk.incidents.models import Incident
        from servicedesk.incidents.terms import rewrite_title_words

        total = db.session.scalar(select(db.func.count()).select_from(Incident)) or 0
        with click.progressbar(length=int(total), label="Reading incident titles", file=sys.stderr) as bar:
            done = rewrite_title_words(db.session(), progress=bar.update)
        db.session.commit()
        click.echo(f"read {done.incidents} incident titles; words rewritten for {done.changed}")

    @app.cli.group("sla")
    def sla_group() -> None:
        """Service-level checks."""

    @sla_group.command("check")
    def sla_check() -> None:
        """Flag incidents past their resolve-by time, first responses missed and resolve windows at risk, and
        tell their group leaders; each once per incident, even from several nodes at once (for cron)."""
        from servicedesk.org.services import check_sla

        report = check_sla(db.session())
        db.session.commit()
        click.echo(f"newly breached: {report.breached}; leaders notified: {report.notified}; "
                   f"first responses missed: {report.response_missed}; at risk: {report.at_risk}; "
                   f"leaders warned: {report.flags_notified}")

    @app.cli.group("notify")
    def notify_group() -> None:
        """Mail, SMS and webhook delivery (the outbox)."""

    @notify_group.command("work")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
    def notify_work(once: bool) -> None:
        """Run the delivery worker alone (several may run at once, on several nodes, without double sending)."""
        from servicedesk.notify.settings import setting
        from servicedesk.notify.worker import deliver_due, run_forever

        if once:
            report = deliver_due()
            click.echo(f"sent: {report.sent}; retrying: {report.retrying}; failed: {report.failed}")
            return
        run_forever(app, float(setting("NOTIFY_POLL_SECONDS")) or 2.0)

    @app.cli.group("db")
    def db_group() -> None:
        """Database migrations (Alembic)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision: str) -> None:
        """Apply migrations up to REVISION (default: head)."""
        command.upgrade(alembic_config(), revision)
        click.echo("database is up to date")

    @db_group.command("downgrade")
    @click.argument("revision")
    def db_downgrade(revision: str) -> None:
        """Revert migrations down to REVISION."""
        command.downgrade(alembic_config(), revision)

    @db_group.command("current")
    def db_current() -> None:
        """Show the applied revision."""
        command.current(alembic_config())

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    @click.option("--autogenerate", is_flag=True)
    def db_revision(message: str, autogenerate: bool) -> None:
        """Create a new migration (developers)."""
        command.revision(alembic_config(), message=message, autogenerate=autogenerate)

    @app.cli.group("demo")
    def demo_group() -> None:
        """Demonstration data."""

    @demo_group.command("load")
    def demo_load() -> None:
        """Load a realistic Chinese O&M demo: users, articles of all four types, incidents in every state."""
        from servicedesk.demo import load_demo

        try:
            summary = load_demo(db.session())
            db.session.commit()
        except DomainError as exc:
            _fail(exc)
            return
        for line in summary:
            click.echo(line)
