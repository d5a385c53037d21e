"""The join link as a QR code, drawn here (segno, pure Python) so the teacher's screen needs no internet."""

from __future__ import annotations


def qr_svg(url: str) -> bytes:
    import segno

    return segno.make(url, error="m").svg_inline(scale=8, border=2, dark="#000", light="#fff").encode("utf-8")
