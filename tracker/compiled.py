"""Querysets whose SQL each process compiles once.

On a small page, building and compiling a queryset's SQL costs more than the database
takes to run it (the recommendation page: ~4 ms of Python against 0.26 ms of SQL). A
query that differs from one request to the next only by its parameters is compiled once
per process and database, with placeholder values in place of the request's, and each
request then runs the same SQL text with its own values and builds the model instances
the way Django's `ModelIterable` does (select_related objects and annotations included),
or, for a `values_list()`, the tuples `ValuesListIterable` gives.

Only the statement and how to read its rows are kept: every request runs the query, so
nothing a visitor sees outlives a change of the data.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import (
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

# Placeholders for the usual parameters: an id no row has, a text no slug or code can be,
# and a day long before the record.
NO_ID = -20261127
NO_SLUG = "\x00slug"
NO_DAY = datetime.date(1001, 1, 1)


def sqlite_literal(value):
    """`value` written as an SQLite literal, for a statement that SQLite is to prepare once
    (`models.Written`, `exports.written_in`): text with its quotes doubled, a whole number,
    or a date as Django's SQLite adapter binds one; anything else is refused. For the code's
    own values and the site's settings only, never a visitor's text."""
    if isinstance(value, bool | datetime.datetime) or value is None:
        raise TypeError(f"no SQLite literal for {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        value = value.isoformat()
    if not isinstance(value, str) or "\x00" in value:
        raise TypeError(f"no SQLite literal for {value!r}")
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]
    positions: tuple[tuple[int, ...], ...]  # where each of the request's values goes in `params`
    # Of each value, whether the database takes it as text (SQLite's dates, for one).
    as_text: tuple[bool, ...]
    converters: dict[int, tuple[list[Callable], Any]]  # column -> (converters, expression)
    # A values_list() (Django 5.2 selects its columns in the order it names them):
    width: int = 0  # the columns of its tuples; 0 for model instances
    # Model instances, as ModelIterable builds them:
    model: type[Model] | None = None
    init_list: tuple[str, ...] = ()
    model_columns: tuple[int, int] = (0, 0)  # (first, after the last)
    related_populators: tuple[Any, ...] = ()
    annotation_columns: tuple[tuple[str, int], ...] = ()


class CompiledQuery:
    """`build(*values)` -> a queryset of model instances; `CompiledQuery(build, *placeholders)`
    compiles `build(*placeholders)` once per database and runs it with other values.

    Each placeholder must reach the SQL's parameters, unchanged or as the text the backend
    adapted it to (SQLite's dates), and the request's value goes wherever it does (a date
    that several conditions compare with): so it must be a value no other parameter can be,
    a distinctive one of its type (a string no row holds, a negative id, a date long before
    the record).
    """

    def __init__(self, build: Callable[..., QuerySet], *placeholders: object) -> None:
        self.build = build
        self.placeholders = placeholders
        self._statements: dict[str, _Statement] = {}

    def __call__(self, *values: object, using: str = DEFAULT_DB_ALIAS) -> list[Any]:
        statement = self._statements.get(using) or self._compile(using)
        params = list(statement.params)
        for positions, as_text, value in zip(
            statement.positions, statement.as_text, values, strict=True
        ):
            for position in positions:
                params[position] = str(value) if as_text else value
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            rows = cursor.fetchall()
        objects: list[Any] = []
        for raw in rows:
            row = list(raw)
            for column, (converters, expression) in statement.converters.items():
                value = row[column]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[column] = value
            if statement.width:
                objects.append(tuple(row[: statement.width]))
                continue
            assert statement.model is not None
            obj = statement.model.from_db(
                using, statement.init_list, row[slice(*statement.model_columns)]
            )
            for populator in statement.related_populators:
                populator.populate(row, obj)
            for name, column in statement.annotation_columns:
                setattr(obj, name, row[column])
            objects.append(obj)
        return objects

    def _compile(self, using: str) -> _Statement:
        queryset = self.build(*self.placeholders)
        # What ModelIterable would add to the rows, which these rows would go without.
        unread = queryset._known_related_objects or queryset._prefetch_related_lookups  # type: ignore[attr-defined]
        if unread:
            raise ValueError(
                "A compiled query reads its own rows only: no related manager, no prefetch."
            )
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions, as_text = [], []
        for placeholder in self.placeholders:
            found = [n for n, param in enumerate(params) if param == placeholder]
            text = not found and not isinstance(placeholder, str)
            if text:  # As the backend adapted it: SQLite takes a date as its ISO text.
                found = [n for n, param in enumerate(params) if param == str(placeholder)]
            if not found:
                raise ValueError(f"Placeholder {placeholder!r} is not in the parameters.")
            positions.append(tuple(found))
            as_text.append(text)
        select = compiler.select
        fields = [column[0] for column in select[: compiler.col_count]]
        common = {
            "sql": sql,
            "params": tuple(params),
            "positions": tuple(positions),
            "as_text": tuple(as_text),
            "converters": compiler.get_converters(fields),
        }
        iterable = queryset._iterable_class
        if iterable is ValuesListIterable:
            statement = _Statement(**common, width=len(fields))
        elif iterable is ModelIterable:
            klass_info = compiler.klass_info
            columns = klass_info["select_fields"]
            model_columns = (columns[0], columns[-1] + 1)
            statement = _Statement(
                **common,
                model=klass_info["model"],
                init_list=tuple(
                    column[0].target.attname for column in select[slice(*model_columns)]
                ),
                model_columns=model_columns,
                related_populators=tuple(
                    get_related_populators(klass_info, select, using)  # type: ignore[call-arg]  # the stubs' are Django 6's
                ),
                annotation_columns=tuple(compiler.annotation_col_map.items()),
            )
        else:
            raise ValueError("A compiled query gives model instances or values_list() tuples.")
        self._statements[using] = statement
        return statement
