"""The one blueprint every page lives on."""

from flask import Blueprint

bp = Blueprint("web", __name__)
