"""Plain-text mail: writing a message, and sending it over SMTP.

``COMMENTS_SMTP_URL`` is ``smtp://`` (STARTTLS, required unless the server is
on loopback: a local relay or mail catcher) or ``smtps://`` (TLS from the
first byte). Readers' words go in as text, with every address-like run
defanged (``example[.]com``): mail clients turn bare URLs and domains into
links, and no link in our mail may be one a reader wrote.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from ..privacy import is_loopback

SMTP_TIMEOUT = 30  # seconds, for each step of the conversation


class DeliveryError(Exception):
    """The message was not sent; ``permanent``: sending it again will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


# A scheme, or a dot before a run of letters (a domain's next label): what
# mail clients make links of. "3.5" and "e.g." stay as they are.
_LINKISH = re.compile(r"(?i)://|(?<=\w)\.(?=[a-z]{2,}|xn--)")


def defang(text: str) -> str:
    """Reader-written text that no mail client will turn into a link."""
    return _LINKISH.sub(lambda m: "[:]//" if m.group() == "://" else "[.]", text)


def message(
    app_config: dict[str, Any],
    to: str | list[str],
    subject: str,
    text: str,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A finished message as the outbox keeps it (JSON), with the headers
    fixed now so that every retry sends the same ``Message-ID``."""
    sender = app_config["MAIL_FROM"]
    domain = sender.rpartition("@")[2]
    return {
        "to": [to] if isinstance(to, str) else list(to),
        "subject": subject,
        "text": text,
        "headers": {
            "Message-ID": make_msgid(domain=domain),
            "Auto-Submitted": "auto-generated",
            # Out-of-office replies to a notification help nobody.
            "X-Auto-Response-Suppress": "All",
            **(headers or {}),
        },
    }


# Headers are not folded short of RFC 5322's 998 (a folded or encoded
# List-Unsubscribe URL is one clients cannot read); mail texts wrap their
# lines themselves, so the body goes as plain 7/8-bit text.
_POLICY = policy.default.clone(max_line_length=998)


def build(sender: str, stored: dict[str, Any]) -> EmailMessage:
    mail = EmailMessage(policy=_POLICY)
    mail["From"] = sender
    mail["To"] = ", ".join(stored["to"])
    mail["Subject"] = stored["subject"]
    mail["Date"] = formatdate(usegmt=True)
    for name, value in stored["headers"].items():
        mail[name] = value
    mail.set_content(stored["text"])
    return mail


def send(smtp_url: str, mail: EmailMessage) -> None:
    """Send one message; raises ``DeliveryError``. Only a refused recipient
    or message is permanent: a wrong password or a refused sender is the
    operator's to fix, and the message waits for them."""
    url = urlsplit(smtp_url)
    host, implicit_tls = url.hostname or "", url.scheme == "smtps"
    port = url.port or (465 if implicit_tls else 587)
    context = ssl.create_default_context()
    try:
        if implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=SMTP_TIMEOUT, context=context
            )
        else:
            client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with client:
            if not implicit_tls:
                client.ehlo()
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                elif not is_loopback(host):
                    raise DeliveryError(f"{host} does not offer STARTTLS; not sending in clear")
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"recipients refused: {error.recipients}", permanent=True) from None
    except smtplib.SMTPDataError as error:  # the server refused this message
        message = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        raise DeliveryError(message, permanent=500 <= error.smtp_code < 600) from None
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"SMTP: {type(error).__name__}: {error}") from None
