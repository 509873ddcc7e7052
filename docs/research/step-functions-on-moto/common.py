# ruff: noqa
"""Shared helpers for the Step Functions experiments against a moto 5.2.5 server.

Each experiment starts its own moto server on 127.0.0.1:<port> (5601-5699), with MOTO_PORT set
to that port (moto's ASL interpreter calls back into the server at http://localhost:$MOTO_PORT for
service integrations), then switches on `stepfunctions.execute_state_machine` through
POST /moto-api/config.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_BIN = os.path.join(HERE, ".venv", "bin")
ROLE = "arn:aws:iam::123456789012:role/sfn-returns"
T0 = time.monotonic()


def log(*a):
    print(f"[{time.monotonic() - T0:7.2f}s]", *a, flush=True)


class Moto:
    def __init__(self, port, execute=True, cmd=None):
        self.cmd = cmd  # e.g. [python, moto_patched_server.py]; default: the venv's moto_server
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.execute = execute
        self.proc = None

    def start(self):
        env = dict(os.environ, MOTO_PORT=str(self.port))
        self.logf = open(os.path.join(HERE, f"moto-{self.port}.log"), "ab")
        self.proc = subprocess.Popen(
            (self.cmd or [os.path.join(VENV_BIN, "moto_server")])
            + ["-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdout=self.logf,
            stderr=subprocess.STDOUT,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url + "/moto-api/config", timeout=1).read()
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise RuntimeError("moto did not start")
        if self.execute:
            self.set_config({"stepfunctions": {"execute_state_machine": True}})
        log(
            f"moto pid {self.proc.pid} on {self.url}; GET /moto-api/config keys:",
            sorted(self.get_config()),
        )
        return self

    def set_config(self, cfg):
        req = urllib.request.Request(
            self.url + "/moto-api/config",
            data=json.dumps(cfg).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        return json.loads(urllib.request.urlopen(req).read())

    def get_config(self):
        return json.loads(urllib.request.urlopen(self.url + "/moto-api/config").read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # only the process we started, by its pid
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        log(f"moto pid {self.proc.pid} stopped")

    def client(self, service):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def wait_status(sfn, arn, statuses=("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"), timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] in statuses:
            return d
        time.sleep(0.05)
    raise TimeoutError(f"{arn} still {d['status']}")


def receive_one(sqs, queue_url, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1)
        for m in r.get("Messages", []):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            return json.loads(m["Body"])
    raise TimeoutError(f"no message on {queue_url}")


def history(sfn, arn):
    evs = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    out = []
    for e in evs:
        details = {k: v for k, v in e.items() if k.endswith("EventDetails") and isinstance(v, dict)}
        d = next(iter(details.values()), {})
        name = d.get("name") or d.get("error") or d.get("resource") or ""
        out.append((e["id"], e["type"], name, e["timestamp"]))
    return out


def print_history(sfn, arn):
    for i, t, n, ts in history(sfn, arn):
        log(f"   #{i:<3} {t:<32} {n}  {ts.strftime('%H:%M:%S.%f')[:-3]}")


def result(label, ok, detail=""):
    log(("PASS " if ok else "FAIL ") + label + (f" -- {detail}" if detail else ""))
    return ok


def main_guard(fn, port):
    m = Moto(port).start()
    try:
        fn(m)
    finally:
        m.stop()
