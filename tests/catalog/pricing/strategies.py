"""Hypothesis strategies: price cards and usages over the whole card shape."""

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import strategies as st

from catalog.pricing import UNITS, PriceCard, ServiceTierPrices, Tier, Usage, Window

prices = st.builds(lambda n, e: Decimal(n).scaleb(-e), st.integers(0, 10**7), st.integers(0, 12))
unit_prices = st.dictionaries(st.sampled_from(UNITS), prices, max_size=len(UNITS))


@st.composite
def tiers(draw, max_size=3):
    thresholds = draw(st.lists(st.integers(0, 400_000), unique=True, max_size=max_size))
    return [Tier(threshold, draw(st.booleans()), draw(unit_prices)) for threshold in thresholds]


spans = st.tuples(st.integers(0, 1439), st.integers(0, 1439))
windows = st.builds(
    Window,
    spans=st.lists(spans, min_size=1, max_size=2).map(tuple),
    prices=unit_prices,
    weekdays=st.lists(st.integers(1, 7), max_size=3).map(tuple),
)
service_tiers = st.dictionaries(
    st.sampled_from(("batch", "priority", "flex")), st.builds(ServiceTierPrices, prices=unit_prices, tiers=tiers())
)
cards = st.builds(
    PriceCard,
    prices=unit_prices,
    tiers=tiers(),
    windows=st.lists(windows, max_size=2),
    service_tiers=service_tiers,
    provenance=st.dictionaries(st.sampled_from(UNITS), st.sampled_from(("openrouter", "litellm", "costmap"))),
    ranges=st.dictionaries(st.sampled_from(UNITS), st.tuples(prices, prices).map(sorted).map(tuple)),
    raw=st.none() | st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3),
)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))


@st.composite
def usages(draw, service_tier=None):
    """A valid usage: parts drawn first, each whole at least the sum of its parts."""
    small = st.integers(0, 300_000)
    cache_read, cache_write, cache_write_1h = draw(small), draw(small), draw(small)
    cache_read_audio = draw(st.integers(0, 5_000))
    input_audio = cache_read_audio + draw(st.integers(0, 5_000))
    reasoning, output_audio = draw(st.integers(0, 50_000)), draw(st.integers(0, 5_000))
    return Usage(
        input_tokens=cache_read + cache_write + cache_write_1h + input_audio + draw(small),
        output_tokens=reasoning + output_audio + draw(st.integers(0, 50_000)),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        cache_write_1h_tokens=cache_write_1h,
        reasoning_tokens=reasoning,
        input_audio_tokens=input_audio,
        output_audio_tokens=output_audio,
        cache_read_audio_tokens=cache_read_audio,
        input_images=draw(st.integers(0, 20)),
        output_images=draw(st.integers(0, 20)),
        web_searches=draw(st.integers(0, 20)),
        requests=draw(st.integers(0, 3)),
        service_tier=service_tier or draw(st.sampled_from(("standard", "batch", "priority", "flex"))),
        at=draw(moments),
    )
