"""The ways a message leaves the desk. Each sender raises DeliveryError with what went wrong."""

from __future__ import annotations


class DeliveryError(Exception):
    """The receiver could not be reached or refused the message (the worker retries later)."""
