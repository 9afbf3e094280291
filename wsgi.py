"""The WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:app`, and what `flask run`
finds by itself.

A broken content file or setting stops start-up with one message, not a traceback.
Exit status 3 is gunicorn's "worker failed to boot": gunicorn then stops instead of
respawning workers that can only fail the same way.

The one exception is `flask articles ...`: the editors' commands must run on broken
content (to check it, or to import an article while another file is being fixed), so
they get an app without the all-or-nothing store check and read the files themselves.
"""
import sys

from app import create_app
from app.cli import editors_command_requested
from app.config import ConfigError
from app.content import ContentErrors

try:
    app = create_app(strict_content=not editors_command_requested())
except (ContentErrors, ConfigError) as error:
    print(f"The site cannot start:\n{error}", file=sys.stderr)
    raise SystemExit(3) from None
