"""modelsync.sync.jsonio.loads reads every document exactly as the stdlib's json.loads did, only faster."""

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import parse_models
from modelsync.exceptions import PayloadError
from modelsync.sync import jsonio
from tests.modelsync.payloads import PAYLOADS, load

# Scalars include what orjson refuses and the stdlib accepts: NaN/Infinity and lone surrogates. Integers beyond 64
# bits are the one difference (orjson reads them as the nearest float): see the test at the end.
int64 = st.integers(min_value=-(2**63), max_value=2**64 - 1)
scalars = st.none() | st.booleans() | int64 | st.floats() | st.text()
documents = st.recursive(scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=30)


def spelled(value) -> str:
    return json.dumps(value)  # NaN != NaN: documents are compared by their stdlib spelling


@given(documents)
def test_any_document_decodes_as_the_stdlib_decodes_it(document):
    text = json.dumps(document)
    assert spelled(jsonio.loads(text)) == spelled(json.loads(text))
    assert spelled(jsonio.loads(text.encode())) == spelled(json.loads(text.encode()))


@pytest.mark.parametrize("name", ["openrouter/models.json", "litellm/model_info.json"])
def test_a_real_capture_decodes_as_the_stdlib_decodes_it(name):
    body = (PAYLOADS / name).read_bytes()
    assert jsonio.loads(body) == json.loads(body)


def test_utf16_and_a_byte_order_mark_decode_as_before():
    body = (PAYLOADS / "openrouter/models.json").read_text(encoding="utf-8")
    assert jsonio.loads(body.encode("utf-16")) == json.loads(body)
    assert jsonio.loads(b"\xef\xbb\xbf" + body.encode()) == json.loads(body)


@pytest.mark.parametrize("body", [b"", b"Internal Server Error", b'{"data": [', b"\xff\xfe\x00"])
def test_what_is_not_json_raises_value_error(body):
    with pytest.raises(ValueError):
        jsonio.loads(body)


@pytest.mark.parametrize("huge", [2**64, -(2**63) - 1, 10**40])
def test_integers_beyond_64_bits_make_the_same_records_either_way(huge):
    # No token count or price is that large: as_int and the price checks refuse the int and the float alike.
    item = load("openrouter/models.json")["data"][0]
    item.update(context_length=huge, top_provider={"max_completion_tokens": huge})
    item["pricing"].update(prompt=huge, completion=-huge)
    text, config = json.dumps({"data": [item]}), SourceConfig(name="s", kind="openrouter", base_url="")
    fast, stdlib = parse_models(jsonio.loads(text), config), parse_models(json.loads(text), config)
    # The price card keeps the source's price object as decoded (int or nearest float) in its raw, and no price.
    without_raw = [replace(r, price_card={**r.price_card, "raw": None}) for r in (*fast.records, *stdlib.records)]
    assert without_raw[0] == without_raw[1] and fast.findings == stdlib.findings
    assert (
        fast.records[0].context_window is None and not {"input", "output"} & fast.records[0].price_card["prices"].keys()
    )
    assert fast.records[0].pricing_status == "unknown" and fast.records[0].input_cost_per_mtok is None


# --- a listing with its items undecoded -----------------------------------------------------------------------


def materialized(document):
    """A document from loads(..., items_under="data") with its undecoded items decoded."""
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        items = [jsonio.load_item(item) if isinstance(item, jsonio.RawItem) else item for item in document["data"]]
        return {**document, "data": items}
    return document


def listing(document):
    """What a listing's parser reads: the list under "data" when there is one, else the whole document."""
    is_listing = isinstance(document, dict) and isinstance(document.get("data"), list)
    return document["data"] if is_listing else document


@given(st.dictionaries(st.text(), documents, max_size=3), st.lists(documents, max_size=5) | documents, st.booleans())
def test_a_listing_read_with_undecoded_items_holds_the_same_values(others, items, ascii_only):
    # The other keys are written escaped: bytes that are not UTF-8 there are never read (see the test below).
    head = json.dumps(others)[1:-1]
    body = f'{{{head}{", " if head else ""}"data": {json.dumps(items, ensure_ascii=ascii_only)}}}'
    body = body.encode("utf-8", "surrogatepass")
    try:
        whole = jsonio.loads(body)
    except ValueError:  # not UTF-8: a lone surrogate written raw; found in the item that holds it, if in an item
        with pytest.raises((ValueError, PayloadError)):
            materialized(jsonio.loads(body, items_under="data"))
        return
    assert spelled(listing(materialized(jsonio.loads(body, items_under="data")))) == spelled(listing(whole))


@given(documents)
def test_any_other_document_decodes_whole(document):
    body = json.dumps(document).encode()
    assert spelled(listing(materialized(jsonio.loads(body, items_under="data")))) == spelled(listing(document))


def test_a_real_listing_arrives_with_every_item_undecoded():
    body = (PAYLOADS / "openrouter/models.json").read_bytes()
    document = jsonio.loads(body, items_under="data")
    assert all(isinstance(item, jsonio.RawItem) for item in document["data"])
    assert [jsonio.load_item(item) for item in document["data"]] == json.loads(body)["data"]


@pytest.mark.parametrize("body", [b'{"data": [{"id": "a"}]} trailing', b'{"data": [{"id": NaN}]'])
def test_a_listing_that_is_not_json_raises_as_the_whole_document_does(body):
    with pytest.raises(ValueError):
        jsonio.loads(body)
    with pytest.raises(ValueError):
        jsonio.loads(body, items_under="data")


def test_what_a_listing_never_reads_is_not_decoded():
    body = b'{"data": [{"id": "a"}], "note": "caf\xe9", "error": null}'  # Latin-1 beside the list
    with pytest.raises(ValueError):
        jsonio.loads(body)
    assert listing(materialized(jsonio.loads(body, items_under="data"))) == [{"id": "a"}]


def test_an_item_that_is_not_utf8_makes_the_whole_list_not_json_when_it_is_decoded():
    body = b'{"data": [{"id": "a"}, {"id": "b\xff"}]}'  # msgspec skips a string's bytes without checking their UTF-8
    with pytest.raises(ValueError):
        jsonio.loads(body)
    first, second = jsonio.loads(body, items_under="data")["data"]
    assert jsonio.load_item(first) == {"id": "a"}
    with pytest.raises(PayloadError) as raised:
        jsonio.load_item(second)
    assert raised.value.kind == "not_json"


def test_text_and_bodies_the_stdlib_alone_reads_decode_whole():
    text = json.dumps({"data": [{"x": float("nan")}, {"id": "\ud800"}]})
    for body in (text, text.encode(), b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        document = jsonio.loads(body, items_under="data")
        assert spelled(document) == spelled(json.loads(text)) and isinstance(document["data"][0], dict)


# --- parser limits ----------------------------------------------------------------------------------------------


def nested(depth: int, opener: str = "[") -> str:
    closer = {"[": "]", '{"k": ': "}"}[opener]
    return opener * depth + ("1" if opener != "[" else "") + closer * depth


@given(st.integers(min_value=jsonio.MAX_DEPTH + 1, max_value=200_000), st.sampled_from(["[", '{"k": ']),
       st.sampled_from([None, "data"]), st.booleans())  # fmt: skip
def test_nesting_past_the_limit_is_a_parser_limit_payload_error(depth, opener, items_under, with_nan):
    # A NaN makes orjson refuse the document, so the stdlib's decoder meets the nesting too; an item left undecoded
    # meets it when it is decoded.
    text = nested(depth, opener)
    body = f'{{"data": [{{"id": "a", "x": {"NaN" if with_nan else "1"}, "deep": {text}}}]}}'.encode()
    with pytest.raises(PayloadError) as raised:
        materialized(jsonio.loads(body, items_under=items_under))
    assert raised.value.kind == "parser_limit" and "nested deeper than 1,024 levels" in str(raised.value)


def test_nesting_up_to_the_limit_decodes():
    document = jsonio.loads(nested(jsonio.MAX_DEPTH).encode())
    for _ in range(jsonio.MAX_DEPTH - 1):
        (document,) = document
    assert document == []


def test_an_undecoded_item_past_the_limit_is_a_parser_limit_error_not_a_bad_item():
    with pytest.raises(PayloadError) as raised:
        jsonio.load_item(jsonio.RawItem(nested(jsonio.MAX_DEPTH + 1).encode()))
    assert raised.value.kind == "parser_limit"


def test_an_integer_longer_than_the_stdlib_converts_is_a_parser_limit_payload_error():
    with pytest.raises(PayloadError) as raised:
        jsonio.loads(b'{"data": [{"context_length": ' + b"9" * 5000 + b"}]}")
    assert raised.value.kind == "parser_limit" and "integer longer than 4,300 digits" in str(raised.value)
