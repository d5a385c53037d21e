"""`python -m classroom.serve run classroom.app ...`: Solara's own `solara run`, kept on this machine.

`govsim demo` starts the classroom server through this module rather than `python -m solara`.
Solara serves its JavaScript under `/_solara/cdn/` from a cache shipped in the environment
(`share/solara/cdn`), and fetches any file it does not have from an internet CDN, retrying for
about 7 s per request. In a classroom (and with `--host 0.0.0.0`, for anyone on the network who
asks for made-up paths) the server must never leave the machine: here a missing asset is a 404
at once, the version check against PyPI and the telemetry are off, and everything else is
Solara unchanged.
"""

from __future__ import annotations

import os
import sys


class NotShipped(FileNotFoundError):
    """An asset outside the shipped cache: the server answers 404 instead of going online."""


def offline() -> None:
    """Patch this process's Solara so it serves shipped assets only and calls nowhere."""
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_ASSETS_PROXY"] = "True"  # the page asks this server for assets, never the CDN itself
    import solara.__main__ as solara_main
    import solara.server.cdn_helper as cdn
    import solara.server.settings as server_settings

    def refuse(url: str) -> bytes:
        raise NotShipped(f"not shipped with govsim, and the classroom server does not go online: {url}")

    cdn.fetch_from_cdn = refuse  # StaticCdn turns the exception into a 404
    solara_main._check_version = lambda: None  # no PyPI look-up at start
    server_settings.telemetry.mixpanel_enable = False


def main(argv: list[str] | None = None) -> None:
    offline()
    import solara.__main__ as solara_main

    sys.argv = ["solara", *(sys.argv[1:] if argv is None else argv)]
    solara_main.main()


if __name__ == "__main__":
    main()
