"""The framework's ceiling: a Flask app that returns constant bytes and nothing else.

Served by gunicorn with the site's own settings, it shows the most any Flask view can
do on this machine; the site's pages are measured against it. The bytes are those of
the benchmarked article (file named by CEILING_BODY), so both send the same amount.

/with-headers returns the same bytes with the site's own headers (a JSON list of pairs
in the file named by CEILING_HEADERS), built the ordinary Flask way: it shows what those
headers cost, which the bare ceiling does not pay.
"""
import json
import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["CEILING_BODY"]).read_bytes() if "CEILING_BODY" in os.environ else (
    b"<!doctype html><title>x</title>" + b"x" * 6500)

HEADERS = ([tuple(pair) for pair in json.loads(Path(os.environ["CEILING_HEADERS"]).read_text())]
           if "CEILING_HEADERS" in os.environ else [])

app = Flask(__name__)


@app.get("/")
def constant():
    return BODY


@app.get("/with-headers")
def constant_with_headers():
    return Response(BODY, headers=HEADERS)
