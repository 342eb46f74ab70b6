"""The environment variables the code reads, found by reading the settings source (used by several tests)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_ENV_CALL = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")

# Read by name at call time (Source.api_key_env), never through settings.
KEY_VARIABLES = {"LITELLM_API_KEY", "OPENROUTER_API_KEY"}
# Read by the quickstart script, not by Django settings.
SCRIPT_VARIABLES = {"PORT"}
# Read by a library itself (prometheus-client's multi-process mode).
LIBRARY_VARIABLES = {"PROMETHEUS_MULTIPROC_DIR"}


def settings_variables() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        names |= set(_ENV_CALL.findall(path.read_text()))
    return names


def all_variables() -> set[str]:
    return settings_variables() | KEY_VARIABLES | SCRIPT_VARIABLES | LIBRARY_VARIABLES
