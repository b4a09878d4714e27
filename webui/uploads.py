"""Uploads streamed straight into the store: one write of each byte.

Werkzeug's form parser writes each file part into what the request's `_get_file_stream`
gives; by default a temporary file, which a service would then copy into the store (two
writes, and a 500 MB upload read twice). For the endpoints marked `@streamed`, this
request class gives a `blobs.Writer` instead: the part is hashed and written once into the
store's temporary file, and the view hands it to the service (`nodes.add_file`), which
places it under its content's name or drops it. Whatever the request ends with (an error,
a refusal, a cut connection), closing the request discards what was not placed.

The same endpoints take a body up to `files.max_upload_mb` (plus the form's few fields);
beyond it the body is refused before it is read (413).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Request, current_app
from werkzeug.formparser import FormDataParser, MultiPartParser

from appliance import blobs

MB = 1024 * 1024
# The form's other fields and the multipart framing, beside the file.
FORM_MARGIN = 1 * MB

STREAMED: set[str] = set()


def streamed(endpoint: str) -> Callable[[Any], Any]:
    """Mark the view of `endpoint` ("files.upload") as one whose file parts are streamed
    into the store."""

    def mark(view):
        STREAMED.add(endpoint)
        return view

    return mark


def max_upload_bytes() -> int:
    return int(current_app.extensions["cartable.box"].config["files.max_upload_mb"]) * MB


# Werkzeug's parser copies each chunk three or four times (into its buffer, slices, bytes):
# at 256 KB those copies stay in the CPU's cache. The parsing alone of 200 MB
# (tests/bench/upload_stages.py): 64 KB 0.23 s, 256 KB 0.15 s, 1 MB 0.67 s; a whole upload
# through the app gains less than the machine's noise (docs/benchmarks.md, files).
PARSE_CHUNK = 256 * 1024


class _LargeChunkParser(FormDataParser):
    """Werkzeug's parser, reading the body 256 KB at a time instead of 64 KB."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = MultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
            buffer_size=PARSE_CHUNK,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class StreamingRequest(Request):
    """The portal's request: file parts of the `STREAMED` endpoints go to a blobs.Writer."""

    def _streams(self) -> bool:
        return self.endpoint in STREAMED

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        if self._max_content_length is None and self._streams():
            return max_upload_bytes() + FORM_MARGIN
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def make_form_data_parser(self) -> FormDataParser:
        if not self._streams():
            return super().make_form_data_parser()
        return _LargeChunkParser(
            stream_factory=self._get_file_stream,
            # The parser's buffer holds a chunk: it must fit (the fields are a few bytes).
            max_form_memory_size=max(self.max_form_memory_size or 0, 2 * PARSE_CHUNK),
            max_content_length=self.max_content_length,
            max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class,
        )

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ):
        if not self._streams():
            return super()._get_file_stream(
                total_content_length, content_type, filename, content_length
            )
        files_dir = current_app.extensions["cartable.box"].config.files_dir
        writer = blobs.Writer(files_dir, max_bytes=max_upload_bytes(), field="file")
        # Kept here too: a part cut half-way never reaches `files`, yet its temporary
        # file must go with the request.
        self.__dict__.setdefault("_cartable_writers", []).append(writer)
        return writer

    def close(self) -> None:
        """The request is over: what was streamed and not placed in the store is removed."""
        try:
            super().close()
        finally:
            for writer in self.__dict__.get("_cartable_writers", ()):
                writer.discard()


def writers(name: str = "file") -> list[tuple[str, blobs.Writer]]:
    """The (file name, writer) of each file part `name` of a streamed request; parts with
    no file chosen are dropped."""
    from flask import request

    out = []
    for part in request.files.getlist(name):
        stream = part.stream
        if not isinstance(stream, blobs.Writer):
            raise TypeError("not a streamed upload endpoint")
        if not part.filename and stream.size == 0:
            stream.discard()
            continue
        out.append((part.filename or "", stream))
    return out
