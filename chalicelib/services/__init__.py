"""The use cases: what the routes and event handlers call. They return domain results."""
