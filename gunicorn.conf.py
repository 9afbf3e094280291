"""gunicorn settings for the site: `gunicorn -c gunicorn.conf.py wsgi:app`."""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
