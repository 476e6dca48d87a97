"""The run service: one run of a model, from form values to a result the playground can show.

validate the values -> price them -> keep to the rate limit -> call the model's backend (the
upstream with its key, or the embedded engine in-process) -> the kind reads the answer -> a
`RunResult`. `run_and_record` stores it as a `Run` row. A run never raises for anything the network,
the upstream or the person can cause: failures come back as a `RunError` in the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
from collections.abc import Mapping
from typing import Any

import httpx

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import estimate_cost
from ai_registry.inference import errors, rate_limit
from ai_registry.inference.decode import Decoder, TextCallback
from ai_registry.inference.errors import CallFailed, RunError
from ai_registry.inference.metering import meter_run
from ai_registry.inference.outgoing import Outgoing
from ai_registry.inference.record import record_finished, record_started
from ai_registry.inference.result import RunResult, new_run_id
from ai_registry.inference.transport import DEFAULT_TRANSPORTS, EngineUnavailable, TransportFactory, is_local
from ai_registry.inference.validation import validate_values
from ai_registry.kinds import KindOutput, RequestSpec, build_request, kind_for
from ai_registry.media.extract import shorten_base64
from ai_registry.media.sniff import media_seconds
from ai_registry.media.storage import media_dir, media_url, remove_outputs
from ai_registry.store.upstream_key import upstream_api_key

log = logging.getLogger(__name__)

# Embedding vectors in the request log keep this many numbers; the full vectors go to a file.
LOG_NUMBERS = 16


def _json_dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _connect_reason(exc: BaseException) -> str:
    """Why a connection failed, in words: httpx only says "All connection attempts failed"."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return "connection refused"
        if isinstance(seen, socket.gaierror) or "name or service not known" in str(seen).lower():
            return "the host name could not be resolved"
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


async def _send(client: httpx.AsyncClient, outgoing: Outgoing, decoder: Decoder, timeout_s: float) -> KindOutput:
    """Build, send and read one call, every transport failure as a `CallFailed`."""
    try:
        request = await outgoing.build()
        try:
            response = await asyncio.wait_for(client.send(request, stream=True), timeout_s)
        except TimeoutError:
            raise CallFailed(errors.timeout_error(timeout_s)) from None
        try:
            return await decoder.read(response)
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        raise CallFailed(errors.timeout_error(timeout_s)) from None
    except httpx.ConnectError as exc:
        engine = is_local(outgoing.model)
        raise CallFailed(errors.unreachable_error(outgoing.url, _connect_reason(exc), engine=engine)) from None
    except httpx.RemoteProtocolError:
        reason = "the connection closed before a complete answer"
        raise CallFailed(errors.bad_response_error(reason, decoder.status)) from None
    except httpx.HTTPError as exc:
        reason, engine = f"{type(exc).__name__}: {exc}", is_local(outgoing.model)
        raise CallFailed(errors.unreachable_error(outgoing.url, reason, engine=engine)) from None
    finally:
        outgoing.close()


async def _race(task: asyncio.Future[Any], cancel: asyncio.Event | None) -> bool:
    """Wait for `task` unless `cancel` is set first (then cancel it). True when the task finished."""
    if cancel is None:
        await asyncio.wait({task})
        return True
    waiter = asyncio.ensure_future(cancel.wait())
    try:
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not waiter.done():
            waiter.cancel()
    if task in done:
        return True
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    return False


async def _audio_seconds(spec: RequestSpec) -> float | None:
    for part in spec.files:
        if part.path:
            return await asyncio.to_thread(media_seconds, part.path)
    return None


async def _keep_data(run_id: str, output: KindOutput) -> str | None:
    """Vectors and other data outputs are kept as `<run_id>.json` beside the media."""
    if output.data is None:
        return None
    path = media_dir() / f"{run_id}.json"
    await asyncio.to_thread(path.write_text, json.dumps(output.data), "utf-8")
    return str(path)


async def run_model(
    model: UnifiedAIModel,
    values: Mapping[str, Any],
    *,
    run_id: str,
    client: httpx.AsyncClient | None = None,
    on_text: TextCallback | None = None,
    cancel: asyncio.Event | None = None,
    timeout_s: float | None = None,
    transports: TransportFactory = DEFAULT_TRANSPORTS,
) -> RunResult:
    """Run `model` once with the playground's `values` (form strings or typed values).

    Remote models go to the configured upstream (`AINATIVE_API_BASE` + prefix, else the public API)
    with the upstream key as a Bearer token; local models go to the embedded engine in this process.
    `client` is used for remote calls (tests inject one; it is left open); `transports` replaces the
    transports of either path. A streamed chat answer calls `on_text` with each piece; setting
    `cancel` stops the run within one piece. `timeout_s` overrides the route's timeout (video 180 s,
    image and audio 120 s, else 30–60 s). Outputs are written as `data_dir/media/<run_id>.<ext>`.
    """
    started = time.perf_counter()
    kind = kind_for(model)
    expected = kind.output_kind(model)
    first_text: list[float] = []  # when the first streamed piece arrived, for time to first token
    shown = on_text

    async def timed_text(delta: str) -> None:
        if not first_text and delta:
            first_text.append(time.perf_counter())
        if shown is not None:
            await shown(delta)

    on_text = timed_text

    def finish(status: str, *, error: RunError | None = None, **fields: Any) -> RunResult:
        return RunResult(
            status=status,
            output_kind=fields.pop("output_kind", expected),
            run_id=run_id,
            error=error,
            duration_ms=round((time.perf_counter() - started) * 1000),
            first_text_ms=round((first_text[0] - started) * 1000) if first_text else None,
            **fields,
        )

    try:
        typed, field_errors = validate_values(model, values)
        if field_errors:
            return finish("failed", error=errors.validation_error(field_errors))
        local = is_local(model)
        api_key = None if local else await asyncio.to_thread(upstream_api_key)
        if not local and not api_key:
            return finish("failed", error=errors.no_key_error())
        spec = build_request(model, typed, prefix=transports.prefix(model))
        per_minute = model.pricing is not None and model.pricing.basis == "per_minute_audio"
        audio_seconds = await _audio_seconds(spec) if per_minute else None
        estimate = estimate_cost(model, typed, audio_seconds=audio_seconds)
        if cancel is not None and cancel.is_set():
            return finish("cancelled", cost_label=estimate.label)
        wait = await rate_limit.acquire(model)
        if wait is not None:
            error = errors.local_rate_limit_error(rate_limit.limit_message(model, wait), wait)
            return finish("failed", error=error, cost_label=estimate.label)
    except Exception as exc:  # a bug here must not take the page down with it
        log.exception("run %s of %s could not start", run_id, model.slug)
        return finish("failed", error=errors.internal_error(exc))

    timeout = timeout_s if timeout_s is not None else spec.timeout_s

    try:
        async with transports.client_for(model, client=client) as http:
            outgoing = Outgoing(
                model=model,
                spec=spec,
                url=transports.url(model, spec.path),
                run_id=run_id,
                client=http,
                web=transports.web_fetch(),
                api_key=api_key,
                timeout_s=timeout,
                transport_note=transports.local_note() if local else None,
            )
            decoder = Decoder(
                kind=kind,
                spec=spec,
                run_id=run_id,
                timeout_s=timeout,
                web=transports.web_fetch(trust_upstream=not local),
                on_text=on_text,
            )
            task = asyncio.ensure_future(_send(http, outgoing, decoder, timeout))
            try:
                finished = await _race(task, cancel)
            except asyncio.CancelledError:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                remove_outputs(run_id)
                raise
            common: dict[str, Any] = {
                "request_json": _json_dump(outgoing.log),
                "http_status": decoder.status,
                "cost_label": estimate.label,
                "text": decoder.text,
            }
            if not finished:
                await asyncio.to_thread(remove_outputs, run_id)
                return finish("cancelled", **common)
            exc = task.exception()
            if isinstance(exc, CallFailed):
                return finish("failed", error=exc.error, **common)
            if exc is not None:
                log.error("run %s of %s failed", run_id, model.slug, exc_info=exc)
                return finish("failed", error=errors.internal_error(exc), **common)
            output: KindOutput = task.result()
    except EngineUnavailable as exc:
        log.exception("the local engine cannot be loaded")
        error = RunError(
            f"The local engine is not available: {exc}",
            hint="Local models need the engine package and its model files; see the server log.",
            kind="unavailable",
        )
        return finish("failed", error=error, cost_label=estimate.label)
    data_path = await _keep_data(run_id, output)
    path = str(output.media.path) if output.media else data_path
    response = shorten_base64(output.response, max_numbers=LOG_NUMBERS)
    common["text"] = output.text
    return finish(
        "succeeded",
        output_kind=output.kind,
        output_path=path,
        output_url=media_url(path) if path else None,
        media_type=output.media.content_type if output.media else ("application/json" if data_path else None),
        data=output.data,
        response_json=_json_dump(response) if response is not None else "",
        cost_usd=estimate.usd,
        **common,
    )


async def run_and_record(
    model: UnifiedAIModel,
    values: Mapping[str, Any],
    *,
    run_id: str | None = None,
    owner_id: int | None = None,
    source: str = "playground",
    **options: Any,
) -> RunResult:
    """`run_model` (same keyword options), stored as a `Run` row of `owner_id`, created as running and
    finished with the result, and metered as a usage record of `source` (playground or compare)."""
    run_id = run_id or new_run_id()
    await record_started(run_id=run_id, model_slug=model.slug, values=values, owner_id=owner_id)
    result = await run_model(model, values, run_id=run_id, **options)
    await record_finished(run_id=run_id, result=result)
    await meter_run(model, values, result, owner_id=owner_id, source=source)
    return result


__all__ = ["RunError", "RunResult", "is_local", "new_run_id", "run_and_record", "run_model"]
