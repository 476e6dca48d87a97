"""Single sign-on with OpenID Connect (authorization code flow with PKCE), beside passwords.

The provider's discovery document names its endpoints; the browser goes to its authorize endpoint
carrying a random `state`, `nonce` and PKCE challenge, which wait in a sealed (encrypted, expiring)
cookie until the provider sends the browser back. The callback then exchanges the code at the token
endpoint (with the client secret and the PKCE verifier) and accepts the ID token only when its
signature checks against the provider's published keys (JWKS) and its `iss`, `aud`, `exp` and
`nonce` are right. authlib builds the requests and checks the claims; joserfc checks the signature.

HTTP goes through httpx (an optional `transport` lets a caller or test hand in its own). Every
refusal is an `SsoError` carrying the message for the person and a short reason for the audit log.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.identity.accounts import MAX_DISPLAY_NAME_LENGTH, create_user, validate_email
from ai_registry.identity.errors import AccountError, IdentityError
from ai_registry.identity.sessions import create_session
from ai_registry.identity.sign_in import DISABLED
from ai_registry.store.tables import User, utcnow
from ai_registry.store.users import get_user_by_email

CALLBACK_PATH = "/auth/sso/callback"
START_PATH = "/auth/sso/start"
PENDING_COOKIE = "air_sso"
PENDING_LIFETIME_S = 600  # the person has ten minutes at the provider
HTTP_TIMEOUT_S = 10.0
MAX_DOCUMENT_BYTES = 512_000
LEEWAY_S = 60  # clocks of the provider and this server may differ this much
SCOPE = "openid email profile"
# Only public-key signatures: an ID token "signed" with `none` or with the shared client secret is refused.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class SsoError(IdentityError):
    """A refused single sign-on; `str(error)` is for the person, `reason` for the audit log."""

    def __init__(self, message: str, *, reason: str, status: int = 400, email: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.email = email


@dataclass(frozen=True)
class SsoConfig:
    """The provider this server trusts, from settings (None from `from_settings` when SSO is off)."""

    issuer: str
    client_id: str
    client_secret: str | None
    domains: tuple[str, ...] = ()
    role: str = "member"
    label: str = "single sign-on"
    merge_by_email: bool = False

    @classmethod
    def from_settings(cls, settings) -> SsoConfig | None:
        if not settings.sso_enabled:
            return None
        secret = settings.sso_client_secret.get_secret_value() if settings.sso_client_secret else None
        return cls(
            issuer=settings.sso_issuer.strip().rstrip("/"), client_id=settings.sso_client_id.strip(),
            client_secret=secret or None, domains=tuple(settings.sso_domains), role=settings.sso_role,
            label=(settings.sso_label or "").strip() or "single sign-on",
            merge_by_email=settings.sso_merge_by_email,
        )


@dataclass(frozen=True)
class ProviderMetadata:
    """What this server uses of the provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    token_auth_method: str


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback must find again: kept in the browser, sealed, for `PENDING_LIFETIME_S`."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str
    redirect_uri: str
    expires_at: float

    @classmethod
    def new(cls, *, next_path: str, redirect_uri: str, now: float | None = None) -> PendingSignIn:
        return cls(
            state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64), next_path=next_path, redirect_uri=redirect_uri,
            expires_at=(now or time.time()) + PENDING_LIFETIME_S,
        )


def seal_pending(pending: PendingSignIn, box) -> str:
    """The pending sign-in encrypted and authenticated with the server's secret box (Fernet)."""
    return box.encrypt(json.dumps(asdict(pending)))


def open_pending(sealed: str | None, box, *, now: float | None = None) -> PendingSignIn | None:
    """The pending sign-in of a cookie, or None when missing, forged, from another server or expired."""
    if not sealed or len(sealed) > 4096:
        return None
    try:
        value, _rewrite = box.decrypt(sealed)
        pending = PendingSignIn(**json.loads(value))
        fresh = float(pending.expires_at) > (now or time.time())
        well_formed = all(isinstance(v, str) and v for v in (pending.state, pending.nonce, pending.code_verifier))
    except Exception:  # any unreadable cookie (forged, another server's key, old shape) is no pending sign-in
        return None
    return pending if fresh and well_formed else None


def state_matches(pending: PendingSignIn | None, state: str | None) -> bool:
    return pending is not None and bool(state) and hmac.compare_digest(pending.state, str(state))


def _unreachable(config: SsoConfig, what: str, exc: Exception | str) -> SsoError:
    return SsoError(
        f"{config.label} could not be reached ({what}: {exc}). Try again later, or sign in with your password.",
        reason="provider_unreachable", status=502,
    )


def _garbage(config: SsoConfig, what: str) -> SsoError:
    return SsoError(
        f"{config.label} answered with something that is not OpenID Connect ({what}). "
        "Nothing was changed; an administrator should check the SSO settings.",
        reason="provider_invalid", status=502,
    )


async def _get_json(config: SsoConfig, client: httpx.AsyncClient, url: str, what: str) -> dict:
    try:
        answer = await client.get(url)
    except httpx.HTTPError as exc:
        raise _unreachable(config, what, type(exc).__name__) from None
    if answer.status_code != 200:
        raise _unreachable(config, what, f"HTTP {answer.status_code}")
    if len(answer.content) > MAX_DOCUMENT_BYTES:
        raise _garbage(config, f"the {what} is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = answer.json()
    except ValueError:
        raise _garbage(config, f"the {what} is not JSON") from None
    if not isinstance(document, dict):
        raise _garbage(config, f"the {what} is not a JSON object")
    return document


def _url(document: dict, name: str, config: SsoConfig) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise _garbage(config, f"the discovery document has no {name}")
    return value


def _metadata(document: dict, config: SsoConfig) -> ProviderMetadata:
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != config.issuer:
        raise _garbage(config, f"the discovery document names issuer {issuer!r}, not {config.issuer!r}")
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(a for a in offered if isinstance(a, str) and a in SIGNING_ALGORITHMS)
    if not algorithms:
        raise _garbage(config, "the provider signs ID tokens with no public-key algorithm")
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return ProviderMetadata(
        issuer=issuer, authorization_endpoint=_url(document, "authorization_endpoint", config),
        token_endpoint=_url(document, "token_endpoint", config), jwks_uri=_url(document, "jwks_uri", config),
        algorithms=algorithms, token_auth_method=method,
    )


async def discover(config: SsoConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> ProviderMetadata:
    """The provider's endpoints, read from `<issuer>/.well-known/openid-configuration`."""
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S, follow_redirects=False, transport=transport) as client:
        document = await _get_json(
            config, client, config.issuer + "/.well-known/openid-configuration", "discovery document"
        )
    return _metadata(document, config)


def _oauth_client(
    config: SsoConfig, metadata: ProviderMetadata, redirect_uri: str, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        transport=transport,
        client_id=config.client_id, client_secret=config.client_secret, scope=SCOPE, redirect_uri=redirect_uri,
        code_challenge_method="S256", token_endpoint_auth_method=metadata.token_auth_method,
        timeout=HTTP_TIMEOUT_S, follow_redirects=False,
    )


def authorization_url(config: SsoConfig, metadata: ProviderMetadata, pending: PendingSignIn) -> str:
    """Where to send the browser: the authorize endpoint with state, nonce and the PKCE challenge."""
    client = _oauth_client(config, metadata, pending.redirect_uri)
    url, _state = client.create_authorization_url(
        metadata.authorization_endpoint, state=pending.state, nonce=pending.nonce,
        code_verifier=pending.code_verifier,
    )
    return url


async def exchange_code(
    config: SsoConfig, metadata: ProviderMetadata, pending: PendingSignIn, code: str,
    *, transport: httpx.AsyncBaseTransport | None = None,
) -> dict:
    """The token endpoint's answer for `code` (client secret and PKCE verifier sent along)."""
    async with _oauth_client(config, metadata, pending.redirect_uri, transport) as client:
        try:
            token = await client.fetch_token(
                metadata.token_endpoint, code=code, code_verifier=pending.code_verifier,
                redirect_uri=pending.redirect_uri,
            )
        except httpx.HTTPError as exc:
            raise _unreachable(config, "token endpoint", type(exc).__name__) from None
        except ValueError:  # authlib reads the body as JSON
            raise _garbage(config, "the token endpoint's answer is not JSON") from None
        except AuthlibBaseError as exc:  # OAuthError: the provider refused the code, the secret or the verifier
            raise SsoError(
                f"{config.label} refused to complete the sign-in ({getattr(exc, 'error', None) or exc}). "
                "Start again with the button below.",
                reason="token_refused", status=400,
            ) from None
    if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
        raise _garbage(config, "the token endpoint sent no ID token")
    return dict(token)


_CLAIM_MESSAGES = {
    "aud": ("wrong_audience", "The sign-in token was issued for another application, not this registry."),
    "iss": ("wrong_issuer", "The sign-in token comes from another issuer than the configured one."),
    "nonce": ("wrong_nonce", "The sign-in token does not belong to this sign-in attempt (nonce)."),
    "azp": ("wrong_audience", "The sign-in token was issued for another application, not this registry."),
}


async def verify_id_token(
    config: SsoConfig, metadata: ProviderMetadata, token: dict, nonce: str,
    *, transport: httpx.AsyncBaseTransport | None = None,
) -> dict:
    """The ID token's claims, once its signature (against the JWKS), iss, aud, exp, iat and nonce check out."""
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S, follow_redirects=False, transport=transport) as client:
        jwks = await _get_json(config, client, metadata.jwks_uri, "key set (JWKS)")
    try:
        key_set = KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError):
        raise _garbage(config, "the key set (JWKS) holds no usable key") from None
    try:
        decoded = jwt.decode(
            token["id_token"], key_set,
            registry=JWSRegistry(algorithms=list(metadata.algorithms), strict_check_header=False),
        )
    except (JoseError, ValueError, TypeError, KeyError):
        raise SsoError(
            f"The sign-in token is not signed by {config.label}'s published key; it was refused.",
            reason="bad_signature", status=401,
        ) from None
    claims = CodeIDToken(
        decoded.claims, decoded.header,
        {"iss": {"essential": True, "value": metadata.issuer}, "aud": {"essential": True, "value": config.client_id}},
        {"nonce": nonce, "client_id": config.client_id, "access_token": token.get("access_token")},
    )
    try:
        claims.validate(leeway=LEEWAY_S)
    except ExpiredTokenError:
        raise SsoError("The sign-in token has expired. Start again.", reason="expired", status=401) from None
    except ClaimError as exc:
        reason, message = _CLAIM_MESSAGES.get(exc.claim, ("bad_claim", f"The sign-in token's {exc.claim!r} is wrong."))
        raise SsoError(message, reason=reason, status=401) from None
    except (JoseError, ValueError, TypeError):
        raise SsoError("The sign-in token's claims are malformed.", reason="bad_claim", status=401) from None
    return dict(claims)


def domain_allowed(email: str, domains: Iterable[str]) -> bool:
    """True when `domains` is empty (any verified address) or holds the email's exact domain."""
    allowed = {d.strip().lower().lstrip("@") for d in domains if d.strip()}
    return not allowed or email.rsplit("@", 1)[-1] in allowed


def identity_of(claims: dict, config: SsoConfig) -> tuple[str, str]:
    """The (email, display name) the provider vouches for, or SsoError: none, unverified, domain not allowed."""
    raw = claims.get("email")
    if not isinstance(raw, str) or not raw.strip():
        raise SsoError(
            f"{config.label} did not share an email address; the registry needs one (scope `email`).",
            reason="no_email", status=403,
        )
    try:
        email = validate_email(raw)
    except AccountError as exc:
        raise SsoError(str(exc), reason="bad_email", status=403) from None
    if "email_verified" in claims and claims["email_verified"] not in (True, "true"):
        raise SsoError(
            f"{config.label} has not verified {email}; verify the address there, then sign in again.",
            reason="email_unverified", status=403, email=email,
        )
    if not domain_allowed(email, config.domains):
        raise SsoError(
            f"{email} may not sign in here: single sign-on is open to addresses at "
            f"{', '.join(sorted(config.domains))} only.",
            reason="domain_not_allowed", status=403, email=email,
        )
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    return email, " ".join(name.split())[:MAX_DISPLAY_NAME_LENGTH]


def sso_sign_in(
    *, session: Session, config: SsoConfig, email: str, display_name: str = "",
    address: str | None = None, user_agent: str | None = None,
) -> tuple[User, str]:
    """Find or create the account and open a session like the password sign-in; returns (user, raw token)."""
    user = get_user_by_email(session=session, email=email)
    if user is not None and not user.active:
        raise SsoError(DISABLED, reason="disabled", status=403, email=email)
    if user is not None and user.password_hash is not None and not config.merge_by_email:
        raise SsoError(
            f"{email} already has an account that signs in with a password: use the password form below "
            "(an administrator can let single sign-on in to such accounts with AI_REGISTRY_SSO_MERGE_BY_EMAIL).",
            reason="password_account", status=409, email=email,
        )
    if user is None:
        user = create_user(
            session=session, email=email, password=None, role=config.role, display_name=display_name,
            address=address, via="sso",
        )
    now = utcnow()
    user.last_sign_in_at = now
    session.add(user)
    _row, token = create_session(session=session, user=user, address=address, user_agent=user_agent, now=now)
    audit.record(session=session, action=audit.SIGN_IN, actor=user, address=address, details={"method": "sso"})
    return user, token


def record_failure(*, session: Session, error: SsoError, address: str | None = None) -> None:
    """Audit a refused single sign-on with its reason (and the email, when the provider named one)."""
    actor = get_user_by_email(session=session, email=error.email) if error.email else None
    audit.record(
        session=session, action=audit.SIGN_IN_FAILED, actor=actor, address=address, target=error.email,
        details={"method": "sso", "reason": error.reason},
    )
