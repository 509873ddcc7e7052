"""The local stack: the whole shop on one machine, on moto, with `make dev`.

See docs/local-stack.md. Dev tooling only: nothing here is packaged into the Lambda.
"""
