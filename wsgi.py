"""The WSGI entry point: `gunicorn wsgi:app`."""

from pharmacy.app import create_app

app = create_app()
