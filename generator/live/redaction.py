"""Keeping a DSN's password out of every message, by parsing the DSN, never by replacing short substrings.

libpq reports the fields it parsed, and a password with an unencoded `@` or `/` ends up in another field: in
`postgresql://u:ss@S3cret@host/db` libpq's password is `ss` and its host `S3cret@host` ("failed to resolve host
'S3cret@host'"); in `postgresql://u:Ab/S3cret@host/db` its host is `u`, its port `Ab`, its database
`S3cret@host/db`. A scheme in upper case (`POSTGRESQL://`) is no URI to libpq, which echoes the whole string
("missing "=" after ..."). So the secret is what the URI's grammar makes the password field, the text between
the user's `:` and the last `@` of the authority (or of the whole string, when an unencoded `/`, `?` or `#` cut
the authority short), in any case of scheme, together with libpq's own reading (percent-decoded) and a key=value
`password=`. A message then loses:
- the password of every DSN-shaped part it holds (a URI's password field, a `password=` value);
- every quoted field ('...' or "...") whose text comes from the password's place in the DSN (a host or port
  libpq cut out of it);
- every word that is the password or a piece of it between the URI's delimiters (`Ab`), as a whole word only:
  a one-letter password `e` does not turn every `e` of the message into `***`;
- the password anywhere when it is long enough (8 characters) that it cannot be part of an ordinary word by chance.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

MASK = "***"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_URI = re.compile(r"(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*://)([^\s\"'<>]*)")
_KEYWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s'\"]+)", re.I)
_QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
_WORD = re.compile(r"[^\s'\"@/:?#=,;()\[\]]+")
_LONG = 8  # a secret this long is masked wherever it appears


@dataclass
class Secrets:
    """What of a DSN must never be shown: its password's span in the DSN text, and the password's forms."""

    dsn: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of the password in dsn
    texts: set[str] = field(default_factory=set)  # the password as written, decoded, and libpq's reading
    pieces: set[str] = field(default_factory=set)  # its parts between the URI delimiters

    def overlaps(self, text: str) -> bool:
        """Whether text occurs in the DSN where the password is (a field libpq cut out of it)."""
        if not text:
            return False
        start = self.dsn.find(text)
        while start >= 0:
            if any(start < b and start + len(text) > a for a, b in self.spans):
                return True
            start = self.dsn.find(text, start + 1)
        return False


def uri_password_span(uri: str) -> tuple[int, int] | None:
    """[start, end) of the password field of a URI (any scheme, any case): after the user's `:` and before the
    last `@` of the authority; when the authority has no `@` but the rest of the string does (an unencoded `/`, `?`
    or `#` in the password), before the last `@` of the string."""
    scheme = _SCHEME.match(uri)
    if not scheme:
        return None
    start = scheme.end()
    rest = uri[start:]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo = authority.rpartition("@")[0] if "@" in authority else rest.rpartition("@")[0]
    if ":" not in userinfo:
        return None
    first = start + userinfo.index(":") + 1
    return (first, start + len(userinfo)) if first < start + len(userinfo) else None


def secrets_of(dsn: str | None) -> Secrets:
    """The secrets of a DSN in URI or key=value form, parseable by libpq or not."""
    found = Secrets(dsn or "")
    if not dsn:
        return found
    stripped = len(dsn) - len(dsn.lstrip())
    span = uri_password_span(dsn[stripped:])
    if span:
        found.spans.append((span[0] + stripped, span[1] + stripped))
    for m in _KEYWORD.finditer(dsn):
        value = m.group(2)
        inner = 1 if value.startswith("'") else 0
        found.spans.append((m.start(2) + inner, m.end(2) - (1 if inner and value.endswith("'") and
                                                               len(value) > 1 else 0)))
    for a, b in found.spans:
        raw = dsn[a:b]
        found.texts |= {raw, unquote(raw), raw.replace("\\'", "'").replace("\\\\", "\\")}
        found.pieces |= {p for p in re.split(r"[@/:?#]", raw) if p}
    found.texts |= {_libpq_password(dsn) or ""}
    found.texts.discard("")
    return found


def _libpq_password(dsn: str) -> str | None:
    try:
        from psycopg.conninfo import conninfo_to_dict

        return conninfo_to_dict(dsn).get("password")
    except Exception:  # unparseable: its secret is taken by grammar above
        return None


def redact(text: str, dsn: str | None = None) -> str:
    """text without the DSN's password, and without the password of any DSN-shaped part of it."""
    secrets = secrets_of(dsn)
    out = _URI.sub(lambda m: _mask_uri(m[0]), text)
    out = _KEYWORD.sub(lambda m: m[1] + MASK, out)
    out = _QUOTED.sub(lambda m: _mask_quoted(m, secrets), out)
    for secret in sorted((s for s in secrets.texts if len(s) >= _LONG), key=len, reverse=True):
        out = out.replace(secret, MASK)
    words = secrets.texts | {p for p in secrets.pieces if len(p) > 1}  # a one-letter piece: quoted fields only
    return _WORD.sub(lambda m: MASK if m[0] in words else m[0], out)


def _mask_uri(uri: str) -> str:
    span = uri_password_span(uri)
    return uri if span is None else uri[: span[0]] + MASK + uri[span[1]:]


def _mask_quoted(m: re.Match, secrets: Secrets) -> str:
    value = m[1] if m[1] is not None else m[2]
    if MASK in value or not secrets.overlaps(value) and not any(s in value for s in secrets.texts if len(s) > 2):
        return m[0]
    quote = m[0][0]
    return f"{quote}{MASK}{quote}"
