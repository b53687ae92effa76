"""Shared helpers for the end-to-end tests: run the real canh binary."""
import json
import os
import subprocess

import pytest

CANH = os.environ.get("CANH_BIN", "canh")
CORPORA = os.environ.get("CANH_CORPORA", "")
FIXTURES = os.environ.get("CANH_FIXTURES", "")


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json_lines(self):
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


@pytest.fixture
def canh(tmp_path):
    """canh(*args, stdin=None) runs the binary with --data in a fresh dir."""
    data = tmp_path / "data"

    def run(*args, stdin=None, data_dir=True):
        argv = [CANH] + list(args)
        env = dict(os.environ, CANH_DATA=str(data) if data_dir else "")
        proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env,
                              timeout=120)
        return Result(proc)

    run.data = data
    run.tmp = tmp_path
    return run
