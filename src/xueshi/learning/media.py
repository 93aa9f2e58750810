"""Serving a lesson's file with HTTP range requests (RFC 9110 §14), so a player can seek.

One range per request (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``); a header that asks for
several, or is malformed, is ignored and the whole file sent (the RFC allows it); a range
that starts past the end is answered 416 with the file's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from django.http import HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


class Unsatisfiable(Exception):
    pass


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte a Range header asks for, or None: the whole
    file. Raises ``Unsatisfiable`` for a range wholly past the end."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None or size <= 0:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # the last n bytes
        count = int(last_text)
        if count == 0:
            raise Unsatisfiable
        return max(size - count, 0), size - 1
    first = int(first_text)
    if first >= size:
        raise Unsatisfiable
    last = int(last_text) if last_text else size - 1
    if last < first:
        return None
    return first, min(last, size - 1)


def _read(handle: BinaryIO, first: int, last: int) -> Iterator[bytes]:
    try:
        handle.seek(first)
        left = last - first + 1
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def ranged_response(
    handle: BinaryIO, *, size: int, content_type: str, range_header: str
) -> tuple[HttpResponse | StreamingHttpResponse, int]:
    """The response, and the last byte it sends (-1: none)."""
    try:
        wanted = byte_range(range_header, size)
    except Unsatisfiable:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return refused, -1
    first, last = wanted if wanted is not None else (0, size - 1)
    response = StreamingHttpResponse(
        _read(handle, first, last), status=206 if wanted else 200, content_type=content_type
    )
    response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return response, last
