"""The reference: a bare Flask "hello" app under waitress with the portal's settings."""

import sys

from flask import Flask
from waitress import serve

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"


if __name__ == "__main__":
    serve(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        threads=int(sys.argv[2]),
        connection_limit=int(sys.argv[3]),
        _quiet=True,
    )
