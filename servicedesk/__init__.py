"""The service desk Flask application."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_login import current_user

from servicedesk.config import default_config, secret_key

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Builds the app: config, extensions, blueprints, error handlers, CLI."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder="static")
    app.config.from_mapping(default_config())
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in API answers
    app.json.sort_keys = False  # type: ignore[attr-defined]
    instance = Path(app.config["INSTANCE_PATH"])
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(instance)

    from servicedesk import attachments, db, i18n, search, security, shared
    from servicedesk.auth import setup as auth_setup
    from servicedesk.extensions import csrf

    db.init_app(app)
    shared.init_app(app)
    csrf.init_app(app)
    auth_setup.init_app(app)
    i18n.init_app(app)
    search.init_app(app)
    attachments.init_app(app)
    security.init_app(app)

    from servicedesk.incidents.sla import SlaPolicy

    app.extensions["sla_policy"] = SlaPolicy.from_config(app.config)

    from servicedesk import api
    from servicedesk.audit import views as audit_views
    from servicedesk.auth import views as auth_views
    from servicedesk.catalogue import registry as catalogue_registry
    from servicedesk.catalogue import views as catalogue_views
    from servicedesk.conversation import views as conversation_views  # noqa: F401  (joins incidents, portal)
    from servicedesk.figures import subscriber_views as subscriber_base_pages
    from servicedesk.figures import views as figures_pages
    from servicedesk.incidents import views as incident_views
    from servicedesk.knowledge import lexicon_views  # noqa: F401  (its pages join the knowledge blueprint)
    from servicedesk.knowledge import views as knowledge_views
    from servicedesk.notify import views as notify_views
    from servicedesk.org import views as org_views
    from servicedesk.portal import views as portal_views
    from servicedesk.problems import views as problem_views
    from servicedesk.users import views as user_views
    from servicedesk.web import register_template_helpers

    @app.before_request
    def _identify_then_write() -> None:
        # A page's unsafe request reads who is calling before it may write (the API's guard does the same
        # for /api/): on SQLite the write lock is then held for the work alone.
        if request.method not in db.SAFE_METHODS and request.blueprint != "api":
            _ = current_user.is_authenticated
            db.start_writing()

    @app.before_request
    def _service_catalogue() -> None:
        # An administrator's change in another process or node: this one reads it (at most one look a second).
        catalogue_registry.refresh(db.session())

    for views in (auth_views, user_views, incident_views, knowledge_views, portal_views, org_views,
                  notify_views, audit_views, problem_views, catalogue_views):
        app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(figures_pages.bp)
    app.register_blueprint(subscriber_base_pages.bp)
    register_template_helpers(app)

    from servicedesk import cli, errors

    errors.register(app)
    cli.register(app)
    return app
