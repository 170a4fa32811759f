"""A real redis-server on 127.0.0.1 for tests (tests/conftest.py, tests/test_replicas.py) and the
load benchmark (bench/load.py)."""
from __future__ import annotations

from pathlib import Path


def start_redis(folder: Path, port: int):
    """A real redis-server on 127.0.0.1:`port` (no persistence), ready to answer; returns the process."""
    import shutil
    import subprocess
    import time

    import redis

    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: run scripts/test-services.sh (Debian: apt-get install redis-server)"
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                                "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"redis-server did not start on port {port}")
