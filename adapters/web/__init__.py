"""The web application (DESIGN.md §7, §8): dashboard, drill-down, downloads, sign-in.

:func:`adapters.web.app.create_app` builds the ASGI application from an
engine and a session key; nothing is built when the package is imported.
"""
