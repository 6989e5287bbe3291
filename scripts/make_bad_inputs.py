"""Writes tests/fixtures/bad-inputs/: small images that are hard for a browser image pipeline (issue 6).

Run: .venv/bin/python scripts/make_bad_inputs.py. Everything is small (the 8000x8000 and 50 MP images are
generated at test time in the browser, never committed). manifest.json says what each file is and what
the page must do with it ("result": classified, "error": a message matching "message").
"""

import io
import json
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bad-inputs"


def scene(w: int, h: int) -> Image.Image:
    """Left half red, right half blue, top-left quadrant green: orientation is visible in the crop."""
    im = Image.new("RGB", (w, h), (220, 30, 30))
    d = ImageDraw.Draw(im)
    d.rectangle([w // 2, 0, w, h], fill=(30, 30, 220))
    d.rectangle([0, 0, w // 2, h // 2], fill=(30, 200, 30))
    return im


def jpeg(im: Image.Image, **kw) -> bytes:
    b = io.BytesIO()
    im.save(b, "JPEG", quality=92, **kw)
    return b.getvalue()


def png(im: Image.Image, **kw) -> bytes:
    b = io.BytesIO()
    im.save(b, "PNG", **kw)
    return b.getvalue()


def exif_orientation(value: int) -> bytes:
    ex = Image.Exif()
    ex[0x0112] = value
    return ex.tobytes()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    manifest: list[dict] = []

    def add(name: str, data: bytes, mime: str, expect: str, note: str, message: str | None = None, **extra) -> None:
        files[name] = data
        manifest.append({"file": name, "type": mime, "expect": expect, "note": note, "message": message, **extra})

    base = scene(320, 240)
    add("ok.png", png(base), "image/png", "result", "a plain 320x240 PNG (control)")
    add("one_pixel.png", png(Image.new("RGB", (1, 1), (10, 200, 10))), "image/png", "result", "1x1")
    add("wide_4000x3.png", png(scene(4000, 3)), "image/png", "result", "aspect ratio 1333:1")
    add("tall_3x4000.png", png(scene(3, 4000)), "image/png", "result", "aspect ratio 1:1333")
    add("cmyk.jpg", jpeg(base.convert("CMYK")), "image/jpeg", "result", "CMYK JPEG (Adobe APP14)")
    im16 = Image.frombytes("I;16", (64, 48), bytes(range(256)) * (64 * 48 * 2 // 256))
    add("gray16.png", png(im16), "image/png", "result", "16-bit grayscale PNG")
    rgb16 = scene(64, 48)
    raw = bytes(v for v in rgb16.tobytes() for _ in (0, 1))  # each 8-bit sample twice = 16-bit big-endian
    # Pillow cannot write 16-bit RGB PNG; write it by hand (colour type 2, depth 16).
    add("rgb16.png", png16_rgb(64, 48, bytes(raw)), "image/png", "result", "16-bit RGB PNG")
    # EXIF orientation 6: stored 240x320 rotated; displayed upright as 320x240 (source size shown on the page)
    stored = base.transpose(Image.Transpose.ROTATE_90)  # 240x320 stored pixels
    add(
        "exif_rot6.jpg",
        jpeg(stored, exif=exif_orientation(6)),
        "image/jpeg",
        "result",
        "EXIF orientation 6 JPEG",
        oriented=[320, 240],
    )
    add(
        "exif_rot6.png",
        png(stored, exif=exif_orientation(6)),
        "image/png",
        "result",
        "EXIF orientation 6 PNG (eXIf chunk)",
        oriented=[320, 240],
    )
    frames = [Image.new("RGB", (96, 64), c) for c in [(200, 20, 20), (20, 200, 20), (20, 20, 200)]]
    b = io.BytesIO()
    frames[0].save(b, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    add("animated.gif", b.getvalue(), "image/gif", "result", "3-frame GIF (first frame red)")
    b = io.BytesIO()
    frames[0].save(b, "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0, lossless=True)
    add("animated.webp", b.getvalue(), "image/webp", "result", "3-frame WebP (first frame red)")
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200">'
        b'<rect width="300" height="200" fill="#1e1ed2"/><circle cx="150" cy="100" r="60" fill="#d21e1e"/>'
        b"<script>self.__svgScriptRan = true; try { parent.__svgScriptRan = true; } catch (e) {}</script>"
        b'<image href="http://example.invalid/x.png" width="10" height="10"/>'
        b"</svg>"
    )
    add(
        "scripted.svg",
        svg,
        "image/svg+xml",
        "result",
        "SVG with a <script> and a remote <image> (neither may run/load)",
    )
    ok_jpg = jpeg(base)
    add("truncated.jpg", ok_jpg[: len(ok_jpg) // 2], "image/jpeg", "error", "JPEG cut in half", "truncated")
    ok_png = png(scene(320, 240).resize((320, 240)))
    add("truncated.png", ok_png[: len(ok_png) // 2], "image/png", "error", "PNG cut in half", "truncated")
    corrupt = bytearray(ok_jpg)
    for i in range(200, len(corrupt) - 2, 7):
        corrupt[i] = 0xFF
    add(
        "corrupt.jpg",
        bytes(corrupt[:400]) + b"\x00" * 64 + b"\xff\xd9",
        "image/jpeg",
        "error",
        "JPEG header then garbage",
        "could not be decoded|corrupt",
    )
    add(
        "not_an_image.jpg",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        "image/jpeg",
        "error",
        "a PDF named .jpg",
        "PDF",
    )
    add(
        "notes.txt",
        b"hello, this is not an image\n",
        "text/plain",
        "error",
        "a text file",
        "not an image|neither an image",
    )
    b = io.BytesIO()
    scene(64, 48).save(b, "TIFF", compression="tiff_deflate")
    add("photo.tiff", b.getvalue(), "image/tiff", "error", "TIFF (Chromium cannot decode it)", "TIFF")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    add("photo.heic", heic, "image/heic", "error", "HEIC header (Chromium cannot decode it)", "HEIC")
    add("empty.png", b"", "image/png", "error", "zero bytes", "empty")

    for name, data in files.items():
        (OUT / name).write_bytes(data)
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(files)} files, {sum(map(len, files.values()))} bytes to {OUT}")


def png16_rgb(w: int, h: int, raw: bytes) -> bytes:
    import struct
    import zlib

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + raw[y * w * 6 : (y + 1) * w * 6] for y in range(h))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    main()
