from __future__ import annotations

from marshmallow import Schema, fields, validate

from schema.common import StrictSchema, Text, WholeNumber


class TokenRequest(StrictSchema):
    username = Text(80, required=True, min_length=1)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenResponse(Schema):
    token = fields.String()
    role = fields.String()
    expires_in_hours = fields.Integer()
    prescriber_id = fields.Integer(allow_none=True)


class PasswordSignature(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class UserCreate(StrictSchema):
    username = Text(80, required=True, min_length=3)
    password = fields.String(required=True, validate=validate.Length(min=10, max=256))
    role = fields.String(
        required=True, validate=validate.OneOf(["admin", "pharmacist", "technician", "prescriber"])
    )
    full_name = Text(200)
    npi = Text(10)
    phone = Text(40)
    address = Text(500, join_lines=", ")


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    full_name = fields.String()
    active = fields.Boolean()
    prescriber_id = WholeNumber(allow_none=True)
