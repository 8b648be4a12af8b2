"""Editor embedding logic for the ArchiFlow NetBox plugin: settings validation, who may open
the editor, signed editor tokens and editor URLs.

This module imports nothing from Django or NetBox, so it can be tested (and reused) without
them. Its token functions are the Python twin of server/auth/editor_token.ts; both are held to
tests/vectors/editor_token.json, so any change here must be made there too. It stays one
module of over 400 lines on purpose: it is the twin of one TypeScript module, kept side by side.

Token format (version 1):
    token     = payload "." signature
    payload   = base64url(UTF-8 bytes of the canonical JSON of the claims)
    signature = base64url(HMAC-SHA256(key=UTF-8 bytes of the secret, msg=payload as ASCII))
base64url is RFC 4648 section 5 without padding. Canonical JSON: keys in the order
v, sub, iat, exp, ses, diagram, site, device; absent optional claims omitted (never null); no
whitespace; non-ASCII characters as raw UTF-8. A verifier rejects any payload that is not
byte-for-byte canonical.

`ses` is when the editor page was opened: a new page's token has ses = iat, and every refresh
carries it over unchanged. ArchiFlow's revocation (deno task token revoke-editor) refuses
sessions that began before its cut-off, so a refresh cannot revive a revoked editor, and a
session is refreshed for at most MAX_SESSION_SECONDS. Tokens without `ses` (from older signers)
count as a session opened at their iat.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Mapping, Optional
from urllib.parse import quote, urlencode, urlsplit

DEFAULT_TTL_SECONDS = 300
# The server refuses longer lifetimes (server/auth/editor_token.ts): a token is a bearer key in
# the editor's frame and only has to outlive opening the editor and reconnecting.
MAX_TTL_SECONDS = 900
# The longest an editor session lasts from opening the page: refreshes stop then and ArchiFlow
# refuses its tokens (MAX_SESSION_SECONDS in server/auth/editor_token.ts), so a copied token
# cannot be renewed for ever. Reloading the page starts a new session.
MAX_SESSION_SECONDS = 12 * 60 * 60
CLOCK_SKEW_SECONDS = 30
MAX_TOKEN_LENGTH = 4096
MIN_SECRET_LENGTH = 32
MIN_SETTINGS_TTL = 30

_MAX_SAFE = 2**53 - 1  # the largest integer JavaScript reads exactly
# ArchiFlow's diagram ids are text it or its users chose ("diagram-1", "Core DC/2"), at most
# this long (diagrams.id is VARCHAR(100)); the token's claim allows longer, as the format's.
DIAGRAM_ID_MAX_LENGTH = 100
_LIMITS = {"sub": 150, "diagram": 200, "site": 100}
_KNOWN = ("v", "sub", "iat", "exp", "ses", "diagram", "site", "device")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")

FAILURE_REASONS = (
    "malformed",
    "bad_signature",
    "unsupported_version",
    "missing_subject",
    "lifetime_too_long",
    "not_yet_valid",
    "expired",
    "session_too_old",
)


class EmbedError(ValueError):
    """Raised when a token cannot be signed or the plugin settings are unusable."""


# --- who may open the editor ------------------------------------------------------------

# Declared by the plugin's Editor model (models.py). NetBox grants it through an object
# permission on the object type "ArchiFlow | editor" with the additional action "use";
# superusers hold it anyway.
EDITOR_PERMISSION = "netbox_archiflow.use_editor"


class EditorForbidden(Exception):
    """The user may not open the editor; the views answer 403 with this message."""


def editor_username(user: Any) -> str:
    """The NetBox username to sign an editor token for, or EditorForbidden saying why none
    may be signed. `user` is a Django user (anything with is_authenticated, is_active,
    has_perm and get_username)."""
    if not getattr(user, "is_authenticated", False):
        raise EditorForbidden("Log in to NetBox to open the ArchiFlow editor")
    if not getattr(user, "is_active", False) or not user.has_perm(EDITOR_PERMISSION):
        raise EditorForbidden(
            "Opening the ArchiFlow editor needs the NetBox permission "
            f"{EDITOR_PERMISSION} (object type ArchiFlow | editor, action use)"
        )
    return user.get_username()


@dataclass(frozen=True)
class EditorTokenResult:
    ok: bool
    claims: Optional[dict] = None
    reason: Optional[str] = None


def is_diagram_id(value: Any) -> bool:
    """Whether `value` can be an ArchiFlow diagram id: 1 to DIAGRAM_ID_MAX_LENGTH printable
    characters without surrounding blanks, as the server's /editor?diagram= takes them."""
    return (
        isinstance(value, str)
        and _is_text(value, DIAGRAM_ID_MAX_LENGTH)
        and value == value.strip()
    )


# --- tokens -----------------------------------------------------------------------------


def sign_editor_token(
    secret: str,
    scope: Mapping[str, Any],
    now: Optional[int] = None,
    ttl: int = DEFAULT_TTL_SECONDS,
    session: Optional[int] = None,
) -> str:
    """Signs a token for scope["sub"] (plus optional diagram, site, device), valid from
    `now` (Unix seconds, default the current time) for `ttl` seconds, for an editor session
    that began at `session` (a refresh passes on the presented token's; None starts one now)."""
    _require_secret(secret, "sign")
    if now is None:
        now = int(time.time())
    if not _is_int(now, 0, _MAX_SAFE):
        raise EmbedError(f"Cannot sign editor token: now {now!r} is not a Unix time")
    if not _is_int(ttl, 1, MAX_TTL_SECONDS):
        raise EmbedError(
            f"Cannot sign editor token: lifetime {ttl!r} is not 1 to {MAX_TTL_SECONDS} seconds"
        )
    if session is None:
        session = now
    if _is_int(session, 0, _MAX_SAFE) and now - session > MAX_SESSION_SECONDS:
        raise EmbedError(
            f"Cannot sign editor token: the session began more than {MAX_SESSION_SECONDS} "
            "seconds before now"
        )
    unknown = set(scope) - {"sub", "diagram", "site", "device"}
    if unknown:
        raise EmbedError(f"Cannot sign editor token: unknown claim {sorted(unknown)[0]!r}")
    claims = {"v": 1, "sub": scope.get("sub"), "iat": now, "exp": now + ttl, "ses": session}
    for key in ("diagram", "site", "device"):
        if scope.get(key) is not None:
            claims[key] = scope[key]
    problem = _claims_problem(claims)
    if problem is not None:
        raise EmbedError(f"Cannot sign editor token: {problem}")
    payload = _b64url_encode(canonical_json(claims).encode("utf-8"))
    return f"{payload}.{_b64url_encode(_hmac(secret, payload))}"


def verify_editor_token(secret: str, token: str, now: Optional[int] = None) -> EditorTokenResult:
    """Checks a token's signature, shape and lifetime, in the order the shared vectors pin
    down: structure, signature, JSON object, version, subject, claims, lifetime, not-before,
    expiry, session age. A session start after iat is a malformed claim, so one in the future
    is refused as not yet valid with its iat."""
    _require_secret(secret, "verify")
    if now is None:
        now = int(time.time())

    def fail(reason: str) -> EditorTokenResult:
        return EditorTokenResult(ok=False, reason=reason)

    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return fail("malformed")
    parts = token.split(".")
    if len(parts) != 2:
        return fail("malformed")
    payload, sig_text = parts
    payload_bytes = _b64url_decode(payload)
    signature = _b64url_decode(sig_text)
    if not payload_bytes:
        return fail("malformed")
    if signature is None or len(signature) != 32:
        return fail("malformed")

    if not hmac.compare_digest(_hmac(secret, payload), signature):
        return fail("bad_signature")

    try:
        text = payload_bytes.decode("utf-8")
        claims = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return fail("malformed")
    if not isinstance(claims, dict):
        return fail("malformed")
    v = claims.get("v")
    # 1 and 1.0 are the same number to JavaScript; both reach the canonical check below.
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != 1:
        return fail("unsupported_version")
    sub = claims.get("sub")
    if not isinstance(sub, str) or sub == "":
        return fail("missing_subject")
    if _claims_problem(claims) is not None:
        return fail("malformed")
    if canonical_json(claims) != text:
        return fail("malformed")

    if claims["exp"] - claims["iat"] > MAX_TTL_SECONDS:
        return fail("lifetime_too_long")
    if now < claims["iat"] - CLOCK_SKEW_SECONDS:
        return fail("not_yet_valid")
    if now >= claims["exp"] + CLOCK_SKEW_SECONDS:
        return fail("expired")
    if now >= session_start(claims) + MAX_SESSION_SECONDS + CLOCK_SKEW_SECONDS:
        return fail("session_too_old")
    return EditorTokenResult(ok=True, claims={k: claims[k] for k in _KNOWN if k in claims})


def session_start(claims: Mapping[str, Any]) -> int:
    """When the token's editor session began: `ses`, or iat for tokens that do not carry it."""
    return claims["ses"] if "ses" in claims else claims["iat"]


def canonical_json(claims: Mapping[str, Any]) -> str:
    """The one serialisation both languages produce; see the module docstring."""
    ordered = {k: claims[k] for k in _KNOWN if k in claims}
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":"))


def _claims_problem(c: Mapping[str, Any]) -> Optional[str]:
    for key in c:
        if key not in _KNOWN:
            return f"unknown claim {key!r}"
    if type(c.get("v")) is not int or c["v"] != 1:
        return "version must be 1"
    if not _is_text(c.get("sub"), _LIMITS["sub"]):
        return f"sub must be 1 to {_LIMITS['sub']} printable characters"
    if not _is_int(c.get("iat"), 0, _MAX_SAFE):
        return "iat must be a Unix time"
    if not _is_int(c.get("exp"), 0, _MAX_SAFE):
        return "exp must be a Unix time"
    if c["exp"] <= c["iat"]:
        return "exp must be after iat"
    if "ses" in c:
        if not _is_int(c["ses"], 0, _MAX_SAFE):
            return "ses must be a Unix time"
        if c["ses"] > c["iat"]:
            return "ses must not be after iat"
    if "diagram" in c and not _is_text(c["diagram"], _LIMITS["diagram"]):
        return f"diagram must be 1 to {_LIMITS['diagram']} printable characters"
    if "site" in c and not _is_text(c["site"], _LIMITS["site"]):
        return f"site must be 1 to {_LIMITS['site']} printable characters"
    if "device" in c and not _is_int(c["device"], 1, _MAX_SAFE):
        return "device must be a positive integer"
    return None


def _is_text(value: Any, max_len: int) -> bool:
    # Control characters and lone surrogates are refused: JSON escapes them differently across
    # languages, and no NetBox username, slug or diagram id needs them.
    if not isinstance(value, str) or value == "" or len(value) > max_len:
        return False
    for ch in value:
        o = ord(ch)
        if o < 0x20 or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF:
            return False
    return True


def _is_int(value: Any, lo: int, hi: int) -> bool:
    return type(value) is int and lo <= value <= hi


def _require_secret(secret: Any, verb: str) -> None:
    if not isinstance(secret, str) or secret == "":
        raise EmbedError(f"Cannot {verb} editor token: the shared secret is empty")


def _hmac(secret: str, message: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), message.encode("ascii"), hashlib.sha256).digest()


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> Optional[bytes]:
    """Decodes unpadded base64url; None unless the text is exactly what encoding would
    produce (otherwise two different texts would decode to the same bytes)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64url_encode(data) == text else None


# --- settings and URLs ------------------------------------------------------------------


@dataclass(frozen=True)
class EmbedSettings:
    editor_url: str  # normalised: no trailing slash
    shared_secret: str
    token_ttl: int


def validate_settings(raw: Mapping[str, Any]) -> EmbedSettings:
    """Checks PLUGINS_CONFIG["netbox_archiflow"] and returns it normalised; raises EmbedError
    naming the setting and what is wrong with it."""
    where = 'PLUGINS_CONFIG["netbox_archiflow"]'
    url = raw.get("editor_url")
    if not isinstance(url, str) or url.strip() == "":
        raise EmbedError(f'{where}["editor_url"] must be the ArchiFlow server URL')
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise EmbedError(f'{where}["editor_url"] {url!r} is not a URL: {exc}') from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EmbedError(f'{where}["editor_url"] {url!r} must be an http:// or https:// URL')
    if parts.username is not None or parts.password is not None:
        raise EmbedError(
            f'{where}["editor_url"] must not contain credentials: every NetBox user would see them'
        )
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise EmbedError(f'{where}["editor_url"] {url!r} must not have a query or fragment')

    secret = raw.get("shared_secret")
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        raise EmbedError(
            f'{where}["shared_secret"] must be at least {MIN_SECRET_LENGTH} characters, the same '
            "value as the ArchiFlow server's; generate one with "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )

    ttl = raw.get("token_ttl", DEFAULT_TTL_SECONDS)
    if not _is_int(ttl, MIN_SETTINGS_TTL, MAX_TTL_SECONDS):
        raise EmbedError(
            f'{where}["token_ttl"] must be a whole number of seconds from '
            f"{MIN_SETTINGS_TTL} to {MAX_TTL_SECONDS}, not {ttl!r}"
        )
    return EmbedSettings(editor_url=url.rstrip("/"), shared_secret=secret, token_ttl=ttl)


def editor_origin(settings: EmbedSettings) -> str:
    """scheme://host[:port] of the editor, for postMessage origin checks in the page."""
    parts = urlsplit(settings.editor_url)
    return f"{parts.scheme}://{parts.netloc}"


def editor_src(
    settings: EmbedSettings,
    username: str,
    *,
    diagram: Optional[str] = None,
    site: Optional[str] = None,
    device: Optional[int] = None,
    site_name: Optional[str] = None,
    now: Optional[int] = None,
) -> str:
    """The iframe address: <editor_url>/editor[?diagram|site|device=...]#token=<signed token>.
    The token is in the fragment, which browsers never send to a server, so it stays out of
    ArchiFlow's and every proxy's access logs; the editor takes it out of its address at once.
    The token carries the same scope as the query, so the server can refuse a query that was
    changed after signing. `site_name` (a Site's name as NetBox shows it) goes with a site, in
    the query only: it names the diagram the editor offers to generate for a site that has none,
    and grants nothing."""
    scope: dict = {"sub": username}
    params = []
    # Diagram ids are text: one given as a number (an id from before they were) is its text.
    if type(diagram) is int:
        diagram = str(diagram)
    for key, value in (("diagram", diagram), ("site", site), ("device", device)):
        if value is not None:
            scope[key] = value
            params.append((key, str(value)))
    if site is not None and site_name:
        params.append(("site_name", str(site_name)))
    token = sign_editor_token(settings.shared_secret, scope, now=now, ttl=settings.token_ttl)
    query = f"?{urlencode(params, quote_via=quote, safe='')}" if params else ""
    fragment = urlencode([("token", token)], quote_via=quote, safe="")
    return f"{settings.editor_url}/editor{query}#{fragment}"


def editor_embed(
    settings: EmbedSettings,
    username: str,
    *,
    title: str,
    diagram: Optional[str] = None,
    site: Optional[str] = None,
    device: Optional[int] = None,
    site_name: Optional[str] = None,
    now: Optional[int] = None,
) -> dict:
    """Everything the page script needs, handed to the template through json_script."""
    if now is None:
        now = int(time.time())
    return {
        "src": editor_src(
            settings, username, diagram=diagram, site=site, device=device,
            site_name=site_name, now=now,
        ),
        "origin": editor_origin(settings),
        "title": title,
        "expires": now + settings.token_ttl,
    }


# --- fresh tokens for an open editor ----------------------------------------------------


def presented_scope(secret: str, token: Any) -> dict:
    """The diagram/site/device scope, subject and session start ("ses", the token's iat when it
    carries none) of a token this NetBox signed, whatever its age: an open editor asks for a
    fresh token with the one it holds, and may hold it past its expiry (a laptop that slept).
    Raises EmbedError when the token was not signed with `secret` or is not a well-formed
    token."""
    _require_secret(secret, "refresh")
    if not isinstance(token, str) or token == "":
        raise EmbedError("Cannot refresh the editor token: no token was presented")
    # Checked at its own issue time, so that only the signature and shape decide.
    payload = _b64url_decode(token.split(".", 1)[0]) if len(token) <= MAX_TOKEN_LENGTH else None
    try:
        iat = json.loads(payload.decode("utf-8")).get("iat") if payload else None
    except (UnicodeDecodeError, ValueError, RecursionError, AttributeError):
        iat = None
    if not _is_int(iat, 0, _MAX_SAFE):
        raise EmbedError("Cannot refresh the editor token: the token presented is malformed")
    result = verify_editor_token(secret, token, now=iat)
    if not result.ok:
        raise EmbedError(
            f"Cannot refresh the editor token: the token presented is {result.reason}"
        )
    claims = result.claims
    scope = {k: claims[k] for k in ("sub", "diagram", "site", "device") if k in claims}
    scope["ses"] = session_start(claims)
    return scope


def refresh_editor_token(
    settings: EmbedSettings,
    username: str,
    presented: Any,
    now: Optional[int] = None,
) -> dict:
    """A fresh token for `username` with exactly the scope and session start of `presented`,
    which this NetBox signed for the same user (any age), as the editor-token view answers it:
    {"token": ..., "expires": Unix seconds}. Keeping the session start is what lets a
    revocation in ArchiFlow end the session for good. Whether the user may still open the
    editor is the caller's check (editor_username). Raises EditorForbidden when the presented
    token names another user or its session began more than MAX_SESSION_SECONDS ago,
    EmbedError when it is not one of ours."""
    scope = presented_scope(settings.shared_secret, presented)
    session = scope.pop("ses")
    if scope["sub"] != username:
        raise EditorForbidden(
            "Cannot refresh the editor token: it was signed for another NetBox user; reload "
            "the page to open the editor as yourself"
        )
    if now is None:
        now = int(time.time())
    if now - session > MAX_SESSION_SECONDS:
        raise EditorForbidden(
            "Cannot refresh the editor token: the editor was opened more than "
            f"{MAX_SESSION_SECONDS // 3600} hours ago, the longest an editor session lasts; "
            "reload the page to go on editing"
        )
    token = sign_editor_token(
        settings.shared_secret, scope, now=now, ttl=settings.token_ttl, session=session
    )
    return {"token": token, "expires": now + settings.token_ttl}
