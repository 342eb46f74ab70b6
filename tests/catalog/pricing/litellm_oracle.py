"""Run inside the cached litellm venv: price each request of stdin with LiteLLM's own cost_per_token, offline.

stdin: a JSON list of {"model", "provider", "prompt", "completion", "cached", "cache_write", "service_tier"}.
stdout: a JSON list of [prompt_cost, completion_cost] as float reprs, or {"error": "..."} per request.
"""

import json
import sys

import litellm
from litellm.types.utils import PromptTokensDetailsWrapper, Usage


def price(request: dict):
    usage = Usage(
        prompt_tokens=request["prompt"],
        completion_tokens=request["completion"],
        total_tokens=request["prompt"] + request["completion"],
        prompt_tokens_details=PromptTokensDetailsWrapper(cached_tokens=request["cached"]),
        cache_creation_input_tokens=request["cache_write"],
        cache_read_input_tokens=request["cached"],
    )
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=request["model"],
            custom_llm_provider=request["provider"],
            usage_object=usage,
            service_tier=request["service_tier"],
        )
    except Exception as error:  # a model LiteLLM cannot price this way is reported, not fatal
        return {"error": f"{type(error).__name__}: {error}"[:200]}
    return [repr(prompt_cost), repr(completion_cost)]


if __name__ == "__main__":
    print(json.dumps([price(request) for request in json.load(sys.stdin)]))
