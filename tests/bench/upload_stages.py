"""Where the time of a 200 MB upload goes (issue 14), each stage alone, in one process, on
the disk of the store (`BENCH_DIR`, default /var/tmp), page cache flushed before each:

- the references: `cp` of the file, `cp` then fsync of the copy;
- waitress's part before the app runs: it receives the whole body before calling the app,
  spooling it past `inbuf_overflow` (512 KB) into a temporary file (in TMPDIR), which the
  app then reads back (`spool`: that write and read alone, no network);
- werkzeug's multipart parsing of the body at several read sizes, into a sink that drops
  the part (`webui.uploads.PARSE_CHUNK` is the chosen one);
- SHA-256 alone, the write and its fsync alone, both together (what `blobs.Writer`'s thread
  does), and the whole of `blobs.Writer` fed by the parser (`webui.uploads`'s path without
  Flask and the database).

Run: .venv/bin/python -m tests.bench.upload_stages [--mb 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

MB = 1024 * 1024


class _Drop:
    def write(self, b) -> int:
        return len(b)

    def seek(self, *a) -> int:
        return 0


def main(argv=None) -> dict:
    from werkzeug.formparser import MultiPartParser

    from appliance import blobs
    from webui import uploads

    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    base = Path(tempfile.mkdtemp(dir=os.environ.get("BENCH_DIR", "/var/tmp")))
    try:
        big, body = base / "big.bin", base / "body.bin"
        with open(big, "wb") as fh:
            for _ in range(args.mb):
                fh.write(os.urandom(MB))
        boundary = uuid.uuid4().hex
        with open(body, "wb") as out, open(big, "rb") as fh:
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                      'filename="v.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
                      .encode())  # fmt: skip
            shutil.copyfileobj(fh, out, MB)
            out.write(f"\r\n--{boundary}--\r\n".encode())
        size = body.stat().st_size

        def cp(sync: bool):
            def run():
                subprocess.run(["cp", str(big), str(base / "copy.bin")], check=True)
                if sync:
                    fd = os.open(base / "copy.bin", os.O_RDONLY)
                    os.fsync(fd)
                    os.close(fd)

            return run

        def spool():
            with tempfile.TemporaryFile() as tmp, open(body, "rb") as fh:
                while chunk := fh.read(8192 * 8):
                    tmp.write(chunk)
                tmp.seek(0)
                while tmp.read(MB):
                    pass

        def sha():
            h = hashlib.sha256()
            with open(big, "rb") as fh:
                while chunk := fh.read(MB):
                    h.update(chunk)

        def write(hashing: bool):
            def run():
                h = hashlib.sha256()
                with open(big, "rb") as fh, open(base / "w.bin", "wb") as out:
                    while chunk := fh.read(MB):
                        if hashing:
                            h.update(chunk)
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())

            return run

        def parse(chunk: int, into_store: bool):
            def run():
                made = []

                def factory(*_a, **_k):
                    w = blobs.Writer(base, max_bytes=2 * size) if into_store else _Drop()
                    made.append(w)
                    return w

                parser = MultiPartParser(stream_factory=factory, buffer_size=chunk,
                                         max_form_memory_size=max(4 * MB, 2 * chunk))  # fmt: skip
                with open(body, "rb") as fh:
                    parser.parse(fh, boundary.encode(), size)
                if into_store:
                    made[0].place()

            return run

        stages = {
            "cp": cp(False),
            "cp_fsync": cp(True),
            "waitress_spool_write_read": spool,
            **{f"parse_{k}k": parse(k * 1024, False) for k in (64, 256, 1024)},
            "sha256": sha,
            "write_fsync": write(False),
            "sha256_write_fsync": write(True),
            f"parse_{uploads.PARSE_CHUNK // 1024}k_into_blobs_writer": parse(
                uploads.PARSE_CHUNK, True
            ),
        }
        runs: dict[str, list[float]] = {k: [] for k in stages}
        for _ in range(args.rounds):
            for name, run in stages.items():
                os.sync()
                start = time.perf_counter()
                run()
                runs[name].append(time.perf_counter() - start)
        result = {
            "mb": args.mb,
            "rounds": args.rounds,
            "median_s": {k: round(statistics.median(v), 3) for k, v in runs.items()},
            "all_s": {k: [round(x, 3) for x in v] for k, v in runs.items()},
            "load_average_1min": os.getloadavg()[0],
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
