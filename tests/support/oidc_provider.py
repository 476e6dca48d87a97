"""A loopback OpenID Connect provider for tests: a real HTTP server on 127.0.0.1, in a thread.

It serves what a real provider does for the authorization code flow: the discovery document,
`/authorize` (auto-approves `provider.user` and redirects back with code and state, or with
`error=access_denied` when `user` is None), `/token` (checks the code, the client secret, the PKCE
verifier and the redirect URI, once per code), `/jwks` and an RS256 ID token signed with joserfc.

`provider.misbehave` makes it lie on purpose (one of `MISBEHAVIOURS`): "other-key" (signed by a key
it never published, same `kid`), "wrong-aud", "wrong-aud-with-azp" (another audience, this client as
`azp`), "expired", "wrong-iss", "wrong-nonce", "unverified" (email_verified false), "garbage-token"
(the token endpoint answers HTML), "discovery-down" (discovery answers 503), "discovery-garbage"
(not JSON).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

KID = "loopback-1"
MISBEHAVIOURS = (
    "other-key", "wrong-aud", "wrong-aud-with-azp", "expired", "wrong-iss", "wrong-nonce", "unverified",
    "garbage-token", "discovery-down", "discovery-garbage",
)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str
    claims: dict
    issued_at: float = field(default_factory=time.monotonic)


class OidcProvider:
    """The provider; `user` holds the claims of who is "signed in" there (settable by the test)."""

    def __init__(self, *, client_id: str = "registry-test", client_secret: str = "loopback-secret") -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.user: dict | None = {"sub": "u-1", "email": "sam@sso.example", "email_verified": True, "name": "Sam SSO"}
        self.misbehave: str | None = None
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.requests: list[str] = []  # "METHOD /path" of every request, in order
        self.token_refusals: list[str] = []  # why /token refused, for tests to read
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None
        self.app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self._discovery),
            Route("/authorize", self._authorize),
            Route("/token", self._token, methods=["POST"]),
            Route("/jwks", self._jwks),
        ])

    @property
    def url(self) -> str:
        """The issuer: `http://127.0.0.1:<port>`."""
        if self.port is None:
            raise RuntimeError("OidcProvider is not started")
        return f"http://127.0.0.1:{self.port}"

    def sign_in_as(self, email: str | None, *, name: str = "", verified: bool | None = True) -> None:
        """Who the provider approves next (None: the person declines at the provider)."""
        if email is None:
            self.user = None
            return
        self.user = {"sub": "sub-" + email, "email": email, "name": name or email.split("@")[0]}
        if verified is not None:
            self.user["email_verified"] = verified

    # The endpoints ---------------------------------------------------------------------------------

    async def _discovery(self, request: Request) -> Response:
        self.requests.append("GET /.well-known/openid-configuration")
        if self.misbehave == "discovery-down":
            return JSONResponse({"error": "maintenance"}, status_code=503)
        if self.misbehave == "discovery-garbage":
            return HTMLResponse("<html>not a discovery document</html>")
        return JSONResponse({
            "issuer": self.url,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        })

    async def _authorize(self, request: Request) -> Response:
        self.requests.append("GET /authorize")
        params = request.query_params
        problems = []
        if params.get("client_id") != self.client_id:
            problems.append("unknown client_id")
        if params.get("response_type") != "code":
            problems.append("response_type must be code")
        if "openid" not in (params.get("scope") or "").split():
            problems.append("scope lacks openid")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            problems.append("PKCE S256 challenge missing")
        redirect_uri = params.get("redirect_uri") or ""
        if not redirect_uri.startswith(("http://127.0.0.1:", "http://localhost:", "http://testserver")):
            problems.append("redirect_uri not registered")
        if problems:  # a real provider shows its own error page; it never redirects to an unknown client
            return HTMLResponse("Bad authorization request: " + "; ".join(problems), status_code=400)
        state = params.get("state") or ""
        if self.user is None:
            query = urlencode({"error": "access_denied", "error_description": "The person declined", "state": state})
            return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(
                client_id=self.client_id, redirect_uri=redirect_uri, nonce=params.get("nonce"),
                challenge=params["code_challenge"], claims=dict(self.user),
            )
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

    def _client_authenticated(self, request: Request, form) -> bool:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            from urllib.parse import unquote_plus

            return unquote_plus(client_id) == self.client_id and unquote_plus(secret) == self.client_secret
        return form.get("client_id") == self.client_id and form.get("client_secret") == self.client_secret

    def _refuse(self, why: str, error: str = "invalid_grant", status: int = 400) -> Response:
        self.token_refusals.append(why)
        return JSONResponse({"error": error, "error_description": why}, status_code=status)

    async def _token(self, request: Request) -> Response:
        self.requests.append("POST /token")
        form = await request.form()
        if not self._client_authenticated(request, form):
            return self._refuse("client authentication failed", "invalid_client", 401)
        if form.get("grant_type") != "authorization_code":
            return self._refuse("grant_type must be authorization_code", "unsupported_grant_type")
        with self._lock:
            grant = self._grants.pop(str(form.get("code") or ""), None)  # a code works once
        if grant is None or time.monotonic() - grant.issued_at > 60:
            return self._refuse("unknown, used or expired code")
        if form.get("redirect_uri") != grant.redirect_uri:
            return self._refuse("redirect_uri differs from the authorize request")
        if _s256(str(form.get("code_verifier") or "")) != grant.challenge:
            return self._refuse("PKCE verifier does not match the challenge")
        if self.misbehave == "garbage-token":
            return HTMLResponse("<html>502 Bad Gateway</html>")
        access_token = secrets.token_urlsafe(24)
        return JSONResponse({
            "access_token": access_token, "token_type": "Bearer", "expires_in": 300,
            "id_token": self.id_token(grant), "scope": "openid email profile",
        }, headers={"Cache-Control": "no-store"})

    async def _jwks(self, request: Request) -> Response:
        self.requests.append("GET /jwks")
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    def id_token(self, grant: _Grant) -> str:
        """The RS256 ID token for a grant, bent as `misbehave` says."""
        now = int(time.time())
        claims = {
            **grant.claims,
            "iss": "http://127.0.0.1:1/elsewhere" if self.misbehave == "wrong-iss" else self.url,
            "aud": "another-client" if self.misbehave in ("wrong-aud", "wrong-aud-with-azp") else grant.client_id,
            "iat": now - 7200 if self.misbehave == "expired" else now,
            "exp": now - 3600 if self.misbehave == "expired" else now + 300,
        }
        if grant.nonce is not None:
            claims["nonce"] = "not-the-nonce-sent" if self.misbehave == "wrong-nonce" else grant.nonce
        if self.misbehave == "wrong-aud-with-azp":
            claims["azp"] = grant.client_id
        if self.misbehave == "unverified":
            claims["email_verified"] = False
        key = self.other_key if self.misbehave == "other-key" else self.key
        return jwt.encode({"alg": "RS256", "kid": KID, "typ": "JWT"}, claims, key)

    # Serving ---------------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> OidcProvider:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=0, http="h11", ws="none", lifespan="off", log_level="warning",
            access_log=False, proxy_headers=False, timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="oidc-provider", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError("OidcProvider did not start")
            time.sleep(0.01)
        self.port = server.servers[0].sockets[0].getsockname()[1]
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
