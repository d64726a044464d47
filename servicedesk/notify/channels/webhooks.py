"""Webhook deliveries: the JSON body exactly as stored, signed with the webhook's shared secret."""

from __future__ import annotations

import hashlib
import hmac

from servicedesk.notify.channels.http import post

SIGNATURE_HEADER = "X-Servicedesk-Signature"


def signature(secret: str, body: bytes) -> str:
    """The header value: sha256=<hex HMAC-SHA256 of the raw body with the secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(url: str, secret: str, body: str, *, delivery: str, event: str) -> int:
    """POSTs one delivery; returns the receiver's 2xx status (raises DeliveryError otherwise)."""
    raw = body.encode()
    return post(url, raw, {"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: signature(secret, raw),
                           "X-Servicedesk-Delivery": delivery, "X-Servicedesk-Event": event})
