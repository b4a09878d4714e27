"""The streaming writer of the store (`blobs.Writer`): hashed and written once, on a second
thread past a few MB; nothing left behind when it overflows or is discarded."""

import hashlib
import os

import pytest

from appliance import blobs


def _chunks(data: bytes, size: int = 256 * 1024):
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_a_large_content_is_hashed_and_written_on_its_thread(tmp_path):
    data = os.urandom(9 * 1024 * 1024 + 123)
    writer = blobs.Writer(tmp_path, max_bytes=len(data))
    for chunk in _chunks(data):
        writer.write(chunk)
    assert writer._thread is not None  # past PIPELINE_AFTER
    blob = writer.place()
    assert blob.sha256 == hashlib.sha256(data).hexdigest() and blob.size == len(data)
    assert blobs.path_of(tmp_path, blob.sha256).read_bytes() == data
    assert not list(blobs.root(tmp_path).glob(".tmp-*"))


@pytest.mark.parametrize("size", [1000, 6 * 1024 * 1024])
def test_an_overflow_or_a_discard_leaves_nothing(tmp_path, size):
    data = os.urandom(size)
    writer = blobs.Writer(tmp_path, max_bytes=size - 1)
    for chunk in _chunks(data):
        writer.write(chunk)
    assert writer.overflowed
    with pytest.raises(blobs.TooLarge):
        writer.finish()
    other = blobs.Writer(tmp_path, max_bytes=size)
    for chunk in _chunks(data):
        other.write(chunk)
    other.close()  # a request ending before the content was placed
    assert [p for p in blobs.root(tmp_path).rglob("*") if p.is_file()] == []


def test_the_same_content_twice_is_one_file(tmp_path):
    for _ in range(2):
        w = blobs.Writer(tmp_path, max_bytes=100)
        w.write(b"%PDF-1.4 same")
        blob = w.place()
    assert blob.mime == "application/pdf"
    assert [p.name for p in blobs.root(tmp_path).rglob("*") if p.is_file()] == [blob.sha256]
