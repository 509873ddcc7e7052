"""Benchmarks of the shop: cold start, DynamoDB calls, latency, scaling, the local stack, the zip.

`python -m bench` (or `make bench`) runs every section, each in a fresh process, and rewrites
BENCHMARKS.md. Dev tooling only: nothing here is packaged into the Lambda.
"""
