"""Read the pixel size of a PNG or JPEG without an imaging library."""

import struct

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8"
# Start-of-frame markers carry the size; C4/C8/CC are other segments with the same prefix.
JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def image_size(data, content_type):
    """(width, height) if `data` really is the declared PNG/JPEG, else None."""
    if content_type == "image/png" and data.startswith(PNG_SIGNATURE) and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if content_type == "image/jpeg" and data.startswith(JPEG_START):
        return _jpeg_size(data)
    return None


def _jpeg_size(data):
    offset = 2
    while offset + 9 <= len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        length = struct.unpack(">H", data[offset + 2:offset + 4])[0]
        if marker in JPEG_FRAME_MARKERS:
            height, width = struct.unpack(">HH", data[offset + 5:offset + 9])
            return width, height
        offset += 2 + length
    return None
