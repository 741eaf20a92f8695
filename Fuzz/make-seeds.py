#!/usr/bin/env python3
"""Writes the binary seed inputs of the fuzz harnesses into DIR/<harness>/ (data files are made, not
committed): small valid safetensors files, a tar and a tar.gz of a PNG image folder, two CIFAR
records, a PNG and a minimal JPEG. Text seeds (YAML) are committed in Fuzz/Corpus/."""
import gzip, io, json, os, struct, sys, tarfile, zlib

out = sys.argv[1]


def write(harness, name, data):
    os.makedirs(os.path.join(out, harness), exist_ok=True)
    with open(os.path.join(out, harness, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    header, data = ({"__metadata__": metadata} if metadata else {}), b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def png(width, height):
    rows = b"".join(b"\x00" + bytes((x * 90 + y * 40) % 256 for x in range(width) for _ in range(3)) for y in range(height))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


write("safetensors", "two.safetensors", safetensors(
    {"w": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)), "n": ("I64", [], struct.pack("<q", 391))}, {"format": "pt"}))
write("safetensors", "half.safetensors", safetensors(
    {"h": ("F16", [3], struct.pack("<3H", 0x3C00, 0x4000, 0x7C00)), "b": ("BF16", [1], struct.pack("<H", 0x3F80))}))
image = png(4, 4)
write("image", "a.png", image)
write("image", "b.jpg", bytes([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes([0xFF, 0xD9]))
archive = io.BytesIO()
with tarfile.open(fileobj=archive, mode="w") as tar:
    for split in ["train", "test"]:
        for label in ["cat", "dog"]:
            info = tarfile.TarInfo(f"{split}/{label}/x.png")
            info.size = len(image)
            tar.addfile(info, io.BytesIO(image))
write("tar", "images.tar", archive.getvalue())
write("gzip", "images.tar.gz", gzip.compress(archive.getvalue(), mtime=0))
write("cifar", "two.bin", bytes([3]) + bytes(range(256)) * 12 + bytes([7]) + bytes(3072))
