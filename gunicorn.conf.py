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

# --- Throughput: worker model, chosen by measurement (tools/bench/compare.py) ----------
# On this 2-core machine, wrk -t1 -c16 against a Flask view returning the article's bytes
# (the same as the site's article page once it is pre-rendered), median of 3 x 5 s on a
# quiet machine (shared/guides/benchmarking.md):
#   sync    -w 2              ~7,700 req/s  p50 2.0 ms  p99 2.9 ms  (no keep-alive)
#   sync    -w 4              ~8,000 req/s  p50 1.9 ms  p99 3.0 ms
#   gthread -w 2 --threads 4 ~10,400 req/s  p50 1.5 ms  p99 6.5 ms
# and here, under heavy load from other jobs, median of 2 x 4 s (ceiling / site article):
#   sync    -w 2              2,700 / 3,500     sync    -w 4              2,100 / 2,600
#   gthread -w 2 --threads 4  3,400 / 3,000     gthread -w 4 --threads 2  3,200 / 1,700
# gthread leads because it keeps connections alive, but that is also its flaw here: on a
# HUP or a worker's recycling (max_requests), a request sent on an idle kept-alive
# connection as the worker closes it is lost (tools/bench/load.py, 30 s at saturation: gthread
# 2x4 lost 118 requests to one HUP and 140 to max_requests; sync lost none, and none
# through nginx). Sync workers answer and close, so a graceful reload loses nothing; in
# production nginx in front keeps the client connections alive and buffers slow clients,
# which is the setup gunicorn's docs recommend for sync workers. Two per core: a worker
# blocked on a slow write leaves the core to another, and each costs ~40 MiB.
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1))))
# --- end of throughput settings --------------------------------------------------------

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
