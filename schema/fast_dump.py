"""A schema's `dump`, worked out once per schema instead of once per field per call.

Why: marshmallow dumps field by field through several layers (the field's `serialize`, its
accessor, `utils.get_value`, the field's `_serialize`), and a prescription has some forty
fields with its patient, prescriber and titration steps: as much CPU as intake's own
checks (bench/RESULTS.md, "Load"). `FastDumpSchema.dump` gives exactly what marshmallow's
`Schema.dump` gives (tests/integration/test_fast_dump.py compares them):

- each field's value is read as marshmallow reads it (`obj[attr]`, else the attribute;
  a missing value takes the field's `dump_default`, or leaves the key out);
- fields whose conversion is a plain function are converted by it directly: String,
  Integer, Boolean, DateTime and Date in their ISO formats, List of those, Nested;
- any other field is converted by its own `_serialize`, as marshmallow would;
- a schema with dump hooks, a custom accessor or a field with its own `serialize` or
  `get_value` is dumped by marshmallow itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type, get_value

Convert = Callable[[Any, str, Any], Any]  # (value, field name, object) -> dumped value
Dumper = Callable[[Any], dict[str, Any]]


def _text(value: Any, _attr: str, _obj: Any) -> Any:
    if value is None or type(value) is str:
        return value
    return ensure_text_type(value)


def _integer(value: Any, _attr: str, _obj: Any) -> Any:
    return None if value is None else int(value)


def _as_is(value: Any, _attr: str, _obj: Any) -> Any:
    return value


def _formatted(format_value: Callable[[Any], Any]) -> Convert:
    def convert(value: Any, _attr: str, _obj: Any) -> Any:
        return None if value is None else format_value(value)

    return convert


def _listed(inner: Convert) -> Convert:
    def convert(value: Any, attr: str, obj: Any) -> Any:
        return None if value is None else [inner(each, attr, obj) for each in value]

    return convert


def _nested(schema: Schema, many: bool) -> Convert:
    dump = schema_dumper(schema)
    if dump is None:
        return lambda value, _attr, _obj: None if value is None else schema.dump(value, many=many)
    if many:
        return lambda value, _attr, _obj: None if value is None else [dump(v) for v in value]
    return lambda value, _attr, _obj: None if value is None else dump(value)


def _converter(field: fields.Field[Any]) -> Convert:
    """What `field._serialize` does, as one function."""
    kind = type(field)
    if kind is fields.String:
        return _text
    if kind is fields.Integer and not field.as_string:
        return _integer
    if kind._serialize is fields.Field._serialize:
        return _as_is  # Boolean, Raw: the value as it is
    if kind in (fields.DateTime, fields.Date):
        format_value = kind.SERIALIZATION_FUNCS.get(field.format or kind.DEFAULT_FORMAT)
        if format_value is not None:
            return _formatted(format_value)
    if kind is fields.List:
        return _listed(_converter(field.inner))
    if kind is fields.Nested:
        schema = field.schema
        return _nested(schema, bool(schema.many or field.many))
    return field._serialize


def schema_dumper(schema: Schema) -> Dumper | None:
    """`schema.dump` for one object, or None when marshmallow must do it."""
    if (
        schema._hooks[PRE_DUMP]
        or schema._hooks[POST_DUMP]
        or type(schema).get_attribute is not Schema.get_attribute
    ):
        return None
    steps = []
    for name, field in schema.dump_fields.items():
        kind = type(field)
        attribute = field.attribute if field.attribute is not None else name
        if (
            "." in attribute
            or not field._CHECK_ATTRIBUTE
            or kind.serialize is not fields.Field.serialize
            or kind.get_value is not fields.Field.get_value
        ):
            return None
        key = field.data_key if field.data_key is not None else name
        steps.append((key, name, attribute, field.dump_default, _converter(field)))

    def dump(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        plain_dict = type(obj) is dict
        for key, name, attribute, default, convert in steps:
            if plain_dict:
                value = obj[attribute] if attribute in obj else getattr(obj, attribute, missing)
            else:
                value = get_value(obj, attribute, missing)
            if value is missing:
                value = default() if callable(default) else default
                if value is missing:
                    continue
            out[key] = convert(value, name, obj)
        return out

    return dump


class FastDumpSchema(Schema):
    """A response schema whose `dump` is `schema_dumper`'s (marshmallow's when it has
    none)."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        try:
            dumper = self.__dict__["_fast_dumper"]
        except KeyError:
            dumper = self.__dict__["_fast_dumper"] = schema_dumper(self)
        if dumper is None:
            return super().dump(obj, many=many)
        if self.many if many is None else many:
            if obj is None:  # marshmallow's own answer to that
                return super().dump(obj, many=True)
            return [dumper(each) for each in obj]
        return dumper(obj)
