"""Where a store is: a file's path, or a PostgreSQL database's URL (SPEC 12), and how each is
shown. A URL is shown without its password, in every message (SPEC 12)."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any

from stream_exempt.errors import StoreUnusable

# `postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]`, and `postgres://`.
_URL = re.compile(r"(?i)^postgres(?:ql)?://")
# A `password=...` parameter of a URL's query (libpq accepts one there too). This pattern and
# `_SECRETS` are needed only where a URL is shown: kept as text, `re` compiles them when first
# used, and a `check` on a file never pays for them.
_PASSWORD_PARAMETER = r"(?i)([?&])password=[^&#]*&?"
# A libpq connection string of `keyword=value` pairs (`host=db dbname=ses user=alice`): libpq
# reads one, but the tool takes a store as a file's path or a URL, so it is refused, never
# taken for the name of a file to create.
_CONNINFO = re.compile(r"(?i)(?:^|\s)(?:host|hostaddr|port|dbname|user|password|service|sslmode)\s*=")
# A password wherever a text may hold one: a URL's user information (`//alice:secret@`), a
# `password=` keyword or query parameter. For messages made from a driver's error, which can
# quote the location it could not read.
_SECRETS = (
    (r"(?i)(postgres(?:ql)?://[^:/?#@\s\"']*):[^@\s\"']*@", r"\1@"),
    (r"(?i)(password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s&#\"']+)", r"\1…"),
)


def is_url(location: str | Path) -> bool:
    """Whether the store is a PostgreSQL database given as a URL rather than a file's path."""
    return isinstance(location, str) and _URL.match(location) is not None


def is_conninfo(location: str | Path) -> bool:
    """Whether the store was given as a libpq `keyword=value` connection string (not a URL)."""
    return isinstance(location, str) and not is_url(location) and _CONNINFO.search(location) is not None


def as_libpq_url(url: str) -> str:
    """A URL as libpq reads it: the scheme in lower case (`POSTGRESQL://` is the same URL, but
    libpq knows only `postgresql://` and `postgres://`)."""
    scheme = _URL.match(url)
    return url if scheme is None else url[: scheme.end()].lower() + url[scheme.end() :]


def libpq_settings(url: str) -> dict[str, Any]:
    """The settings libpq reads in the PostgreSQL URL `url` (psycopg installed); `StoreUnusable`,
    saying why, for a URL it refuses or one whose percent-encoded bytes are not UTF-8 (`%A3`,
    a password written in Latin-1)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        return conninfo_to_dict(as_libpq_url(url))
    except UnicodeDecodeError:
        why, then = (
            "a percent-encoded byte in it is not UTF-8 text",
            ", each character percent-encoded as UTF-8",
        )
    except psycopg.ProgrammingError as error:
        why, then = hide_passwords(first_line(error), url), ""
    raise StoreUnusable(
        f"{without_password(as_libpq_url(url))} is not a PostgreSQL URL libpq can read ({why}); "
        f"write it as postgresql://user@host:port/dbname{then}."
    )


def url_problem(url: str) -> str | None:
    """Why libpq cannot read the PostgreSQL URL `url`, as a sentence naming it without its
    password, or None when it can (or psycopg, which asks libpq, is not installed)."""
    try:
        import psycopg  # noqa: F401 - libpq is the judge of a URL
    except ImportError:
        return None
    try:
        libpq_settings(url)
    except StoreUnusable as refused:
        return refused.message
    return None


def first_line(error: BaseException) -> str:
    """The first line of a driver's message (its name when it has none)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def hide_passwords(text: str, url: str | None = None) -> str:
    """`text` with every password it may quote left out (SPEC 12: a password is never printed).

    With the `url` the text was made from, also that URL's own password wherever it stands
    alone: libpq quotes a token it cannot read (`invalid percent-encoded token: "50%off"`),
    and a password is such a token when it holds a `%` not followed by two hex digits."""
    for pattern, replacement in _SECRETS:
        text = re.sub(pattern, replacement, text)
    for secret in _passwords(url or ""):
        # In a quoted token, whatever its length; elsewhere only a password of four or more
        # characters is taken out (a shorter one would blot out ordinary words).
        text = re.sub(r'"[^"]*"', partial(_quoted_without, secret), text)
        if len(secret) >= 4:
            text = text.replace(secret, "…")
    return text


def _quoted_without(secret: str, quoted: re.Match[str]) -> str:
    return '"…"' if secret in quoted[0] else quoted[0]


def _passwords(url: str) -> set[str]:
    """The password a PostgreSQL URL holds, in its user information or a `password=` parameter,
    as written and percent-decoded (read as text: libpq may not be able to read the URL)."""
    from urllib.parse import unquote

    parts = _parts(url)
    if parts is None:
        return set()
    _, authority, tail = parts
    found = []
    user_information = authority[: max(authority.rfind("@"), 0)]
    if ":" in user_information:
        found.append(user_information.split(":", 1)[1])
    found += re.findall(r"(?i)[?&]password=([^&#]*)", tail)
    return {form for secret in found if secret for form in (secret, unquote(secret)) if form}


def without_password(url: str) -> str:
    """A PostgreSQL URL without its password: `postgresql://alice:secret@host/db` as
    `postgresql://alice@host/db` (a password in the query string is left out too)."""
    parts = _parts(url)
    if parts is None:
        return url
    head, authority, tail = parts
    at = authority.rfind("@")
    if at >= 0:
        user = authority[:at].split(":", 1)[0]
        authority = f"{user}@{authority[at + 1 :]}" if user else authority[at + 1 :]
    tail = re.sub(_PASSWORD_PARAMETER, lambda m: m[1], tail).rstrip("?&")
    return head + authority + tail


def _parts(url: str) -> tuple[str, str, str] | None:
    """A PostgreSQL URL as its scheme (`postgresql://`), its authority and the rest; None for
    anything else. The authority runs to the first `/`, `?` or `#`; its user information, to
    its last `@`."""
    scheme = _URL.match(url)
    if scheme is None:
        return None
    head, rest = url[: scheme.end()], url[scheme.end() :]
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    return head, rest[:end], rest[end:]


def shown_path(location: str | Path) -> str:
    """A store's location as messages show it: a URL without its password; a path as written,
    in quotes when spaces at either end would otherwise be invisible."""
    text = str(location)
    if is_url(text):
        return without_password(text)
    if is_conninfo(text):
        return hide_passwords(text)
    return f'"{text}"' if text != text.strip() or not text else text
