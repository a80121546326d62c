"""Where a store is: a file's path, or a PostgreSQL database's URL (SPEC 12), and how each is
shown. A URL is shown without its password, in every message (SPEC 12)."""

from __future__ import annotations

import re
from pathlib import Path

# `postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]`, and `postgres://`.
_URL = re.compile(r"(?i)^postgres(?:ql)?://")
# A `password=...` parameter of a URL's query (libpq accepts one there too).
_PASSWORD_PARAMETER = re.compile(r"(?i)([?&])password=[^&#]*&?")


def is_url(location: str | Path) -> bool:
    """Whether the store is a PostgreSQL database given as a URL rather than a file's path."""
    return isinstance(location, str) and _URL.match(location) is not None


def without_password(url: str) -> str:
    """A PostgreSQL URL without its password: `postgresql://alice:secret@host/db` as
    `postgresql://alice@host/db` (a password in the query string is left out too)."""
    scheme = _URL.match(url)
    if scheme is None:
        return url
    head, rest = url[: scheme.end()], url[scheme.end() :]
    # The authority runs to the first `/`, `?` or `#`; its user information to its last `@`.
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    at = authority.rfind("@")
    if at >= 0:
        user = authority[:at].split(":", 1)[0]
        authority = f"{user}@{authority[at + 1 :]}" if user else authority[at + 1 :]
    tail = _PASSWORD_PARAMETER.sub(lambda m: m[1], tail).rstrip("?&")
    return head + authority + tail


def shown_path(location: str | Path) -> str:
    """A store's location as messages show it: a URL without its password; a path as written,
    in quotes when spaces at either end would otherwise be invisible."""
    text = str(location)
    if is_url(text):
        return without_password(text)
    return f'"{text}"' if text != text.strip() or not text else text
