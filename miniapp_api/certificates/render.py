"""How a certificate looks: the QR code of its verification link (segno, SVG) and the printable PDF
(reportlab with its built-in Chinese CID font STSong-Light, so no font file has to be shipped or installed:
PDF readers supply the glyphs)."""

from __future__ import annotations

import io

from miniapp_api.certificates.models import Certificate

FONT = "STSong-Light"


def qr_svg_data_uri(url: str) -> str:
    """The verification link as an SVG QR code, as a data URI an <image src> takes in the mini-program."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def pdf(certificate: Certificate, verify_url: str, status_name: str) -> bytes:
    """One A4 page: title, identifier, holder, data fields, validity, issuer, the QR code and the signature's
    key id, so a printed copy can be checked by scanning it."""
    # reportlab is imported here (~6 MB a process), by the few requests that print a certificate.
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font, out = _font(), io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    page.setTitle(f"{certificate.type_name} {certificate.identifier}")
    width, height = A4
    page.setFont(font, 24)
    page.drawCentredString(width / 2, height - 40 * mm, certificate.type_name)
    page.setFont(font, 11)
    page.drawCentredString(width / 2, height - 50 * mm, f"电子证照  编号：{certificate.identifier}")
    payload = certificate.payload
    rows = [("持证主体", payload.get("holder_name", "")), *payload.get("data", {}).items(),
            ("有效期", f"{payload.get('issued_on')} 至 {payload.get('expires_on')}"),
            ("签发机关", payload.get("issuer", "")), ("证照状态", status_name)]
    y = height - 70 * mm
    page.setFont(font, 13)
    for label, value in rows:
        page.drawString(30 * mm, y, f"{label}：")
        page.drawString(65 * mm, y, str(value))
        y -= 10 * mm
    widget = QrCodeWidget(verify_url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    size = 40 * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, page, width - 30 * mm - size, 40 * mm)
    page.setFont(font, 9)
    page.drawString(30 * mm, 50 * mm, "扫描右侧二维码可核验本证照的真伪和当前状态。")
    page.drawString(30 * mm, 44 * mm, f"签名算法 Ed25519，密钥标识 {certificate.key_id}")
    page.showPage()
    page.save()
    return out.getvalue()
