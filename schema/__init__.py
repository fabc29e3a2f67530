"""marshmallow schemas for every input and output, used by the API and the web forms."""
