"""Mail through SMTP_URL: smtp://host:port, smtp+starttls://user:pass@host:587 or smtps://host:465."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from servicedesk.notify.channels import DeliveryError
from servicedesk.notify.settings import setting

PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


def send_mail(to: str, subject: str, body: str, *, message_id: str = "") -> None:
    """Sends one plain-text message; a refusal, a dropped connection or a silent server (timeout) raise."""
    url = urlsplit(setting("SMTP_URL"))
    if url.scheme not in PORTS or not url.hostname:
        raise DeliveryError(f"SMTP_URL has an unknown scheme {url.scheme!r} (smtp, smtp+starttls or smtps)")
    msg = EmailMessage()
    msg["From"] = setting("MAIL_FROM")
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=message_id or None, domain="servicedesk")
    msg.set_content(body)
    timeout = setting("NOTIFY_TIMEOUT_SECONDS")
    port = url.port or PORTS[url.scheme]
    try:
        if url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(url.hostname, port, timeout=timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(url.hostname, port, timeout=timeout)
        with client:
            if url.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            refused = client.send_message(msg)
        if refused:
            raise DeliveryError(f"recipient refused: {', '.join(refused)}")
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"mail server said {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as exc:  # socket.timeout is an OSError
        raise DeliveryError(f"mail server: {type(exc).__name__}: {exc}"[:300]) from None
