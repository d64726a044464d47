"""Start the service desk: migrations applied, admin ensured, search index built, then serve.

    python run.py [--host 127.0.0.1] [--port 5000] [--workers N] [--threads 4] [--admin-password-stdin] [--debug]

It serves with gunicorn: N worker processes (one per core by default), each with a few threads. Python runs
one thread at a time per process, so only processes use several cores; gunicorn also restarts a worker that
dies and stops them gracefully. Where gunicorn does not run (Windows), or with --server waitress, one
waitress process serves with threads.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from typing import Any

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
    p.add_argument("--workers", type=int, default=_default_workers(),
                   help="worker processes (default: SERVICEDESK_WORKERS, else one per core)")
    p.add_argument("--threads", type=int, default=4, help="threads per worker process (waitress: in all)")
    p.add_argument("--server", choices=("gunicorn", "waitress"), default=_default_server(),
                   help="the WSGI server (default gunicorn where it runs, else waitress)")
    p.add_argument("--admin-password-stdin", action="store_true",
                   help="on first start, read the admin password from stdin instead of generating one")
    p.add_argument("--debug", action="store_true", help="Flask's debug server with reloader (development only)")
    p.add_argument("--prepare-only", action="store_true", help="migrate, ensure admin and index, then exit")
    return p.parse_args(argv)


def _default_workers() -> int:
    return int(os.environ.get("SERVICEDESK_WORKERS") or 0) or max(os.cpu_count() or 1, 1)


def _default_server() -> str:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return "waitress"
    return "gunicorn"


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
    app.extensions["sqlalchemy_engine"].dispose()  # the workers open their own connections
    if args.debug:
        print(f"Service desk on http://{args.host}:{args.port}/  (debug server; Ctrl+C stops it)", flush=True)
        app.run(host=args.host, port=args.port, debug=True)
        return
    if args.server == "gunicorn":
        print(f"Service desk on http://{args.host}:{args.port}/  ({args.workers} processes × {args.threads} "
              "threads; Ctrl+C stops it)", flush=True)
        serve_with_gunicorn(args.host, args.port, args.workers, args.threads)
        return
    from waitress import serve

    from servicedesk.notify.worker import start_worker
    from servicedesk.search import start_follower

    print(f"Service desk on http://{args.host}:{args.port}/  (one process, {args.threads * args.workers} "
          "threads; Ctrl+C stops it)", flush=True)
    start_follower(app)
    start_worker(app)  # mail, SMS and webhooks: one delivering thread per node (`flask notify work` for more)
    serve(app, host=args.host, port=args.port, threads=args.threads * args.workers, ident="servicedesk")


def serve_with_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    """Serves create_app() in worker processes, each created after the fork (no connection or index handle
    is shared between processes), each following the search index change log from its start."""
    from gunicorn.app.base import BaseApplication

    from servicedesk.notify.worker import start_worker
    from servicedesk.search import start_follower

    def post_worker_init(worker: Any) -> None:
        start_follower(worker.wsgi)
        start_worker(worker.wsgi)  # in every process; a lock file lets one per node deliver

    class DeskApplication(BaseApplication):
        def load_config(self) -> None:
            settings = {"bind": f"{host}:{port}", "workers": max(workers, 1), "threads": max(threads, 1),
                        "worker_class": "gthread", "timeout": 120, "graceful_timeout": 20, "keepalive": 5,
                        "post_worker_init": post_worker_init, "proc_name": "servicedesk",
                        "errorlog": "-", "loglevel": "info"}
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app()

    DeskApplication().run()


if __name__ == "__main__":
    main()
