"""The HTTP API of `medunion serve` (FastAPI): `create_app(rules_root, records_url)` in `app`."""
