"""The HTTP edge's helpers: error translation, validation, schemas, OpenAPI and renderers."""
