"""What drives the shop from outside, shared by the tests and the benchmarks.

Nothing in `bench/` or `devstack/` imports `tests/`: what both the tests and the benchmarks use
lives here. `aws_calls` counts the AWS calls a block makes, `pipeline` steps the async pipeline
in-process, and `stack` starts the local stack as a child process.
"""
