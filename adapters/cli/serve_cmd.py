"""``recon serve [--host 127.0.0.1] [--port 8000]``: the web application on uvicorn (DESIGN.md §7, §8).

Listens on 127.0.0.1 unless told otherwise: put a TLS-terminating proxy in
front for anything beyond the machine (and set ``RECON_SECURE_COOKIES=1``).
The session key comes from ``RECON_SECRET_KEY`` or ``<data_dir>/secret_key``
(see :mod:`adapters.web.auth`). Users are added with ``recon user add``.
"""

from __future__ import annotations

import argparse
from typing import Any

from adapters.bootstrap import Parts
from adapters.db.engine import require_schema


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="the web application (dashboard, drill-down, downloads, audit log, JSON API)",
        description="Serve the web application with uvicorn until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    import uvicorn

    from adapters.web.app import create_app
    from adapters.web.auth import secret_key

    engine = parts.engine
    require_schema(engine)
    app = create_app(
        engine,
        secret_key(parts.data_dir),
        secure_cookies=parts.web.secure_cookies,
        approval_threshold_vnd=parts.web.approval_threshold_vnd,
        gateways=parts.gateways,
    )
    print(f"serving on http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", proxy_headers=False)
    return 0
