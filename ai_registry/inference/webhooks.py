"""Webhooks of the runs API: the finished run's JSON, POSTed once to the URL given with the run.

- **Once**: the run's `webhook_state` goes `pending` -> `delivering` in one conditional UPDATE, so
  only one process delivers it, even if a job is retried or two processes finish the same run.
- **Signed**: `Webhook-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the
  run owner's webhook secret (`webhook_secret(user_id)`, derived from the app's secret, the same for
  every key of one person; `GET /api/webhook-secret` tells it to its owner). `Webhook-Id` is the run
  id, `Webhook-Timestamp` the `t` again. Receivers check it with `verify_signature`, which also
  refuses a timestamp older than five minutes (replays).
- **Retried**: a try that fails (no connection, time limit, any status but 2xx) is repeated after
  `AI_REGISTRY_WEBHOOK_BACKOFF_S`, doubled each time, up to `AI_REGISTRY_WEBHOOK_ATTEMPTS` tries; then
  the run's webhook is `failed` and the reason is logged and kept in `run.webhook_error`.
- **Never inside the network**: the host must resolve only to public addresses (netguard's checks),
  and the POST goes to the checked address itself (no second lookup to race), unless an admin set
  `AI_REGISTRY_WEBHOOK_ALLOW_PRIVATE`. The runs API checks at POST time (422 naming `webhook`); the
  delivery checks again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from sqlalchemy import update

from ai_registry.netguard import address_problem, parse_address, system_resolver
from ai_registry.netguard.fetch import Resolver
from ai_registry.settings import get_settings
from ai_registry.store.app_settings import secret_root_key
from ai_registry.store.db import session_scope
from ai_registry.store.run_progress import FINAL
from ai_registry.store.tables import Run

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Webhook-Signature"
TOLERANCE_S = 300
MAX_URL_LENGTH = 2000
_PORTS = {"http": 80, "https": 443}
ClientFactory = Callable[[], httpx.AsyncClient]


def webhook_secret(user_id: int | None) -> str:
    """The person's webhook signing secret (`whsec_...`): derived, stable across restarts, different
    per person, and dead with the app's secret."""
    settings = get_settings()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    root = secret_root_key(settings.data_dir, secret)
    digest = hmac.new(root, f"ai-registry webhooks\0{user_id}".encode(), hashlib.sha256).hexdigest()
    return "whsec_" + digest[:48]


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The `Webhook-Signature` header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: str, header: str | None, body: bytes, *, tolerance_s: int = TOLERANCE_S, now: float | None = None
) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is recent."""
    if not header:
        return False
    parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        return False
    if abs((now if now is not None else time.time()) - int(stamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, int(stamp)).split("v1=", 1)[1], given)


async def url_problem(url: str, *, resolver: Resolver | None = None) -> str | None:
    """Why the server will not call `url` as a webhook (in words), or None when it may."""
    if not isinstance(url, str) or not url.strip():
        return "Give the webhook as an http or https URL."
    if len(url) > MAX_URL_LENGTH:
        return f"The webhook URL is {len(url)} characters long; at most {MAX_URL_LENGTH} fit."
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        return "The webhook is not a valid URL."
    if parsed.scheme not in _PORTS or not parsed.host:
        return "The webhook must be an http or https URL with a host name."
    if parsed.userinfo:
        return "The webhook URL must not carry a user name or password."
    _addresses, problem = await _checked_addresses(parsed, resolver or system_resolver)
    return problem


async def _checked_addresses(url: httpx.URL, resolver: Resolver) -> tuple[list[str], str | None]:
    """The addresses `url`'s host resolves to, and why they may not be called (None when they may)."""
    literal = parse_address(url.host)
    if literal is not None:
        found = [literal]
    else:
        try:
            raw = await resolver(url.host, url.port or _PORTS[url.scheme])
        except (OSError, UnicodeError):
            return [], f"The webhook's host name {url.host} could not be resolved."
        found = [a for a in (parse_address(str(r)) for r in raw) if a is not None]
        if not found:
            return [], f"The webhook's host name {url.host} could not be resolved."
    if not get_settings().webhook_allow_private:
        for address in found:
            problem = address_problem(address)
            if problem is not None:
                where = str(address) if literal is not None else f"{url.host} resolves to {address}"
                return [], (
                    f"The webhook points inside the network ({where} is {problem}); webhooks go to public "
                    "addresses only unless an administrator sets AI_REGISTRY_WEBHOOK_ALLOW_PRIVATE."
                )
    return [str(a) for a in found], None


def _claim(run_id: str) -> bool:
    """Take the finished run's webhook for delivery: True for exactly one caller, while it is `pending`
    (a run not over yet keeps it pending: a retried job delivers it when the run ends)."""
    with session_scope() as session:
        result = session.execute(
            update(Run)
            .where(Run.id == run_id, Run.webhook_state == "pending", Run.status.in_(FINAL))
            .values(webhook_state="delivering")
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


def _settle(run_id: str, state: str, error: str | None) -> None:
    with session_scope() as session:
        row = session.get(Run, run_id)
        if row is not None:
            row.webhook_state, row.webhook_error = state, error
            session.add(row)


def _document(run_id: str) -> tuple[str, dict[str, Any], int | None] | None:
    from ai_registry.inference.run_document import run_document

    with session_scope() as session:
        row = session.get(Run, run_id)
        if row is None or not row.webhook_url:
            return None
        return row.webhook_url, run_document(row), row.owner_id


async def _post_once(url: str, body: bytes, headers: dict[str, str], client_factory: ClientFactory | None) -> None:
    """One try; raises `RuntimeError` with the reason when it did not land (2xx)."""
    settings = get_settings()
    parsed = httpx.URL(url)
    addresses, problem = await _checked_addresses(parsed, system_resolver)
    if problem:
        raise RuntimeError(problem)
    timeout = settings.webhook_timeout_s
    factory = client_factory or (lambda: httpx.AsyncClient(trust_env=False, follow_redirects=False))
    sni = {"sni_hostname": parsed.host} if parsed.scheme == "https" else None
    last = "no address to connect to"
    async with factory() as client:
        for address in addresses:  # to the checked address itself, the name in Host (and TLS SNI)
            target = parsed.copy_with(host=address)
            request = client.build_request(
                "POST", target, content=body, timeout=timeout, extensions=sni,
                headers={**headers, "Host": parsed.netloc.decode("ascii")},
            )  # fmt: skip
            try:
                response = await asyncio.wait_for(client.send(request), timeout)
            except (TimeoutError, httpx.TimeoutException):
                last = f"no answer within {timeout:g} s"
                continue
            except httpx.HTTPError as exc:
                last = f"the connection failed ({type(exc).__name__})"
                continue
            if 200 <= response.status_code < 300:
                return
            raise RuntimeError(f"the receiver answered {response.status_code}")
    raise RuntimeError(last)


async def deliver(
    run_id: str, *, client_factory: ClientFactory | None = None, sleep: Callable[[float], Any] = asyncio.sleep
) -> str | None:
    """Deliver the finished run's webhook, once: "delivered", "failed", or None when the run has no
    pending webhook (none asked for, or another process has it)."""
    if not await asyncio.to_thread(_claim, run_id):
        return None
    found = await asyncio.to_thread(_document, run_id)
    if found is None:
        return None
    url, document, owner_id = found
    settings = get_settings()
    body = json.dumps(document, ensure_ascii=False, default=str).encode()
    secret = await asyncio.to_thread(webhook_secret, owner_id)
    wait, reason = settings.webhook_backoff_s, ""
    for attempt in range(1, settings.webhook_attempts + 1):
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ai-registry-webhooks/1",
            "Webhook-Id": run_id,
            "Webhook-Timestamp": str(stamp),
            SIGNATURE_HEADER: sign(secret, body, stamp),
        }
        try:
            await _post_once(url, body, headers, client_factory)
        except RuntimeError as exc:
            reason = str(exc)
            log.info("webhook of run %s, try %d of %d: %s", run_id, attempt, settings.webhook_attempts, reason)
        else:
            await asyncio.to_thread(_settle, run_id, "delivered", None)
            return "delivered"
        if attempt < settings.webhook_attempts:
            await sleep(wait)
            wait *= 2
    message = f"Gave up after {settings.webhook_attempts} tries: {reason}"
    log.warning("webhook of run %s to %s failed: %s", run_id, url, message)
    await asyncio.to_thread(_settle, run_id, "failed", message)
    return "failed"


ABANDONED_AFTER_S = 60.0
ABANDONED_REASON = "The server stopped before this run started; start it again."


def _end_abandoned() -> list[str]:
    from datetime import UTC, datetime, timedelta

    from ai_registry.store.run_pages import end_abandoned

    before = datetime.now(UTC) - timedelta(seconds=ABANDONED_AFTER_S)
    with session_scope() as session:
        return end_abandoned(session=session, before=before, reason=ABANDONED_REASON)


@contextlib.asynccontextmanager
async def abandoned_api_runs_on_start() -> AsyncIterator[None]:
    """A lifespan task (embedded mode): runs-API runs that a stopped process had accepted but not
    started are marked interrupted, and their webhooks sent, instead of staying `queued` for ever.
    In the scaled mode their jobs wait in the queue, so nothing is done."""
    from ai_registry.inference.jobs import queued

    tasks: list[asyncio.Task] = []
    if not queued():
        try:
            ended = await asyncio.to_thread(_end_abandoned)
        except Exception:
            log.exception("could not check for runs-API runs left queued by a stopped process")
        else:
            if ended:
                log.warning("marked %d queued API run(s) interrupted: %s", len(ended), ", ".join(ended))
            tasks = [asyncio.create_task(deliver(run_id)) for run_id in ended]
    yield
    for task in tasks:
        task.cancel()


async def execute_and_notify(run_id: str) -> None:
    """Execute a stored run (the job worker's code: `job_worker.execute_run`), then send its webhook."""
    from ai_registry.inference.job_worker import execute_run

    try:
        await execute_run(run_id)
    finally:
        try:
            await deliver(run_id)
        except Exception:  # the webhook must never take the worker down
            log.exception("webhook of run %s could not be sent", run_id)
