"""SMS through the operator's gateway: a JSON POST {"to", "text"} to SMS_GATEWAY_URL; any 2xx is accepted."""

from __future__ import annotations

import json

from servicedesk.notify.channels.http import post
from servicedesk.notify.settings import setting


def send_sms(to: str, text: str) -> None:
    """Hands one text to the gateway (raises DeliveryError when it is down or refuses)."""
    body = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode()
    post(setting("SMS_GATEWAY_URL"), body, {"Content-Type": "application/json; charset=utf-8"})
