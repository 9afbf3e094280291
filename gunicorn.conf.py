"""gunicorn settings for the site: `gunicorn -c gunicorn.conf.py wsgi:app`.

Command-line options override these (`gunicorn -c gunicorn.conf.py -w 4 wsgi:app`).
There is deliberately no `preload_app`: each worker loads the content itself, so
`kill -HUP <master>` starts fresh workers that read the content files again.
"""
import os

# Where to listen: loopback by default; behind a proxy set e.g. GUNICORN_BIND=0.0.0.0:8000
# or GUNICORN_BIND=unix:/run/site.sock.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# --- Throughput: worker model, chosen by measurement (bench/compare.py) ----------------
# On this 2-core machine, wrk -t1 -c16 against a Flask view returning the article's bytes
# (the same as the site's article page once it is pre-rendered), median of 3 x 5 s on a
# quiet machine (shared/guides/benchmarking.md):
#   sync    -w 2              ~7,700 req/s  p50 2.0 ms  p99 2.9 ms  (no keep-alive)
#   sync    -w 4              ~8,000 req/s  p50 1.9 ms  p99 3.0 ms
#   gthread -w 2 --threads 4 ~10,400 req/s  p50 1.5 ms  p99 6.5 ms
# and here, under heavy load from other jobs, median of 2 x 4 s (ceiling / site article):
#   sync    -w 2              2,700 / 3,500     sync    -w 4              2,100 / 2,600
#   gthread -w 2 --threads 4  3,400 / 3,000     gthread -w 4 --threads 2  3,200 / 1,700
# gthread keeps connections alive (sync closes each one), which is most of its lead; one
# worker per core is enough because pages are pre-rendered bytes and the GIL lets one
# thread run at a time; four threads cover slow clients without queueing behind them,
# more only raise p99. keepalive=5 s holds a browser's or proxy's connection between the
# page and its script without tying threads up for long.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
# --- end of throughput settings --------------------------------------------------------
