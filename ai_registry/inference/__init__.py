"""Running models: validate the values, price them, call the backend, read the answer, keep the output.

- `run.run_model(model, values, run_id=...)`: one run (the upstream, or the embedded local engine
  in-process, through `transport.TransportFactory`); `run.run_and_record` stores it as a `Run` row.
- `outgoing.Outgoing`: the HTTP request from the kind's `RequestSpec`; `decode.Decoder`: the answer,
  read by the kind into its output.
- `validation.validate_values(model, raw)`: form values typed against the model's schema, with
  errors by field; `rate_limit`: the per-model sliding window; `errors`: every failure as a message.

Nothing here imports reflex, and no media bytes leave this package: results carry file paths and
`/media/<name>` URLs.
"""
