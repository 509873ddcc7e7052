# ruff: noqa
"""Q3: DynamoDB putItem/updateItem (+ConditionExpression), SNS publish, Wait Seconds/SecondsPath,
Choice, Catch, Retry with backoff on a task-token failure."""

import json
import time

from common import ROLE, history, log, main_guard, print_history, receive_one, result, wait_status


def run(m):
    sfn, sqs, ddb, sns = (m.client(s) for s in ("stepfunctions", "sqs", "dynamodb", "sns"))
    ddb.create_table(
        TableName="shop",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
    )
    topic = sns.create_topic(Name="events")["TopicArn"]
    events_q = sqs.create_queue(QueueName="events-sub")["QueueUrl"]
    events_q_arn = sqs.get_queue_attributes(QueueUrl=events_q, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=events_q_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    refund_q = sqs.create_queue(QueueName="refunds")["QueueUrl"]

    def create(name, states, start):
        return sfn.create_state_machine(
            name=name, roleArn=ROLE, definition=json.dumps({"StartAt": start, "States": states})
        )["stateMachineArn"]

    def set_status(name, frm, to, nxt, catch_next):
        return {
            name: {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": "shop",
                    "Key": {
                        "pk": {"S.$": "States.Format('RETURN#{}', $.returnId)"},
                        "sk": {"S": "META"},
                    },
                    "UpdateExpression": "SET #s = :to, updatedAt = :at",
                    "ConditionExpression": "#s = :from",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {
                        ":to": {"S": to},
                        ":from": {"S": frm},
                        ":at": {"S.$": "$$.State.EnteredTime"},
                    },
                    "ReturnValues": "ALL_NEW",
                },
                "ResultSelector": {"status.$": "$.Attributes.status.S"},
                "ResultPath": "$.write",
                "Catch": [
                    {
                        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                        "ResultPath": "$.condErr",
                        "Next": catch_next,
                    }
                ],
                "Next": nxt,
            }
        }

    # a) DynamoDB putItem (conditional) + updateItem (conditional), second identical update must fail the condition
    states = {
        "Put": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {
                "TableName": "shop",
                "Item": {
                    "pk": {"S.$": "States.Format('RETURN#{}', $.returnId)"},
                    "sk": {"S": "META"},
                    "status": {"S": "REQUESTED"},
                    "executionArn": {"S.$": "$$.Execution.Id"},
                    "refundCents": {"N.$": "States.Format('{}', $.refundCents)"},
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            },
            "ResultPath": None,
            "Next": "Approve1",
        },
        **set_status("Approve1", "REQUESTED", "APPROVED", "Approve2", "Fail1"),
        **set_status("Approve2", "REQUESTED", "APPROVED", "Fail2", "AlreadyMoved"),
        "AlreadyMoved": {"Type": "Pass", "End": True},
        "Fail1": {"Type": "Fail", "Error": "FirstWriteFailed"},
        "Fail2": {"Type": "Fail", "Error": "SecondWriteShouldHaveFailed"},
    }
    sm = create("q3a", states, "Put")
    ex = sfn.start_execution(
        stateMachineArn=sm,
        name="r-ddb",
        input=json.dumps({"returnId": "r-ddb", "refundCents": 1299}),
    )["executionArn"]
    d = wait_status(sfn, ex)
    out = json.loads(d["output"]) if d.get("output") else {}
    item = ddb.get_item(TableName="shop", Key={"pk": {"S": "RETURN#r-ddb"}, "sk": {"S": "META"}})[
        "Item"
    ]
    log("a) status", d["status"], "output", out, "\n           item", item)
    result(
        "a) putItem + conditional updateItem work; failed condition is catchable as DynamoDB.ConditionalCheckFailedException",
        d["status"] == "SUCCEEDED"
        and out["write"] == {"status": "APPROVED"}
        and out["condErr"]["Error"] == "DynamoDB.ConditionalCheckFailedException"
        and item["status"]["S"] == "APPROVED",
    )
    # same again: putItem's attribute_not_exists must now fail (redelivered start)
    ex = sfn.start_execution(
        stateMachineArn=sm,
        name="r-ddb-again",
        input=json.dumps({"returnId": "r-ddb", "refundCents": 1}),
    )["executionArn"]
    d = wait_status(sfn, ex)
    log(
        "a) second put on an existing item:",
        d["status"],
        d.get("error"),
        (d.get("cause") or "")[:100],
    )

    # b) SNS publish -> SQS subscriber
    sm = create(
        "q3b",
        {
            "Publish": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {
                    "TopicArn": topic,
                    "Message": {
                        "type": "ReturnApproved",
                        "returnId.$": "$.returnId",
                        "eventId.$": "States.Format('{}-APPROVED', $$.Execution.Name)",
                    },
                    "MessageAttributes": {
                        "type": {"DataType": "String", "StringValue": "ReturnApproved"}
                    },
                },
                "ResultPath": "$.published",
                "End": True,
            }
        },
        "Publish",
    )
    ex = sfn.start_execution(
        stateMachineArn=sm, name="r-sns", input=json.dumps({"returnId": "r-sns"})
    )["executionArn"]
    d = wait_status(sfn, ex)
    body = receive_one(sqs, events_q)
    log("b) status", d["status"], "output", d.get("output"), "\n           subscriber got", body)
    result(
        "b) sns:publish delivers to the topic's SQS subscriber",
        body.get("returnId") == "r-sns" and "MessageId" in json.loads(d["output"])["published"],
    )

    # c) Wait Seconds / SecondsPath, d) Choice
    sm = create(
        "q3cd",
        {
            "W1": {"Type": "Wait", "Seconds": 2, "Next": "W2"},
            "W2": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Route"},
            "Route": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.decision", "StringEquals": "approve", "Next": "Approved"},
                    {
                        "And": [
                            {"Variable": "$.refundCents", "NumericGreaterThan": 0},
                            {"Variable": "$.decision", "StringEquals": "refund"},
                        ],
                        "Next": "Refund",
                    },
                ],
                "Default": "Rejected",
            },
            "Approved": {
                "Type": "Pass",
                "Result": "APPROVED",
                "ResultPath": "$.status",
                "End": True,
            },
            "Refund": {"Type": "Pass", "Result": "REFUND", "ResultPath": "$.status", "End": True},
            "Rejected": {
                "Type": "Pass",
                "Result": "REJECTED",
                "ResultPath": "$.status",
                "End": True,
            },
        },
        "W1",
    )
    for name, inp, want in (
        ("r-c1", {"wait": 1, "decision": "approve"}, "APPROVED"),
        ("r-c2", {"wait": 0, "decision": "refund", "refundCents": 5}, "REFUND"),
        ("r-c3", {"wait": 0, "decision": "nope"}, "REJECTED"),
    ):
        t = time.monotonic()
        ex = sfn.start_execution(stateMachineArn=sm, name=name, input=json.dumps(inp))[
            "executionArn"
        ]
        d = wait_status(sfn, ex)
        h = history(sfn, ex)
        w = [(t_, ts) for _, t_, n, ts in h if t_ in ("WaitStateEntered", "WaitStateExited")]
        waits = [round((w[i + 1][1] - w[i][1]).total_seconds(), 3) for i in (0, 2)]
        log(
            f"c/d) {name}: {d['status']} status={json.loads(d['output'])['status']} waits={waits}s wall={time.monotonic() - t:.2f}s"
        )
        result(
            f"c/d) {name} Wait durations and Choice branch",
            json.loads(d["output"])["status"] == want
            and abs(waits[0] - 2) < 0.1
            and abs(waits[1] - inp["wait"]) < 0.1,
        )

    # e) Retry with backoff on a task-token failure (SendTaskFailure with an error name), then Catch
    sm = create(
        "q3e",
        {
            "Refund": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": refund_q,
                    "MessageBody": {
                        "returnId.$": "$.returnId",
                        "taskToken.$": "$$.Task.Token",
                        "attempt.$": "$$.State.RetryCount",
                        "idempotencyKey.$": "States.Format('refund-{}', $$.Execution.Name)",
                    },
                },
                "TimeoutSeconds": 30,
                "Retry": [
                    {
                        "ErrorEquals": ["Refund.Transient"],
                        "IntervalSeconds": 1,
                        "BackoffRate": 2.0,
                        "MaxAttempts": 3,
                    }
                ],
                "Catch": [
                    {
                        "ErrorEquals": ["Refund.Refused", "Refund.Transient"],
                        "ResultPath": "$.refundError",
                        "Next": "RefundFailed",
                    }
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
        "Refund",
    )

    def work(name, script):
        ex = sfn.start_execution(
            stateMachineArn=sm, name=name, input=json.dumps({"returnId": name})
        )["executionArn"]
        seen = []
        for outcome in script:
            body = receive_one(sqs, refund_q, timeout=30)
            seen.append(
                (
                    round(time.monotonic(), 3),
                    body["attempt"],
                    body["taskToken"][:8],
                    body["idempotencyKey"],
                )
            )
            try:
                if outcome == "ok":
                    sfn.send_task_success(
                        taskToken=body["taskToken"], output=json.dumps({"refundId": "rf-1"})
                    )
                else:
                    sfn.send_task_failure(
                        taskToken=body["taskToken"], error=outcome, cause="provider said no"
                    )
            except Exception as e:  # record, don't crash
                log(f"e) {name}: {outcome} on attempt {body['attempt']} raised {e}")
                print_history(sfn, ex)
        d = wait_status(sfn, ex, timeout=40)
        gaps = [round(seen[i + 1][0] - seen[i][0], 2) for i in range(len(seen) - 1)]
        log(
            f"e) {name}: {d['status']} {d.get('output')}\n           attempts (t, RetryCount, token, key): {seen}\n           gaps between attempts: {gaps}s"
        )
        return d, seen, gaps, ex

    d, seen, gaps, ex = work(
        "r-retry-ok", ["Refund.Transient", "Refund.Transient", "Refund.Transient", "ok"]
    )
    result(
        "e) 3 transient failures then success -> REFUNDED, backoff 1/2/4 s, new token each attempt",
        json.loads(d["output"])["status"] == "REFUNDED"
        and [round(g) for g in gaps] == [1, 2, 4]
        and len({s[2] for s in seen}) == 4,
    )
    print_history(sfn, ex)
    d, seen, gaps, _ = work("r-retry-exhausted", ["Refund.Transient"] * 4)
    result(
        "e) 4 transient failures exhaust MaxAttempts=3 -> Catch -> REFUND_FAILED",
        json.loads(d["output"])["status"] == "REFUND_FAILED",
    )
    d, seen, gaps, _ = work("r-refused", ["Refund.Refused"])
    result(
        "e) Refund.Refused is not retried -> REFUND_FAILED after 1 attempt",
        json.loads(d["output"])["status"] == "REFUND_FAILED" and len(seen) == 1,
    )


if __name__ == "__main__":
    main_guard(run, 5603)
