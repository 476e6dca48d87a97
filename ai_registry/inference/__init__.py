"""Running models from the playground: validate the values, price them, call the endpoint, keep the output.

- `validation.validate_values(model, raw)`: form values typed against the model's schema, with
  errors by field; `validation.check_upload(...)`: an uploaded file checked by type and magic bytes.
- `client.run_model(model, values, run_id=...)`: one call to the model's endpoint (the upstream, or
  the embedded local engine in-process), media written to files under `data_dir/media`.
- `client.run_and_record(model, values)`: the same, stored as a `Run` row.
- `rate_limit`: the per-model sliding window that keeps the page within the model's rate limit.

Nothing here imports reflex, and no media bytes leave this package: results carry file paths and
`/media/<name>` URLs.
"""
