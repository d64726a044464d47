"""One POST with a timeout and no redirects (a receiver moved elsewhere is an error the admin should see)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from servicedesk.notify.channels import DeliveryError
from servicedesk.notify.settings import setting


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect())


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POSTs body; returns the 2xx status, raises DeliveryError for anything else."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError("only http and https addresses are posted to")
    req = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url, data=body, headers={"User-Agent": "servicedesk-notify", **headers}, method="POST")
    try:
        with _opener.open(req, timeout=setting("NOTIFY_TIMEOUT_SECONDS")) as resp:
            status = int(resp.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{type(exc).__name__}: {reason}"[:300]) from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")
    return status
