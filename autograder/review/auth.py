"""Who may use the desk: whoever holds its token, as with Jupyter, or (on a shared server) its password.

The desk prints ``http://127.0.0.1:PORT/?token=...``. The first request with the token gets a cookie
(HttpOnly, SameSite=Strict) and is sent on to the same page without the token, so the token does not stay
in the address bar or in the browser's history. With ``--password`` a login form trades the password for
the same cookie. Every other request gets 403. Forms carry a value derived from the token, so a page of
another site cannot post a decision with the TA's cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

__all__ = ["COOKIE", "Keys", "PASSWORD_ENV"]

COOKIE = "tfgrade_review"
PASSWORD_ENV = "TFGRADE_REVIEW_PASSWORD"
"""The environment variable that holds the password when ``--password`` is not given on the command line."""


@dataclass(frozen=True)
class Keys:
    """The desk's secrets for one run: a token made at start, and the password if there is one."""

    token: str = field(default_factory=lambda: secrets.token_hex(24))
    password: str = ""

    def token_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), self.token.encode())

    def password_ok(self, given: str | None) -> bool:
        return bool(self.password) and bool(given) and hmac.compare_digest(str(given).encode(), self.password.encode())

    @property
    def form_key(self) -> str:
        """The hidden field every form posts back: proves the form came from a desk page."""
        return hmac.new(self.token.encode(), b"tfgrade review form", hashlib.sha256).hexdigest()

    def form_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), self.form_key.encode())
