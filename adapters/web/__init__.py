"""The web application (DESIGN.md §7, §8): dashboard, drill-down, downloads, sign-in.

:func:`adapters.web.app.create_app` builds the ASGI application from the
settings and an engine; nothing is built when the package is imported.
"""
