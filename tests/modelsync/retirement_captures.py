"""The real LiteLLM 1.109.1 capture with `deprecation_date` set in /model/info, as a proxy that carries it answers.

LiteLLM copies `deprecation_date` from its cost map (or the proxy config's model_info) into /model/info's model_info;
the captured proxy's models had none, so the date is added to the deployments named, nothing else changed.
"""

from __future__ import annotations

from tests.modelsync.payloads import litellm_payloads


def litellm_with_deprecations(dates: dict[str, str | list[str]]) -> dict:
    """The capture's three payloads; each deployment of model name `name` gets `dates[name]` (a list: one date per
    deployment in row order, None leaving that deployment undated)."""
    payloads = litellm_payloads()
    seen: dict[str, int] = {}
    for row in payloads["model_info"]["data"]:
        name = row["model_name"]
        if name not in dates:
            continue
        wanted = dates[name]
        position = seen[name] = seen.get(name, -1) + 1
        date = wanted[position] if isinstance(wanted, list) else wanted
        if date is not None:
            row["model_info"]["deprecation_date"] = date
    return payloads
