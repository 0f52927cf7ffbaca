"""Selectors whose SQL is compiled once per process, then run with new values.

Django builds a queryset and compiles its SQL on every evaluation. For the queries
every page makes (the portal's sign-in with its customer, business and settings
joined; a customer's latest payments with their refund totals) that compiling costs
0.5–1.4 ms of CPU each, more than PostgreSQL takes to answer them (README,
"Benchmarks"). A selector decorated with `prepared("business_id", "customer_id")`
is built and compiled once per *shape*: its other arguments, those that change the
SQL's text (a limit, a status filter). Its *values*, the arguments named in the
decorator, are strings, integers, dates or aware datetimes bound into that SQL as
parameters. Each later
call binds its values and builds the rows the way Django does (model instances with
`select_related`, annotations and `prefetch_related`, or values), and returns them as
a list; `.rows(...)` gives a paginator a count and slices of them instead.

A shape is kept only when it is safe: the selector is built once with stand-ins for
its values and once with the real ones, and the two must compile to the same SQL
with the stand-ins exactly where the real values are. Otherwise the selector runs
as a plain queryset every time (correct, just not faster). With
settings.PREPARED_QUERIES_CHECK (the test suite turns it on) every call is checked
that way, so a selector whose SQL depends on a value's content fails its tests.
"""

import copy
import datetime as dt
import functools
import itertools
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    NamedValuesListIterable,
    ValuesIterable,
    ValuesListIterable,
)

log = logging.getLogger(__name__)
MAX_SHAPES = 64  # per selector: beyond this, new shapes run unprepared
_STAND_IN_INTS = itertools.count(-(10**15), -1)  # no real id or amount is near these
_STAND_IN_DAYS = itertools.count()  # days after 1 January of year 1: no real date is there
VALUE_TYPES = (str, int, dt.date, dt.datetime)
# What a prepared selector may return: model instances, or values(), or values_list().
_ITERABLES = (
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    NamedValuesListIterable,
    FlatValuesListIterable,
)


class PreparedQueryMismatch(AssertionError):
    """PREPARED_QUERIES_CHECK found a call whose real SQL is not the prepared one."""


@dataclass(frozen=True)
class _Slot:
    name: str  # the value bound at this parameter's place
    # "date" or "datetime": bound as the database takes one (text on SQLite)
    kind: str = ""


@dataclass
class _Shape:
    """One compiled shape: its SQL, where each value goes, and the compiler that knows
    how to turn its rows into model instances (or values)."""

    queryset: QuerySet  # built with the stand-ins: its model, iterable, fields, prefetch
    sql: str
    params: tuple  # _Slot for a value, anything else is a constant of the shape
    compiler: object
    # Per connection: the value converters of its columns (Django works them out
    # again for every query; for a wide select that is a tenth of a millisecond).
    converters: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)

    def bind(self, values: dict, connection) -> tuple:
        return tuple(
            _bound(p, values, connection) if isinstance(p, _Slot) else p for p in self.params
        )

    def run(self, db: str, values: dict, low: int = 0, high: int | None = None) -> list:
        """The rows (rows low to high when given, as a slice of the queryset would)."""
        compiler = copy.copy(self.compiler)  # its select and klass_info, not its SQL
        compiler.connection = connection = connections[db]  # this thread's connection
        sql, params = self.sql, self.bind(values, connection)
        if low or high is not None:
            sql = f"{sql} {connection.ops.limit_offset_sql(low, high)}"
        compiler.as_sql = lambda *args, **kwargs: (sql, params)  # skips compiling
        converters = self.converters.get(connection)
        if converters is None:
            columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
            converters = self.converters[connection] = compiler.get_converters(columns)
        compiler.get_converters = lambda expressions: converters
        built = self.queryset
        query = _CompiledQuery(built.query, compiler)
        rows = list(built._iterable_class(_Compiled(built.model, db, built._fields, query)))
        if built._prefetch_related_lookups:
            prefetch_related_objects(rows, *built._prefetch_related_lookups)
        return rows

    def count(self, db: str, values: dict, upto: int | None) -> int:
        """How many rows, counting no further than `upto` (an unordered shape)."""
        connection = connections[db]
        limit = connection.ops.limit_offset_sql(0, upto)
        with connection.cursor() as cursor:
            counted = f"SELECT COUNT(*) FROM ({self.sql} {limit}) counted"
            cursor.execute(counted, self.bind(values, connection))
            return cursor.fetchone()[0]


@dataclass
class _Compiled:
    """What Django's iterables (ModelIterable, ValuesListIterable…) read of a queryset."""

    model: type[Model]
    db: str
    _fields: tuple
    query: "_CompiledQuery"
    _known_related_objects = {}  # read only


class _CompiledQuery:
    """The stand-ins' query (its selected names), whose compiler is this call's."""

    def __init__(self, query, compiler):
        self._query, self._compiler = query, compiler

    def get_compiler(self, using=None, **kwargs):
        return self._compiler

    def __getattr__(self, name):
        return getattr(self._query, name)


_UNPREPARED = object()  # a shape that could not be prepared: it runs as a queryset


def prepared(*values: str) -> Callable[[Callable[..., QuerySet]], "PreparedSelector"]:
    """Decorate a selector that returns a QuerySet (of model instances, or values() or
    values_list()) and takes keyword arguments only; `values` name those bound as
    parameters (str, int, date or datetime), the other arguments make its shape. Calling
    the decorated selector returns a list; `.rows(...)` gives what a paginator needs
    (a count and slices), `.queryset(...)` the queryset to build on."""

    def decorate(build: Callable[..., QuerySet]) -> PreparedSelector:
        return functools.update_wrapper(PreparedSelector(build, values), build)

    return decorate


class PreparedSelector:
    """A selector and its compiled shapes (at most MAX_SHAPES; more run unprepared)."""

    def __init__(self, build: Callable[..., QuerySet], values: tuple[str, ...]):
        self.build, self.values = build, values
        self.model = None  # known after the first call: the router needs it
        self.shapes: dict = {}

    def __call__(self, **kwargs) -> list:
        shape, db, bound, queryset = self._shape(kwargs)
        if shape is _UNPREPARED:
            return list(queryset)
        return shape.run(db, bound)

    def queryset(self, **kwargs) -> QuerySet:
        """The selector's queryset itself, built and compiled as usual."""
        return self.build(**kwargs)

    def rows(self, **kwargs) -> "PreparedRows":
        """The rows unevaluated, for a paginator: counted and sliced in SQL."""
        return PreparedRows(self, kwargs)

    def _shape(self, kwargs: dict, *, unordered: bool = False):
        """(shape or _UNPREPARED, database, bound values, the queryset when built)."""
        missing = set(self.values) - set(kwargs)
        name = self.build.__name__
        if missing:
            raise TypeError(f"{name}() needs {', '.join(sorted(missing))}")
        bound = {value: kwargs[value] for value in self.values}
        for value, given in bound.items():
            if type(given) not in VALUE_TYPES or _naive(given):
                raise TypeError(
                    f"{name}(): {value} must be a str, an int, a date or an aware datetime"
                )
        # A value's type is part of the shape: a date and a datetime bind differently.
        types = tuple(type(given).__name__ for given in bound.values())
        shape_args = sorted((k, v) for k, v in kwargs.items() if k not in self.values)
        key = (unordered, types, *shape_args)
        db = router.db_for_read(self.model) if self.model else None
        shape = self.shapes.get((key, db)) if db else None
        if isinstance(shape, _Shape) and not settings.PREPARED_QUERIES_CHECK:
            return shape, db, bound, None
        build = self._unordered if unordered else self.build
        queryset = build(**kwargs)
        self.model, db = queryset.model, queryset.db
        shape = self.shapes.get((key, db))
        if shape is None:
            if len(self.shapes) >= MAX_SHAPES:
                return _UNPREPARED, db, bound, queryset
            shape = _prepare(self.build, build, kwargs, bound, queryset, db)
            self.shapes[(key, db)] = shape
        elif shape is not _UNPREPARED and not _same(shape, queryset, db, bound):
            raise PreparedQueryMismatch(f"{name}: the prepared SQL is not this call's")
        return shape, db, bound, queryset

    def _unordered(self, **kwargs) -> QuerySet:
        """The queryset without its order: what is counted."""
        return self.build(**kwargs).order_by()


class PreparedRows:
    """A prepared selector's rows as Django's paginators take them: `count()` and a
    slice, each one query with no compiling."""

    def __init__(self, selector: PreparedSelector, kwargs: dict):
        self.selector, self.kwargs = selector, kwargs

    def count(self) -> int:
        return self.count_upto(None)

    def count_upto(self, upto: int | None) -> int:
        """How many rows, counting no further than `upto` (None: all of them)."""
        shape, db, bound, queryset = self.selector._shape(self.kwargs, unordered=True)
        if shape is _UNPREPARED:
            return queryset[:upto].count()
        return shape.count(db, bound, upto)

    def __iter__(self):
        return iter(self[0:None])

    def __getitem__(self, rows: slice) -> list:
        if not isinstance(rows, slice) or rows.step is not None:
            raise TypeError("Prepared rows are read a slice at a time.")
        low, high = rows.start or 0, rows.stop
        shape, db, bound, queryset = self.selector._shape(self.kwargs)
        if shape is _UNPREPARED:
            return list(queryset[low:high])
        return shape.run(db, bound, low, high)


def _prepare(selector, build, kwargs: dict, bound: dict, queryset: QuerySet, db: str):
    """The shape of this call, or _UNPREPARED (logged) when it cannot be one."""
    stand_ins = {name: _stand_in(name, value) for name, value in bound.items()}
    reason = ""
    if queryset._iterable_class not in _ITERABLES or queryset._known_related_objects:
        reason = "it returns neither model instances nor values"
    else:
        try:
            built = build(**{**kwargs, **stand_ins})
            compiler = built.query.get_compiler(using=db)
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet, ValueError, TypeError) as exc:
            reason = f"its stand-ins do not compile ({exc.__class__.__name__})"
        else:
            slot_of = _slots(stand_ins, connections[db])
            slotted = tuple(_slot(p, slot_of) for p in params)
            # Each run sets its own connection; kept here, this thread's connection would
            # stay open after the thread is gone.
            compiler.connection = None
            shape = _Shape(built, sql, slotted, compiler)
            if {p.name for p in slotted if isinstance(p, _Slot)} != set(bound):
                reason = "a value is not a parameter of its SQL"
            elif not _same(shape, queryset, db, bound):
                reason = "its SQL depends on a value"
            else:
                return shape
    log.warning("prepared: %s runs unprepared: %s", selector.__qualname__, reason)
    if settings.PREPARED_QUERIES_CHECK:
        raise PreparedQueryMismatch(f"{selector.__qualname__} cannot be prepared: {reason}")
    return _UNPREPARED


def _same(shape: _Shape, queryset: QuerySet, db: str, bound: dict) -> bool:
    """Whether the queryset built with the real values compiles to the shape's SQL with
    those values in its slots."""
    try:
        sql, params = queryset.query.get_compiler(using=db).as_sql()
    except (EmptyResultSet, FullResultSet):
        return False
    return sql == shape.sql and tuple(params) == shape.bind(bound, connections[db])


def _stand_in(name: str, value):
    """A value of the same type no real call passes, found again among the parameters."""
    if isinstance(value, dt.datetime):
        days = dt.timedelta(days=next(_STAND_IN_DAYS) % 300_000)
        return dt.datetime(1, 1, 1, tzinfo=dt.UTC) + days
    if isinstance(value, dt.date):
        return dt.date(1, 1, 1) + dt.timedelta(days=next(_STAND_IN_DAYS) % 300_000)
    if isinstance(value, int):
        return next(_STAND_IN_INTS)
    return f"\x1fprepared:{name}:{next(_STAND_IN_INTS)}\x1f"


def _slots(stand_ins: dict, connection) -> dict:
    """Each stand-in as the parameters show it: itself, or a date or datetime as the
    database takes it (PostgreSQL the value, SQLite its text)."""
    slot_of = {}
    for name, stand_in in stand_ins.items():
        if isinstance(stand_in, dt.date):
            slot = _Slot(name, kind=_kind(stand_in))
            slot_of[_adapt(stand_in, slot.kind, connection)] = slot
        else:
            slot = _Slot(name)
        slot_of[stand_in] = slot
    return slot_of


def _naive(value) -> bool:
    return isinstance(value, dt.datetime) and value.tzinfo is None


def _kind(value) -> str:
    return "datetime" if isinstance(value, dt.datetime) else "date"


def _adapt(value, kind: str, connection):
    if kind == "datetime":
        return connection.ops.adapt_datetimefield_value(value)
    return connection.ops.adapt_datefield_value(value)


def _bound(slot: _Slot, values: dict, connection):
    value = values[slot.name]
    return _adapt(value, slot.kind, connection) if slot.kind else value


def _slot(param, slot_of: dict):
    try:
        return slot_of.get(param, param)
    except TypeError:  # an unhashable constant (a list for ANY())
        return param
