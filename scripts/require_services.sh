#!/usr/bin/env bash
# Fails (never skips) when DATABASE_URL/CELERY_BROKER_URL name a PostgreSQL or Redis that does not answer.
set -euo pipefail
python3 - <<'PY'
import os, socket, sys
from urllib.parse import urlsplit

def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=3):
            return True
    except OSError:
        return False

checks = [("DATABASE_URL", "postgres", 5432), ("CELERY_BROKER_URL", "redis", 6379)]
failed = False
for name, scheme, port in checks:
    url = os.environ.get(name, "")
    if not url.startswith(scheme):
        print(f"CI needs {name} pointing at {scheme}; got {url!r}", file=sys.stderr)
        failed = True
    elif not reachable(url, port):
        print(f"CI needs {scheme} at {name}={url}: it does not answer", file=sys.stderr)
        failed = True
sys.exit(1 if failed else 0)
PY
