"""One message to one person: by e-mail (SMTP) or by Telegram (Bot API sendMessage).

Each request is sent once; retrying is the caller's (``usecases.digest``), from
the sent-record. A failure is a ``DeliveryError`` that says whether the message
surely did not arrive (``maybe_delivered`` False: refused, no connection; safe
to send again) or might have (the connection broke after the message was
handed over: never sent again, reported). Error texts name the server's answer
code and the kind of failure, never the password, the bot token (it is part of
the Bot API's URL, so no URL is ever shown) or the message.
"""

from __future__ import annotations

import http.client
import json
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

TIMEOUT = 30.0
TELEGRAM_MAX = 4096  # characters in one message


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    message_id: str  # "<…@…>": the same for the same digest, so a duplicate is recognisable


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # starttls | ssl | none
    user: str
    password: str
    sender: str

    def __repr__(self) -> str:  # never the password
        return f"Smtp({self.host}:{self.port}, {self.security}, user={bool(self.user)})"


class DeliveryError(Exception):
    def __init__(
        self, reason: str, *, maybe_delivered: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_delivered = maybe_delivered
        self.retry_after = retry_after


def send_email(smtp: Smtp, to: str, message: Message, *, timeout: float = TIMEOUT) -> None:
    """Hand one e-mail to the SMTP server (DeliveryError when it was not accepted)."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = smtp.sender
    mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text)
    handed_over = False
    try:
        if smtp.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        try:
            server.ehlo()
            if smtp.security == "starttls":
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if smtp.user:
                server.login(smtp.user, smtp.password)
            code, _said = server.mail(smtp.sender)
            if code != 250:
                raise DeliveryError(f"SMTP {code}: the sender was refused")
            code, _said = server.rcpt(to)
            if code not in (250, 251):
                raise DeliveryError(f"SMTP {code}: the recipient was refused")
            handed_over = True  # from DATA on the server may keep the message...
            try:
                code, _said = server.data(mail.as_bytes())
            except smtplib.SMTPDataError as exc:  # ...unless it refused DATA itself
                handed_over = False
                raise DeliveryError(f"SMTP {exc.smtp_code}: DATA was refused") from None
            handed_over = False  # the server answered: we know
            if code != 250:
                raise DeliveryError(f"SMTP {code}: the message was refused")
        finally:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP {exc.smtp_code}: the user name or password was refused") \
            from None  # fmt: skip
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP {exc.smtp_code}: refused", maybe_delivered=handed_over) \
            from None  # fmt: skip
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {type(exc).__name__}", maybe_delivered=handed_over) from None


def send_telegram(
    api: str, token: str, chat_id: str, text: str, *, timeout: float = TIMEOUT
) -> None:
    """One ``sendMessage`` (DeliveryError when Telegram did not take it).

    Plain ``http.client``: it logs nothing (the token is in the URL's path) and
    never re-sends; a failure before the request went out is sure, after it not."""
    url = urlsplit(api.rstrip("/"))
    if url.scheme not in ("https", "http") or not url.hostname:
        raise DeliveryError("Telegram: telegram_api is not an http(s) URL")
    body = json.dumps({"chat_id": chat_id, "text": text[:TELEGRAM_MAX],
                       "disable_web_page_preview": True}).encode("utf-8")  # fmt: skip
    conn: http.client.HTTPConnection
    if url.scheme == "https":
        conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=timeout,
                                           context=ssl.create_default_context())  # fmt: skip
    else:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        try:
            conn.connect()
        except OSError as exc:
            raise DeliveryError(f"Telegram: {type(exc).__name__}") from None
        try:
            conn.request("POST", f"{url.path}/bot{token}/sendMessage", body=body,
                         headers={"Content-Type": "application/json"})  # fmt: skip
            resp = conn.getresponse()
            answer_bytes = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            raise DeliveryError(f"Telegram: {type(exc).__name__}", maybe_delivered=True) from None
    finally:
        conn.close()
    if resp.status == 200:
        return
    retry_after = None
    try:
        answer = json.loads(answer_bytes)
        retry_after = float(answer["parameters"]["retry_after"])
    except (ValueError, TypeError, KeyError):
        header = resp.getheader("Retry-After", "") or ""
        retry_after = float(header) if header.isdigit() else None
    raise DeliveryError(f"Telegram {resp.status}", retry_after=retry_after)
