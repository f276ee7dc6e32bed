"""Small documents for the RAG tests, including a real PDF built by hand (no network, no fixtures to fetch)."""

from __future__ import annotations

DOCS = {
    "cats.md": "# Cats\n\nCats are small domesticated carnivores. A cat sleeps up to sixteen hours a day and "
               "purrs when content.",
    "rockets.txt": "Rockets carry payloads to orbit. The first stage burns kerosene and liquid oxygen; "
                   "the second stage circularises the orbit.",
    "bread.html": "<html><head><title>Bread</title><style>p {color: red}</style></head><body><h1>Baking</h1>"
                  "<p>Bread needs flour, water, salt and yeast. Knead the dough and let it rise for two hours.</p>"
                  "<script>alert('not text')</script></body></html>",
}


def make_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
