"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Command-line options and GUNICORN_CMD_ARGS override these
(`gunicorn -c gunicorn.conf.py -w 4 wsgi:app`).
"""
import os

# Loopback by default: the public side is nginx (deploy/nginx.conf). GUNICORN_BIND
# changes it, e.g. GUNICORN_BIND=0.0.0.0:8000 in a container, or unix:/run/site.sock.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# No preload_app: each worker loads the content itself, so a HUP (graceful reload)
# starts workers that read content/ afresh and serve any new article.
preload_app = False

# Sync workers, two per core: they answer and close, so a graceful reload (HUP) or a
# worker's recycling loses no request, and nginx in front keeps client connections alive
# and buffers slow clients, the setup gunicorn's docs recommend for sync workers. The
# measurements behind this choice (gthread was faster under wrk but lost requests on
# reload): docs/deployment.md, "Why sync workers".
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1))))

# --- Hardening (security / robustness) -------------------------------------------
# A request that takes longer than this is stuck: the worker is killed and replaced.
# Pages are rendered once and then served from memory in well under a second.
timeout = 30
# On HUP or TERM, workers finish what they are serving for up to this long.
graceful_timeout = 20

# Request size limits: the site's URLs are short and it takes no request bodies.
# Anything larger is refused by gunicorn with a 400 before it reaches the app.
limit_request_line = 4094          # bytes in "GET /path?query HTTP/1.1"
limit_request_fields = 50          # number of headers
limit_request_field_size = 8190    # bytes in one header

# Recycle each worker after this many requests (jittered so they do not all restart
# at once): bounds the damage of any slow leak without a visible pause.
max_requests = 10000
max_requests_jitter = 1000

# Logs to stdout/stderr, for the service manager or container runtime to collect.
accesslog = "-"
errorlog = "-"

# gunicorn itself trusts no X-Forwarded-* header: the app's ProxyFix, configured by
# FLASK_PROXY_COUNT (1 behind nginx), is the one place that reads them.
forwarded_allow_ips = ""
# --- end of hardening ----------------------------------------------------------------
