"""The join link as a QR code, drawn here (segno, pure Python) so the teacher's screen needs no internet."""

from __future__ import annotations

import io


def qr_svg(url: str) -> bytes:
    """A standalone SVG document (an <img> needs the namespace) of `url`, medium error correction."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False)
    return buf.getvalue()
