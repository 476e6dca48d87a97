"""The pieces of single sign-on that need no provider: settings, the sealed pending sign-in, the
discovery document's checks, whose identity is accepted, and the account and session it opens.

The whole flow against a real (loopback) provider is in tests/api/test_sso_routes.py.
"""

from __future__ import annotations

import json

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlmodel import Session, select

from ai_registry.identity.accounts import disable_user
from ai_registry.identity.oidc import (
    PENDING_LIFETIME_S,
    PendingSignIn,
    SsoConfig,
    SsoError,
    _metadata,
    discover,
    domain_allowed,
    identity_of,
    open_pending,
    seal_pending,
    sso_sign_in,
    state_matches,
    verify_id_token,
)
from ai_registry.identity.sessions import session_for_token
from ai_registry.settings import Settings
from ai_registry.store.app_settings import SecretBox
from ai_registry.store.tables import AuditEvent, UserSession
from ai_registry.store.users import get_user_by_email

CONFIG = SsoConfig(issuer="https://id.example.com", client_id="registry", client_secret="s3cret",
                   domains=("example.com",), role="member", label="Example ID")


def box() -> SecretBox:
    return SecretBox(Fernet(Fernet.generate_key()))


# Settings ------------------------------------------------------------------------------------------


def test_sso_is_off_unless_issuer_and_client_id_are_both_set() -> None:
    assert SsoConfig.from_settings(Settings()) is None
    assert SsoConfig.from_settings(Settings(sso_issuer="https://id.example.com/")) is None
    assert SsoConfig.from_settings(Settings(sso_client_id="registry")) is None
    assert SsoConfig.from_settings(Settings(sso_issuer="  ", sso_client_id="registry")) is None
    config = SsoConfig.from_settings(Settings(sso_issuer="https://id.example.com/", sso_client_id=" registry "))
    assert config == SsoConfig(issuer="https://id.example.com", client_id="registry", client_secret=None)
    assert config.role == "member" and config.label == "single sign-on"  # never admin unless set


def test_sso_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_SSO_ISSUER", "https://id.example.com")
    monkeypatch.setenv("AI_REGISTRY_SSO_CLIENT_ID", "registry")
    monkeypatch.setenv("AI_REGISTRY_SSO_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("AI_REGISTRY_SSO_DOMAINS", "Example.com, @example.org,")
    monkeypatch.setenv("AI_REGISTRY_SSO_ROLE", "admin")
    settings = Settings()
    assert settings.sso_domains == ("example.com", "example.org")
    assert "s3cret" not in repr(settings)
    config = SsoConfig.from_settings(settings)
    assert config.client_secret == "s3cret" and config.role == "admin"
    monkeypatch.setenv("AI_REGISTRY_SSO_ROLE", "owner")
    with pytest.raises(ValueError, match="sso_role"):
        Settings()


# The pending sign-in -------------------------------------------------------------------------------


def test_the_pending_sign_in_is_sealed_and_opens_only_with_the_same_key_before_it_expires() -> None:
    secret_box, now = box(), 1_000_000.0
    pending = PendingSignIn.new(next_path="/dashboard/compare", redirect_uri="http://x/auth/sso/callback", now=now)
    sealed = seal_pending(pending, secret_box)
    assert pending.state not in sealed and pending.code_verifier not in sealed and pending.nonce not in sealed
    assert open_pending(sealed, secret_box, now=now + 1) == pending
    assert open_pending(sealed, secret_box, now=now + PENDING_LIFETIME_S + 1) is None  # expired
    assert open_pending(sealed, box(), now=now) is None  # another server's key
    assert open_pending(sealed[:-4] + "AAAA", secret_box, now=now) is None  # tampered
    for junk in (None, "", "fernet:", "x" * 5000, secret_box.encrypt("not json"), secret_box.encrypt('{"a": 1}')):
        assert open_pending(junk, secret_box, now=now) is None
    assert state_matches(pending, pending.state)
    assert not state_matches(pending, pending.state + "x") and not state_matches(pending, None)
    assert not state_matches(None, pending.state)
    other = PendingSignIn.new(next_path="/", redirect_uri="x", now=now)
    assert len({pending.state, pending.nonce, pending.code_verifier, other.state}) == 4


# The discovery document ----------------------------------------------------------------------------

GOOD_DOCUMENT = {
    "issuer": "https://id.example.com",
    "authorization_endpoint": "https://id.example.com/authorize",
    "token_endpoint": "https://id.example.com/token",
    "jwks_uri": "https://id.example.com/jwks",
}


def test_the_discovery_document_must_name_the_configured_issuer_and_its_endpoints() -> None:
    metadata = _metadata(GOOD_DOCUMENT, CONFIG)
    assert metadata.algorithms == ("RS256",) and metadata.token_auth_method == "client_secret_basic"
    with pytest.raises(SsoError, match="names issuer 'https://evil.example'") as refused:
        _metadata({**GOOD_DOCUMENT, "issuer": "https://evil.example"}, CONFIG)
    assert refused.value.status == 502 and refused.value.reason == "provider_invalid"
    with pytest.raises(SsoError, match="has no token_endpoint"):
        _metadata({**GOOD_DOCUMENT, "token_endpoint": None}, CONFIG)
    with pytest.raises(SsoError, match="has no jwks_uri"):
        _metadata({**GOOD_DOCUMENT, "jwks_uri": "file:///etc/passwd"}, CONFIG)


def test_only_public_key_signatures_are_accepted() -> None:
    with pytest.raises(SsoError, match="no public-key algorithm"):
        _metadata({**GOOD_DOCUMENT, "id_token_signing_alg_values_supported": ["none", "HS256"]}, CONFIG)
    mixed = _metadata({**GOOD_DOCUMENT, "id_token_signing_alg_values_supported": ["HS256", "ES256", "none"]}, CONFIG)
    assert mixed.algorithms == ("ES256",)
    post_only = _metadata({**GOOD_DOCUMENT, "token_endpoint_auth_methods_supported": ["client_secret_post"]}, CONFIG)
    assert post_only.token_auth_method == "client_secret_post"


def _transport(routes: dict[str, httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: routes.get(request.url.path, httpx.Response(404)))


async def test_a_redirecting_or_oversized_discovery_is_refused_with_its_reason() -> None:
    moved = _transport({"/.well-known/openid-configuration": httpx.Response(302, headers={"location": "/x"})})
    with pytest.raises(SsoError, match=r"Example ID could not be reached \(discovery document: HTTP 302\)"):
        await discover(CONFIG, transport=moved)
    huge = _transport({"/.well-known/openid-configuration": httpx.Response(200, json={"pad": "x" * 600_000})})
    with pytest.raises(SsoError, match="larger than 512000 bytes"):
        await discover(CONFIG, transport=huge)
    listed = _transport({"/.well-known/openid-configuration": httpx.Response(200, json=[GOOD_DOCUMENT])})
    with pytest.raises(SsoError, match="not a JSON object"):
        await discover(CONFIG, transport=listed)
    good = _transport({"/.well-known/openid-configuration": httpx.Response(200, json=GOOD_DOCUMENT)})
    assert (await discover(CONFIG, transport=good)).token_endpoint == "https://id.example.com/token"


async def test_a_key_set_without_usable_keys_is_the_providers_fault_not_a_crash() -> None:
    metadata = _metadata(GOOD_DOCUMENT, CONFIG)
    for jwks in ({"keys": "nope"}, {"keys": [{"kty": "RSA"}]}, {"nothing": 1}, {"keys": []}):
        transport = _transport({"/jwks": httpx.Response(200, json=jwks)})
        with pytest.raises(SsoError, match=r"the key set \(JWKS\) holds no usable key") as refused:
            await verify_id_token(CONFIG, metadata, {"id_token": "a.b.c"}, "nonce", transport=transport)
        assert refused.value.reason == "provider_invalid" and refused.value.status == 502, jwks


# Whose identity is accepted ------------------------------------------------------------------------


def test_domains_are_exact_and_empty_means_any_verified_address() -> None:
    assert domain_allowed("ann@example.com", ("example.com",))
    assert not domain_allowed("ann@sub.example.com", ("example.com",))
    assert not domain_allowed("ann@example.com.evil", ("example.com",))
    assert domain_allowed("ann@anything.example", ())


def test_the_identity_needs_a_verified_email_in_an_allowed_domain() -> None:
    assert identity_of({"email": " Ann@Example.com ", "email_verified": True, "name": " Ann  Lee "}, CONFIG) == (
        "ann@example.com", "Ann Lee"
    )
    assert identity_of({"email": "ann@example.com"}, CONFIG) == ("ann@example.com", "")  # no claim: not required
    assert identity_of({"email": "ann@example.com", "name": "x" * 500}, CONFIG)[1] == "x" * 100
    refusals = [
        ({}, "no_email", "did not share an email address"),
        ({"email": 42}, "no_email", "did not share an email address"),
        ({"email": "not an address"}, "bad_email", "is not an email address"),
        ({"email": "ann@example.com", "email_verified": False}, "email_unverified", "has not verified ann@example.com"),
        ({"email": "ann@example.com", "email_verified": "false"}, "email_unverified", "has not verified"),
        ({"email": "eve@example.org", "email_verified": True}, "domain_not_allowed", "example.com only"),
    ]
    for claims, reason, words in refusals:
        with pytest.raises(SsoError, match=words) as refused:
            identity_of(claims, CONFIG)
        assert refused.value.reason == reason and refused.value.status == 403, claims


# The account and session -----------------------------------------------------------------------------


def test_a_first_sso_sign_in_creates_the_account_with_the_configured_role(db: Session) -> None:
    user, token = sso_sign_in(session=db, config=CONFIG, email="new@example.com", display_name="New Person",
                              address="10.0.0.7", user_agent="Chromium")
    db.commit()
    assert (user.role, user.display_name, user.password_hash) == ("member", "New Person", None)
    _row, found = session_for_token(session=db, raw_token=token)
    assert found.id == user.id and found.last_sign_in_at is not None
    events = {e.action: json.loads(e.details_json) for e in db.exec(select(AuditEvent))}
    assert events["user_created"] == {"role": "member", "via": "sso"} and events["sign_in"] == {"method": "sso"}
    admin_config = SsoConfig(issuer=CONFIG.issuer, client_id="registry", client_secret=None, role="admin")
    boss, _token = sso_sign_in(session=db, config=admin_config, email="boss@example.com")
    assert boss.role == "admin"  # only because the setting says so


def test_an_existing_account_keeps_its_role_and_a_disabled_one_is_refused(db: Session, admin, member) -> None:
    viewer_config = SsoConfig(issuer="i", client_id="c", client_secret=None, role="viewer")
    with pytest.raises(SsoError, match="signs in with a password") as refused:
        sso_sign_in(session=db, config=viewer_config, email=member.email)  # a password account: not by default
    assert refused.value.reason == "password_account" and refused.value.status == 409
    merging = SsoConfig(issuer="i", client_id="c", client_secret=None, role="viewer", merge_by_email=True)
    user, _token = sso_sign_in(session=db, config=merging, email=member.email)
    assert user.id == member.id and user.role == "member"
    disable_user(session=db, user=get_user_by_email(session=db, email=member.email))
    db.commit()
    before = len(list(db.exec(select(UserSession))))
    with pytest.raises(SsoError, match="This account is disabled") as refused:
        sso_sign_in(session=db, config=CONFIG, email=member.email)
    assert refused.value.reason == "disabled" and refused.value.status == 403
    assert len(list(db.exec(select(UserSession)))) == before

