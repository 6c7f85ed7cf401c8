"""How the service logs: text for a person, or one JSON object a line; secrets never.

One filter on the handler sees every line, the libraries' too (uvicorn's access log prints
full URLs, query strings and all): each configured secret, a password in a URL and a
credential in a query string become `***` before anything is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from trading_agents.core.log_context import FIELDS, current

LogFormat = Literal["text", "json"]
REDACTED = "***"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
SHORTEST_SECRET = 4  # shorter "secrets" would blank ordinary words out of every line
# A query parameter whose name ends saying it is a credential: ?token=..., &api_key=...,
# &X-Amz-Signature=...; `author=` or `design=` are not credentials.
_QUERY_CREDENTIAL = re.compile(
    r"(?i)([?&][\w.-]*?(?:token|key|secret|signature|sig|password|passwd|pwd|auth"
    r"|authorization|credential)s?=)[^&\s\"'#]+"
)
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@/\s]+(@)")
_BOT_TOKEN = re.compile(r"(/bot)\d+:[\w-]+")  # Telegram's token sits in the path


class Redactor(logging.Filter):
    """Blank out the configured secrets and credential-shaped parts of every line."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        known = {secret for secret in secrets if secret and len(secret) >= SHORTEST_SECRET}
        self._secrets = sorted(known, key=len, reverse=True)  # a secret inside another: longest

    def learn(self, secret: str) -> None:
        """Blank out `secret` too from now on: one the service was given while running."""
        if len(secret) >= SHORTEST_SECRET and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return `text` with every secret in it replaced."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _QUERY_CREDENTIAL.sub(rf"\1{REDACTED}", text)
        text = _URL_PASSWORD.sub(rf"\1{REDACTED}\2", text)
        return _BOT_TOKEN.sub(rf"\1{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message, exception and stack in place; never drop it."""
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: still a line, not a crash
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            record.exc_info = None  # the text above is what is written, not a fresh format
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def keep_out_of_logs(*secrets: str) -> None:
    """Teach every redactor on the root logger's handlers secrets learnt at run time.

    An account's own API keys come through the API and the journal, not the settings the
    redactor was made with.
    """
    for handler in logging.getLogger().handlers:
        for found in handler.filters:
            if isinstance(found, Redactor):
                for secret in secrets:
                    found.learn(secret)


class JsonFormatter(logging.Formatter):
    """Write a record as one JSON object: time, level, logger, message and its context."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the line."""
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = current()
        for name in FIELDS:
            value = getattr(record, name, None) or context.get(name)
            if value:
                entry[name] = str(value)
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    log_format: LogFormat, secrets: Iterable[str | None], level: int = logging.INFO
) -> Redactor:
    """Send every logger's lines to standard error through the redactor, as text or JSON."""
    redactor = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(redactor)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # Through the root's handler, so the redactor sees their lines too.
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
    return redactor
