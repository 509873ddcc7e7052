# ruff: noqa
"""Q7 (the gap that does exist): ASL `Retry` on a waitForTaskToken task. The same scenarios on stock
moto 5.2.5 and on moto_patched_server.py (fresh token per attempt). Also: StartExecution latency."""

import json
import os
import sys
import time

from common import HERE, ROLE, VENV_BIN, Moto, log, receive_one, result, wait_status

DEF = lambda q: json.dumps(
    {
        "StartAt": "Refund",
        "States": {
            "Refund": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": q,
                    "MessageBody": {
                        "taskToken.$": "$$.Task.Token",
                        "attempt.$": "$$.State.RetryCount",
                    },
                },
                "TimeoutSeconds": 4,
                "Retry": [
                    {
                        "ErrorEquals": ["Refund.Transient", "States.Timeout"],
                        "IntervalSeconds": 1,
                        "BackoffRate": 2.0,
                        "MaxAttempts": 3,
                    }
                ],
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "RefundFailed"}
                ],
                "ResultPath": "$.refund",
                "Next": "Refunded",
            },
            "Refunded": {
                "Type": "Pass",
                "Result": "REFUNDED",
                "ResultPath": "$.status",
                "End": True,
            },
            "RefundFailed": {
                "Type": "Pass",
                "Result": "REFUND_FAILED",
                "ResultPath": "$.status",
                "End": True,
            },
        },
    }
)


def scenario(m, label):
    sfn, sqs = m.client("stepfunctions"), m.client("sqs")
    out = {}
    for name, script in (
        ("fail3-then-ok", ["Refund.Transient"] * 3 + ["ok"]),
        ("fail1-then-silence", ["Refund.Transient"]),
        ("refused", ["Refund.Refused"]),
    ):
        q = sqs.create_queue(QueueName=f"q-{name}")["QueueUrl"]
        sm = sfn.create_state_machine(name=f"sm-{name}", roleArn=ROLE, definition=DEF(q))[
            "stateMachineArn"
        ]
        t0 = time.monotonic()
        ex = sfn.start_execution(stateMachineArn=sm, name=name, input="{}")["executionArn"]
        seen, errors = [], []
        for outcome in script:
            body = receive_one(sqs, q, timeout=30)
            seen.append((round(time.monotonic() - t0, 2), body["attempt"], body["taskToken"][:8]))
            try:
                if outcome == "ok":
                    sfn.send_task_success(
                        taskToken=body["taskToken"], output=json.dumps({"refundId": "rf-1"})
                    )
                else:
                    sfn.send_task_failure(taskToken=body["taskToken"], error=outcome)
            except Exception as e:
                errors.append(str(e)[:80])
        d = wait_status(sfn, ex, timeout=60)
        status = json.loads(d["output"])["status"]
        took = round(time.monotonic() - t0, 2)
        log(
            f"{label} {name}: {status} after {took}s; attempts seen (t, RetryCount, token): {seen}; token errors: {errors}"
        )
        out[name] = (status, took, seen)
    return out


def latency(m):
    sfn, sqs = m.client("stepfunctions"), m.client("sqs")
    q = sqs.create_queue(QueueName="lat")["QueueUrl"]
    sm = sfn.create_state_machine(name="lat", roleArn=ROLE, definition=DEF(q))["stateMachineArn"]
    ts = []
    for i in range(10):
        t = time.monotonic()
        sfn.start_execution(stateMachineArn=sm, name=f"lat-{i}", input=json.dumps({"i": i}))
        ts.append(time.monotonic() - t)
    t = time.monotonic()
    for _ in range(10):
        receive_one(sqs, q)
    log(
        f"latency: StartExecution {min(ts) * 1000:.0f}-{max(ts) * 1000:.0f} ms; 10 task messages drained {time.monotonic() - t:.2f}s after"
    )


if __name__ == "__main__":
    m = Moto(5608).start()
    try:
        stock = scenario(m, "stock  ")
        latency(m)
    finally:
        m.stop()
    m = Moto(
        5609, cmd=[os.path.join(VENV_BIN, "python"), os.path.join(HERE, "moto_patched_server.py")]
    ).start()
    try:
        patched = scenario(m, "patched")
    finally:
        m.stop()
    s = patched["fail3-then-ok"]
    result(
        "patched: 3 transient failures then success -> REFUNDED, 4 distinct tokens, backoff ~1/2/4 s",
        s[0] == "REFUNDED"
        and len({x[2] for x in s[2]}) == 4
        and [round(s[2][i + 1][0] - s[2][i][0]) for i in range(3)] == [1, 2, 4],
    )
    s = patched["fail1-then-silence"]
    # attempt 1 fails at ~0 s; attempts 2-4 each wait TimeoutSeconds=4 after 1/2/4 s of backoff: ~19 s
    result(
        "patched: a retried attempt waits for its own outcome (States.Timeout each, ~19 s total)",
        s[0] == "REFUND_FAILED" and s[1] > 17,
    )
    result("patched: Refund.Refused is caught at once", patched["refused"][0] == "REFUND_FAILED")
    s = stock["fail3-then-ok"]
    result(
        "stock: the same script does NOT reach REFUNDED (retries replay the first failure)",
        s[0] != "REFUNDED",
        f"status={s[0]}",
    )
