"""The network path's reference for the files benchmark: a bare Flask app under waitress
with the portal's settings, that reads an upload's body and drops it (`POST /sink`) and
sends a file from the disk (`GET /file`, or `/file?path=P`). What it costs is what any
upload or download through waitress costs, before Cartable does anything.

Run: `python -m tests.bench.files_sink_app PORT THREADS CONNECTION_LIMIT FILE [CPUS]`, CPUS
the product's `web.cpus` (default its default), applied as `cartable serve` applies it."""

import sys

from flask import Flask, request, send_file
from waitress import serve

from appliance.cli.run import pin_cpus
from tests.bench.common import web_cpus_default

app = Flask(__name__)
FILE = sys.argv[4] if len(sys.argv) > 4 else ""


@app.route("/")
def hello():
    return "hello"


@app.route("/sink", methods=["POST"])
def sink():
    total = 0
    while True:
        chunk = request.stream.read(1024 * 1024)
        if not chunk:
            break
        total += len(chunk)
    return str(total)


@app.route("/file")
def file():
    # `path`: another file to send (the store's copy of an upload); a loopback bench only.
    return send_file(
        request.args.get("path") or FILE, mimetype="application/octet-stream", as_attachment=True
    )


if __name__ == "__main__":
    pin_cpus(sys.argv[5] if len(sys.argv) > 5 else web_cpus_default())
    serve(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        threads=int(sys.argv[2]),
        connection_limit=int(sys.argv[3]),
        _quiet=True,
    )
