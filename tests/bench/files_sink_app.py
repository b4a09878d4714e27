"""The network path's reference for the files benchmark: a bare Flask app under waitress
with the portal's settings, that reads an upload's body and drops it (`POST /sink`) and
sends a file from the disk (`GET /file`). What it costs is what any upload or download
through waitress costs, before Cartable does anything."""

import sys

from flask import Flask, request, send_file
from waitress import serve

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
    return send_file(FILE, mimetype="application/octet-stream", as_attachment=True)


if __name__ == "__main__":
    serve(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        threads=int(sys.argv[2]),
        connection_limit=int(sys.argv[3]),
        _quiet=True,
    )
