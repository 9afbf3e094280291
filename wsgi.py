"""The WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:app`, and what `flask run`
finds by itself.

A broken content file or setting stops start-up with one message, not a traceback.
Exit status 3 is gunicorn's "worker failed to boot": gunicorn then stops instead of
respawning workers that can only fail the same way. (`flask articles ...` never comes
here: the editors' commands read the files themselves; see app/cli.py.)
"""
import sys

from app import create_app
from app.config import ConfigError
from app.content import ContentErrors
from app.search import SearchIndexError

try:
    app = create_app()
except (ContentErrors, ConfigError, SearchIndexError) as error:
    print(f"The site cannot start:\n{error}", file=sys.stderr)
    raise SystemExit(3) from None
