"""The workshop knowledge base: schema, validation, store, export/import and HTML rendering of insights."""
