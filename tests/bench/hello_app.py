"""The reference: a bare Flask "hello" app under waitress with the portal's settings.

Run: `python -m tests.bench.hello_app PORT THREADS CONNECTION_LIMIT [CPUS]`. The threads
and the connection limit are given by each benchmark (the product's `web.threads` and
`web.connection_limit`); CPUS is the product's `web.cpus` (default its default, "auto":
one core, as `cartable serve` runs), applied the same way, by the same function."""

import sys

from flask import Flask
from waitress import serve

from appliance.cli.run import pin_cpus
from tests.bench.common import web_cpus_default

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"


if __name__ == "__main__":
    pin_cpus(sys.argv[4] if len(sys.argv) > 4 else web_cpus_default())
    serve(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        threads=int(sys.argv[2]),
        connection_limit=int(sys.argv[3]),
        _quiet=True,
    )
