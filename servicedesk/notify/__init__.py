"""Notifications: the outbox, its channels (mail, SMS, webhooks, in-app), message templates, the worker."""

from servicedesk.notify import hooks

hooks.install()
