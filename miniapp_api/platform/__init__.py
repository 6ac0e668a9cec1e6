"""The platform every domain stands on: the database and the request's unit of work, after-commit
enqueue, the clock and Shanghai time formatting, errors and the envelope, idempotency, privacy (cipher,
masking), the domain-event registry, auth primitives, rate-limit keys and logging.

It imports no domain, no view, no console and no job (tests/test_layers.py).
"""
