"""A schema's `load` that takes a short way when the data is valid, and marshmallow's own
way whenever it is not.

Why: marshmallow loads field by field through a closure, an error store and a
`_call_and_store` per field, then walks every hook list, even for data that has no error:
intake's request schema cost as much CPU as its own checks (bench/RESULTS.md, "Load").
`FastLoadSchema.load` deserializes each field with that field's own `deserialize` (the
same conversions, defaults and validators) and runs the schema's own `validates_schema`
methods; the moment anything is not plainly valid (a field or schema error, an unknown
key, a hook or option it does not take the short way for: pre- or post-load hooks, field
validator methods, `many`, `partial`, unknown fields INCLUDEd) it hands the same data to
marshmallow's `Schema.load`, which then finds and words every error exactly as it always
has. So what a valid request loads to, and what an invalid one is told, are marshmallow's
(tests/integration/test_fast_load.py compares them).
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, missing
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.error_store import ErrorStore


class _Plan:
    """What loading one object of a schema takes, worked out once."""

    def __init__(self, schema: Schema) -> None:
        self.fields = []
        for attr_name, field in schema.load_fields.items():
            key = field.data_key if field.data_key is not None else attr_name
            target = field.attribute or attr_name
            self.fields.append((key, target, field))
        self.keys = frozenset(key for key, _target, _field in self.fields)
        self.possible = (
            not schema._hooks[PRE_LOAD]
            and not schema._hooks[POST_LOAD]
            and not schema._hooks[VALIDATES]
            and all("." not in target for _key, target, _field in self.fields)
        )


class FastLoadSchema(Schema):
    def load(
        self,
        data: Any,
        *,
        many: bool | None = None,
        partial: Any = None,
        unknown: str | None = None,
    ) -> Any:
        loaded = self._short_load(data, many=many, partial=partial, unknown=unknown)
        if loaded is missing:
            return super().load(data, many=many, partial=partial, unknown=unknown)
        return loaded

    def _short_load(self, data: Any, *, many: Any, partial: Any, unknown: Any) -> Any:
        """The loaded data, or `missing` when marshmallow must load it."""
        plan: _Plan | None = self.__dict__.get("_load_plan")
        if plan is None:
            plan = self.__dict__["_load_plan"] = _Plan(self)
        unknown = self.unknown if unknown is None else unknown
        if (
            not plan.possible
            or (self.many if many is None else many)
            or (self.partial if partial is None else partial)
            or type(data) is not dict
            or unknown not in (RAISE, EXCLUDE)
        ):
            return missing
        if unknown == RAISE and not data.keys() <= plan.keys:
            return missing
        result = self.dict_class()
        try:
            for key, target, field in plan.fields:
                value = field.deserialize(data.get(key, missing), key, data)
                if value is not missing:
                    result[target] = value
        except ValidationError:
            return missing
        if self._hooks[VALIDATES_SCHEMA]:
            errors = ErrorStore()
            for pass_collection in (True, False):
                self._invoke_schema_validators(
                    error_store=errors,
                    pass_collection=pass_collection,
                    data=result,
                    original_data=data,
                    many=False,
                    partial=self.partial,
                    unknown=unknown,
                    field_errors=False,
                )
            if errors.errors:
                return missing
        return result
