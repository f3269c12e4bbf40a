"""A queryset whose SQL Django builds once per database; each later call only binds a new value.

Django rebuilds and recompiles a queryset's SQL every time it is evaluated. For most reads that
cost is noise, but Axle's re-optimisation pushes a schedule for every charger at once, and the
query that finds, locks and reads a charger for a push spent about 3 ms of its 4 ms in Python
building SQL that is the same every time except for the charger's id.

The SQL is compiled from the real queryset (so it is whatever Django would send, `FOR UPDATE` on
PostgreSQL and nothing on SQLite), with a unique placeholder standing for the looked-up value.
Rows come back as Django's own iterator would make them: the database's converters applied, the
model built with `from_db`, annotations set as attributes.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slot: int  # where the looked-up value goes in params
    compiler: SQLCompiler
    converters: dict[int, Any]
    model_columns: slice
    init_list: list[str]
    annotations: dict[str, int]


class CompiledLookup(Generic[M]):
    """`build(value).first()`, the SQL built once per database and only `value` bound on each call.

    `field` names the field of `model` that `value` is compared with ("pk" too), so the value is
    prepared for the database exactly as Django's own lookup would prepare it. `build` must use
    `value` once, in an equality lookup, and must not select related models (their rows are not
    built here).
    """

    def __init__(self, build: Callable[[Any], models.QuerySet[M]], model: type[M], field: str) -> None:
        found = model._meta.pk if field == "pk" else model._meta.get_field(field)
        if not isinstance(found, models.Field):
            raise ValueError(f"{model.__name__}.{field} is not a column to look up.")
        self._build = build
        self._field: models.Field[Any, Any] = found
        self._template: tuple[models.QuerySet[M], object] | None = None  # built once: building costs too
        self._compiled: dict[str, _Compiled] = {}
        self._compiling = threading.Lock()

    def first(self, value: object) -> M | None:
        queryset, placeholder = self._template or self._make_template()
        alias = queryset.db
        connection = connections[alias]
        locks = queryset.query.select_for_update and connection.features.has_select_for_update
        if locks and connection.get_autocommit():  # as Django itself refuses it
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        compiled = self._compiled.get(alias) or self._compile(queryset, placeholder, alias)
        params = list(compiled.params)
        params[compiled.slot] = self._prepared(value, connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = next(iter(compiled.compiler.apply_converters([row], compiled.converters)))
        found = queryset.model.from_db(alias, compiled.init_list, row[compiled.model_columns])
        for name, position in compiled.annotations.items():
            setattr(found, name, row[position])
        return found

    def _prepared(self, value: object, connection: Any) -> Any:
        """The value as Django's exact lookup sends it (a UUID is hex text on SQLite, say)."""
        return self._field.get_db_prep_value(self._field.get_prep_value(value), connection, prepared=True)

    def _make_template(self) -> tuple[models.QuerySet[M], object]:
        placeholder = self._placeholder()
        self._template = (self._build(placeholder).order_by("pk")[:1], placeholder)  # what .first() sends
        return self._template

    def _compile(self, queryset: models.QuerySet[M], placeholder: object, alias: str) -> _Compiled:
        with self._compiling:
            if alias in self._compiled:
                return self._compiled[alias]
            compiler = queryset.query.chain().get_compiler(using=alias)
            sql, params = compiler.as_sql(with_col_aliases=False)
            prepared = self._prepared(placeholder, connections[alias])
            slots = [index for index, param in enumerate(params) if param == prepared]
            klass_info = compiler.klass_info
            if len(slots) != 1 or klass_info is None or klass_info.get("related_klass_infos"):
                raise ValueError("CompiledLookup needs the value used once and no related models selected.")
            columns = klass_info["select_fields"]
            model_columns = slice(columns[0], columns[-1] + 1)
            compiled = _Compiled(
                sql=sql,
                params=tuple(params),
                slot=slots[0],
                compiler=compiler,
                converters=compiler.get_converters([expression for expression, _, _ in compiler.select]),
                model_columns=model_columns,
                init_list=[expression.target.attname for expression, _, _ in compiler.select[model_columns]],
                annotations=dict(compiler.annotation_col_map or {}),
            )
            self._compiled[alias] = compiled
            return compiled

    def _placeholder(self) -> object:
        """A value of the field's type that nothing else in the query can equal."""
        if isinstance(self._field, models.UUIDField):
            return uuid.uuid4()
        if isinstance(self._field, models.IntegerField):  # AutoField and BigAutoField included
            return secrets.randbelow(2**31 - 2**30) + 2**30
        return f"placeholder-{secrets.token_hex(16)}"
