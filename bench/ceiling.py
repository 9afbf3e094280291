"""The framework's ceiling: a Flask app that returns constant bytes and nothing else.

Served by gunicorn with the site's own settings, it shows the most any Flask view can
do on this machine; the site's pages are measured against it. The bytes are those of
the benchmarked article (file named by CEILING_BODY), so both send the same amount.
"""
import os
from pathlib import Path

from flask import Flask

BODY = Path(os.environ["CEILING_BODY"]).read_bytes() if "CEILING_BODY" in os.environ else (
    b"<!doctype html><title>x</title>" + b"x" * 6500)

app = Flask(__name__)


@app.get("/")
def constant():
    return BODY
