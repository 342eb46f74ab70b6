"""Bulk statements: one JSON document per statement, so the statement count never grows with the catalog.

Django's bulk_create/bulk_update split into batches on SQLite (999 parameters) and bulk_update builds one CASE WHEN
per field with a branch per row (quadratic work on PostgreSQL). Here every statement takes ONE parameter, a JSON
list of rows, expanded by jsonb_to_recordset (PostgreSQL) or json_each (SQLite 3.38+).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection
from django.db.models import Model
from django.db.models.expressions import RawSQL


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def quote(model: type[Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def json_rows(model: type[Model], names: list[str]) -> str:
    """A FROM item named v with one typed column per name, read from the statement's one JSON parameter."""
    fields = [model._meta.get_field(name) for name in names]
    if connection.vendor == "postgresql":
        columns = ", ".join(f"{connection.ops.quote_name(f.column)} {f.db_type(connection)}" for f in fields)
        return f"jsonb_to_recordset(%s::jsonb) AS v({columns})"
    if connection.vendor != "sqlite":
        raise NotImplementedError(f"bulk sync statements support PostgreSQL and SQLite, not {connection.vendor}")
    picks = ", ".join(f"json_extract(value, '$.{f.column}') AS {connection.ops.quote_name(f.column)}" for f in fields)
    return f"(SELECT {picks} FROM json_each(%s)) AS v"


def document(model: type[Model], rows: list[dict[str, Any]]) -> str:
    """The JSON parameter: one object per row keyed by column, values as the database parses them."""
    columns = {name: model._meta.get_field(name).column for name in rows[0]}
    if any(name != column for name, column in columns.items()):
        rows = [{columns[name]: value for name, value in row.items()} for row in rows]
    adapt_datetime = connection.ops.adapt_datetimefield_value  # looked up once, not per value

    def db_value(value: Any) -> str:
        """What JSON lacks: decimals as exact strings, datetimes in the database's own format (SQLite compares text)."""
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, datetime):
            return str(adapt_datetime(value))
        raise TypeError(f"cannot write {type(value).__name__} to the database as JSON")

    return orjson.dumps(rows, default=db_value, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


def insert(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """INSERT the rows (all with the same keys) in one statement."""
    columns = list(rows[0])
    names = ", ".join(quote(model, name) for name in columns)
    sql = f"INSERT INTO {table(model)} ({names}) SELECT {names} FROM {json_rows(model, columns)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [document(model, rows)])


def id_list(ids: list[int]) -> RawSQL:
    """A subquery of `ids` from one JSON parameter, for `pk__in=`: one statement whatever their number."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT jsonb_array_elements_text(%s::jsonb)::bigint", [orjson.dumps(ids).decode()])
    return RawSQL("SELECT value FROM json_each(%s)", [orjson.dumps(ids).decode()])


def update(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """UPDATE rows by id (all with the same keys) in one statement."""
    columns = list(rows[0])
    quoted = [quote(model, name) for name in columns if name != "id"]
    assignments = ", ".join(f"{column} = v.{column}" for column in quoted)
    sql = f"UPDATE {table(model)} SET {assignments} FROM {json_rows(model, columns)} WHERE {table(model)}.id = v.id"
    with connection.cursor() as cursor:
        cursor.execute(sql, [document(model, rows)])
