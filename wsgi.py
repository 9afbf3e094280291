"""The WSGI entry point: `gunicorn wsgi:app`, and what `flask run` finds by itself."""
from app import create_app

app = create_app()
