"""Thin API views over the catalog: list/detail/cost with ETags, and selection over the per-process snapshot."""

from __future__ import annotations

import contextlib

from django.db import DatabaseError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.caching import etag_matches, page_data, request_etag
from catalog.api.errors import ErrorSerializer
from catalog.api.filters import LLMModelFilter, ShownValueOrdering
from catalog.api.offline import entries_filtered
from catalog.api.pagination import CatalogPagination
from catalog.api.permissions import CatalogReader
from catalog.api.price_serializers import CostSerializer
from catalog.api.retirements import retirement_headers
from catalog.api.serializers import (
    USAGE_FIELDS,
    CostQuerySerializer,
    LLMModelDetailSerializer,
    LLMModelSerializer,
    PriceHistorySerializer,
    SelectionRequestSerializer,
    SelectionSerializer,
)
from catalog.candidates import Requirements
from catalog.cards import card_quote, effective_card, quote_json, shown_card
from catalog.entries import row_card, shown_entry, text_decimal, without_provenance
from catalog.models import LLMModel
from catalog.pricing import Usage, UsageError
from catalog.selection import select
from catalog.snapshot import entry_card, snapshot_get
from catalog.usage import selection_served
from modelsync.changes.history import price_history

STALE_HEADER = "X-Catalog-Stale"
STALE = {STALE_HEADER: "1"}
ORDERING = ("model", "display_name", "provider", "context_window", "input_cost_per_mtok", "output_cost_per_mtok",
            "popularity", "first_seen_at", "id")  # fmt: skip
ERRORS = {status_code: OpenApiResponse(ErrorSerializer) for status_code in (400, 401, 403, 404, 405, 406, 415)}
PRICING_UNAVAILABLE = OpenApiResponse(ErrorSerializer, description="`pricing_unavailable`: the model's pricing is "
                                      "unknown or variable, so no cost can be computed.")  # fmt: skip


class PricingUnavailableError(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "pricing_unavailable"


@extend_schema_view(
    list=extend_schema(responses={200: LLMModelSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: LLMModelDetailSerializer, **ERRORS}),
)
class LLMModelViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalog: visible models only; hidden never, inactive only with include_inactive=1."""

    serializer_class = LLMModelSerializer
    filter_backends = [DjangoFilterBackend, ShownValueOrdering]
    filterset_class = LLMModelFilter
    pagination_class = CatalogPagination
    permission_classes = [CatalogReader]
    ordering_fields = ORDERING
    ordering = ("model", "id")

    def get_queryset(self):
        # Hidden models never; inactive ones only with include_inactive=1 (LLMModelFilter.filter_queryset).
        return LLMModel.objects.filter(is_hidden=False).offered().with_effective_values()

    def filter_queryset(self, queryset):
        """Filtered and ordered, then read as entry rows: list pages, get_object() and cost all use them."""
        extra = ("details", "staff_description") if self.action == "retrieve" else ()  # the description: detail only
        return super().filter_queryset(queryset).entry_rows(*extra)

    def get_serializer_context(self):
        # ?provenance=1 (LLMModelFilter has refused any other spelling than true/false/1/0 before this runs)
        wanted = self.request.query_params.get("provenance", "").lower() in ("1", "true")
        return {**super().get_serializer_context(), "provenance": wanted}

    def get_serializer_class(self):
        return LLMModelDetailSerializer if self.action == "retrieve" else LLMModelSerializer

    def list(self, request, *args, **kwargs):
        return self._cached(request, lambda: super(LLMModelViewSet, self).list(request, *args, **kwargs).data)

    def retrieve(self, request, *args, **kwargs):
        response = self._cached(request, lambda: super(LLMModelViewSet, self).retrieve(request, *args, **kwargs).data)
        if response.status_code == status.HTTP_200_OK and STALE_HEADER not in response:
            # Per request, never in the cached page: the same ETag serves a model before and after its day.
            with contextlib.suppress(DatabaseError):  # the body stands without them
                for name, value in retirement_headers(request, kwargs["pk"]).items():
                    response[name] = value
        return response

    def _cached(self, request, render):
        """304 when the client's ETag still holds; the rendered page cached per ETag; stale if the DB is down."""
        try:
            etag = request_etag(request)
            if etag_matches(request.headers.get("If-None-Match", ""), etag):
                return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
            data = page_data(request, etag, render)
        except DatabaseError:
            return self._stale(request)
        return Response(data, headers={"ETag": etag})

    def _stale(self, request):
        """The database is down: answer from the last good snapshot, marked stale (no ETag: it is not the catalog)."""
        snapshot = snapshot_get()
        shown = without_provenance if not self.get_serializer_context()["provenance"] else shown_entry
        if self.action == "retrieve":
            return Response({**shown(self._snapshot_entry(snapshot)), "stale": True}, headers=STALE)
        entries = [shown(entry) for entry in entries_filtered(snapshot.entries, request.query_params)]
        page = self.paginate_queryset(entries)
        return Response({**self.get_paginated_response(page).data, "stale": True}, headers=STALE)

    def _snapshot_entry(self, snapshot) -> dict:
        try:
            return snapshot.entries[int(self.kwargs["pk"])]
        except (KeyError, ValueError):
            raise NotFound from None

    @extend_schema(
        parameters=[CostQuerySerializer], responses={200: CostSerializer, 422: PRICING_UNAVAILABLE, **ERRORS}
    )
    @action(detail=True, methods=["get"])
    def cost(self, request, pk=None):
        """Exact USD cost of a request's usage under the model's price card; a 422 when no cost can be promised."""
        # With the database down the card comes from the last good snapshot, and the answer says so as the list's.
        query = CostQuerySerializer.from_query(request.query_params)
        query.is_valid(raise_exception=True)
        usage = usage_from(query.validated_data)
        try:
            model, status_, card = self._card()
            stale = False
        except DatabaseError:
            model, status_, card = self._stale_card()
            stale = True
        if card is None:
            unavailable = PricingUnavailableError(f"pricing is {status_}: no cost can be estimated")
            if not stale:
                raise unavailable
            refused = self.handle_exception(unavailable)  # the one error shape, and stale
            refused[STALE_HEADER] = "1"
            return refused
        result = card_quote(card, usage, requests_stated="requests" in request.query_params)
        body = {"model": model, "usage": usage_json(usage), "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens, **quote_json(result), "currency": "USD"}  # fmt: skip
        return Response({**body, "stale": True}, headers=STALE) if stale else Response(body)

    @extend_schema(responses={200: PriceHistorySerializer, **ERRORS})
    @action(detail=True, methods=["get"])
    def prices(self, request, pk=None):
        """Every (input, output) price per million tokens and whole price card the model has had, newest first, with
        the run and time each took effect."""
        row = self.get_object()
        current = {name: row[name] for name in ("input_cost_per_mtok", "output_cost_per_mtok", "price_card")}
        history = [{**entry, "price_card": _card_then(entry)} for entry in price_history(row["id"], current)]
        return Response(PriceHistorySerializer({"model": row["model"], "prices": history}).data)

    def _card(self):
        row = self.get_object()
        linked = {name: fact["value"] for name, fact in (row["enrichment"] or {}).items()}
        merged = {**row, **linked}  # the effective card and price (catalog.entries.llm_model_entry merges alike)
        return row["model"], merged["pricing_status"], row_card(merged)

    def _stale_card(self):
        entry = self._snapshot_entry(snapshot_get())
        return entry["model"], entry["pricing"]["status"], entry_card(entry)


def _card_then(entry: dict) -> dict | None:
    """The whole card an entry of the price history stood for: its own card, else (before cards) its two prices."""
    prices = [text_decimal(entry[name]) for name in ("input_cost_per_mtok", "output_cost_per_mtok")]
    status = "known" if None not in prices else "unknown"
    return shown_card(effective_card(entry["price_card"], pricing_status=status, input_per_mtok=prices[0],
                                     output_per_mtok=prices[1]))  # fmt: skip


def usage_from(data: dict) -> Usage | None:
    """The validated usage fields as a Usage (None when none was given); a UsageError is a 400 naming its field."""
    given = {name: data[name] for name in USAGE_FIELDS if name in data}
    if not given:
        return None
    try:
        return Usage(**given)
    except UsageError as error:
        raise ValidationError({error.field: [error.message]}) from None


def usage_json(usage: Usage) -> dict:
    return {name: getattr(usage, name) for name in USAGE_FIELDS if name != "at"} | {"at": usage.at.isoformat()}


def requirements_from(data: dict) -> Requirements:
    """Validated request fields -> the pure selection's requirements."""
    sets = {name: frozenset(data.get(name, ())) for name in ("capabilities", "providers", "exclude_providers")}
    singles = ("category", "min_context", "min_output_tokens", "max_input_cost", "max_output_cost", "min_safety")
    return Requirements(
        **sets,
        **{name: data.get(name) for name in singles},
        free_only=data["free_only"],
        preferred=tuple(data.get("preferred", ())),
        strategy=data["strategy"],
        fallbacks=data["fallbacks"],
        callable_only=data["callable_only"],
        usage=usage_from(data),
        requests_stated="requests" in data,
    )


class SelectView(APIView):
    """POST requirements -> the best model, a ranked fallback chain, and the reasons."""

    permission_classes = [CatalogReader]

    @extend_schema(request=SelectionRequestSerializer, responses={200: SelectionSerializer, 413: ErrorSerializer,
                                                                  **ERRORS})  # fmt: skip
    def post(self, request):
        body = SelectionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        snapshot = snapshot_get()
        wanted = requirements_from(body.validated_data)
        result = select(snapshot.index, wanted)
        if result.selected and snapshot.origin != "static":  # static ids are not database ids
            selection_served(result.selected.candidate.id)
        data = {
            "selected": _ranked_entry(snapshot, result.selected, wanted) if result.selected else None,
            "fallbacks": [_ranked_entry(snapshot, ranked, wanted) for ranked in result.fallbacks],
            "eligible": result.eligible,
            "considered": result.considered,
            "rejections": result.rejections,
            "callable_only": body.validated_data["callable_only"],
            "nothing_callable": result.nothing_callable,
            "reasons": list(result.reasons),
            "stale": snapshot.stale,
        }
        return Response(data, headers=STALE if snapshot.stale else {})


def _ranked_entry(snapshot, ranked, wanted: Requirements) -> dict:
    entry = without_provenance(snapshot.entries[ranked.candidate.id])  # the reasons say what was linked
    card, usage = ranked.candidate.card, wanted.usage  # the card was parsed when the snapshot was built
    estimate = None
    if usage is not None and card is not None:
        estimate = quote_json(card_quote(card, usage, requests_stated=wanted.requests_stated))
    return {**entry, "score": ranked.score, "reasons": list(ranked.reasons), "estimated_cost": estimate}
