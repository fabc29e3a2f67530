"""The WSGI entry point: `gunicorn wsgi:app`."""

import gc

from pharmacy.app import create_app

app = create_app()
# Everything loaded so far (modules, the app, mappers, compiled rules) lives as long as
# the worker: move it out of the collector's generations so that a collection triggered
# by a request's allocations does not traverse it again each time.
gc.freeze()
