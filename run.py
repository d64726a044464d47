"""Start the service desk: migrations applied, admin ensured, search index built, then serve.

    python run.py [--host 127.0.0.1] [--port 5000] [--threads 8] [--admin-password-stdin] [--debug]
"""

from __future__ import annotations

import argparse
import secrets
import sys

from sqlalchemy import select

from kb.actors import Role
from servicedesk import create_app, db
from servicedesk.cli import upgrade_database
from servicedesk.search import repair_index
from servicedesk.users.models import User
from servicedesk.users.services import create_user, validate_password


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Run the service desk (SQLite + Whoosh under ./instance by default).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    p.add_argument("--threads", type=int, default=8, help="worker threads of the WSGI server")
    p.add_argument("--admin-password-stdin", action="store_true",
                   help="on first start, read the admin password from stdin instead of generating one")
    p.add_argument("--debug", action="store_true", help="Flask's debug server with reloader (development only)")
    p.add_argument("--prepare-only", action="store_true", help="migrate, ensure admin and index, then exit")
    return p.parse_args(argv)


def ensure_admin(from_stdin: bool) -> None:
    """Creates the first administrator when no user holds the admin role yet."""
    s = db.session()
    if s.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1)) is not None:
        return
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        validate_password(password)
        shown = False
    else:
        password = secrets.token_urlsafe(12)
        shown = True
    create_user(s, "admin", Role.ADMIN, password, display_name="Administrator")
    s.commit()
    if shown:
        print("=" * 60)
        print("First start: created the administrator account.")
        print("  username: admin")
        print(f"  password: {password}")
        print("This password is shown once; change it on your profile page.")
        print("=" * 60, flush=True)


def prepare(admin_from_stdin: bool) -> None:
    upgrade_database()
    ensure_admin(admin_from_stdin)
    repaired = repair_index()
    if repaired:
        print(f"search index repaired: {repaired} articles", flush=True)
    db.session.remove()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = create_app()
    with app.app_context():
        prepare(args.admin_password_stdin)
    if args.prepare_only:
        return
    print(f"Service desk on http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    if args.debug:
        app.run(host=args.host, port=args.port, debug=True)
        return
    from waitress import serve

    serve(app, host=args.host, port=args.port, threads=args.threads, ident="servicedesk")


if __name__ == "__main__":
    main()
