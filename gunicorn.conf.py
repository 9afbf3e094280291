"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Command-line options and GUNICORN_CMD_ARGS override these
(`gunicorn -c gunicorn.conf.py -w 4 wsgi:app`).
"""
import ipaddress
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import traceback

from gunicorn import glogging

# The private networks (RFC 1918, and IPv6's unique local addresses) a host may listen on
# when a front nginx on another machine spreads requests over several hosts.
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def loopback_only(address: str, private_network: bool = False) -> str:
    """`address` if it is a loopback address or a unix socket (or, with `private_network`,
    an address on a private network); else stop with why.

    Sync workers read a request's headers themselves, so a handful of clients sending
    theirs a line at a time hold every worker and the site answers no one (slowloris:
    16 slow connections, no answer to 22 probes in 70 s; docs/deployment.md). nginx in
    front reads whole requests before gunicorn sees them: gunicorn is never public. Several
    hosts behind one nginx (docs/deployment.md, "Several hosts") listen on a private
    address that only that nginx may reach (the firewall's job), by the operator's explicit
    GUNICORN_PRIVATE_NETWORK=1.
    """
    if address.startswith(("unix:", "fd://")):
        return address
    host = address.rpartition(":")[0].strip("[]") if ":" in address else address
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if host == "localhost" or (ip is not None and ip.is_loopback):
        return address
    if private_network and ip is not None and any(ip in net for net in PRIVATE_NETWORKS
                                                  if net.version == ip.version):
        return address
    raise SystemExit(
        f"GUNICORN_BIND={address!r}: gunicorn listens on loopback (127.0.0.1:PORT) or "
        "a unix socket (unix:/run/article-site/gunicorn.sock) only, behind nginx; its "
        "sync workers are held by slow clients (docs/deployment.md)"
        + ("" if private_network else "; a host behind a front nginx on another machine "
           "may listen on a private address with GUNICORN_PRIVATE_NETWORK=1"))


PRIVATE_NETWORK = os.environ.get("GUNICORN_PRIVATE_NETWORK", "0")
if PRIVATE_NETWORK not in ("0", "1"):
    raise SystemExit(f"GUNICORN_PRIVATE_NETWORK={PRIVATE_NETWORK!r}: 1 or 0 (the default)")

# Loopback by default: the public side is nginx (deploy/nginx.conf). GUNICORN_BIND
# changes it to another loopback port or a unix socket (unix:/run/article-site/gunicorn.sock),
# never a public address; with GUNICORN_PRIVATE_NETWORK=1, to a private-network address
# for a front nginx on another machine (docs/deployment.md, "Several hosts").
bind = loopback_only(os.environ.get("GUNICORN_BIND", "127.0.0.1:8000"),
                     PRIVATE_NETWORK == "1")

# No preload_app: each worker loads the content itself, so a HUP (graceful reload)
# starts workers that read content/ afresh and serve any new article.
preload_app = False


# What on_reload runs: app/compiled.py's main(), in a process of its own (the master never
# imports the app).
COMPILE_AHEAD = [sys.executable, "-c", "from app.compiled import main; raise SystemExit(main())"]


def on_reload(server):
    """On HUP, before the new workers start: compile the content (app/compiled.py) while
    the old workers keep serving, so the new workers only open the compiled file; then
    keep the old workers until all the new ones are ready (hold_old_workers)."""
    compile_ahead(server)
    hold_old_workers(server)


def compile_ahead(server) -> None:
    began = time.monotonic()
    try:
        done = subprocess.run(COMPILE_AHEAD, cwd=server.cfg.chdir, timeout=3600, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        server.log.warning("content not compiled ahead of the reload: %s", error)
        return
    if done.returncode:
        server.log.warning("content not compiled ahead of the reload (exit %s): the new "
                           "workers will say why", done.returncode)
    else:
        server.log.info("content compiled ahead of the reload in %.1f s",
                        time.monotonic() - began)


# New workers that have loaded the app since the last HUP: a counter in memory shared
# with the workers (they are forked after on_reload, and post_worker_init counts).
READY: dict = {}
# How long a new worker that is ready waits for the others before it serves anyway.
SWITCH_WAIT_S = 20


def hold_old_workers(server) -> None:
    """Keep the old workers serving until all the new ones are ready, then switch at once.

    gunicorn's HUP starts the new workers and stops the old ones at once, so for a new
    worker's start (seconds at 100,000 articles, more on a busy machine) no one accepts
    and requests wait in the listen queue: wrk saw 16 of 310,891 wait past 5 s. Here the
    master's worker count stays doubled while new workers are loading (so gunicorn stops
    no old one); the new ones wait for each other (post_worker_init), and the last one
    wakes the master, which stops the old ones: readers get the old site, then the new.
    """
    ready = getattr(server, "rollover_ready", None)
    if ready is None:
        ready = server.rollover_ready = multiprocessing.Value("i", 0)
    with ready.get_lock():
        ready.value = 0
    READY["counter"] = ready

    def manage_workers() -> None:
        loading = ready.value < server.cfg.workers
        server.num_workers = server.cfg.workers * (2 if loading else 1)
        if not loading:  # gunicorn's own again (TTIN and TTOU work as before)
            del server.manage_workers
        type(server).manage_workers(server)

    server.manage_workers = manage_workers


def post_worker_init(worker) -> None:
    """A worker has loaded the app; after a HUP, it waits for the other new ones
    (hold_old_workers), and the last one wakes the master at once (SIGCHLD, which makes
    it reap and look at its workers) instead of at its next turn, up to a second later."""
    ready = READY.get("counter")
    if ready is None:
        return
    wanted = worker.cfg.workers
    with ready.get_lock():
        ready.value += 1
        last = ready.value == wanted
    if last:
        os.kill(worker.ppid, signal.SIGCHLD)
    deadline = time.monotonic() + SWITCH_WAIT_S
    while ready.value < wanted and time.monotonic() < deadline:
        time.sleep(0.01)


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

# Recycle each worker after this many requests (jittered by up to half, so they do not
# all restart at once): bounds the damage of any slow leak. Not more often: a worker's
# start takes seconds on a large site and empties its page cache; at 10,000 (+ up to
# 1,000) the four workers of a 100,000-article site under wrk restarted every few
# seconds, all at once now and then, and 16 requests waited past 5 s.
max_requests = 100_000
max_requests_jitter = 50_000

# Each worker's heartbeat is a file gunicorn touches every few seconds; on a disk busy
# writing (a large build of the compiled content fsyncing gigabytes) a touch can wait
# past `timeout` and the master kills a healthy worker. gunicorn's documentation advises
# a memory-backed folder for it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Logs to stdout/stderr, for the service manager or container runtime to collect.
accesslog = "-"
errorlog = "-"


class AccessLogger(glogging.Logger):
    """gunicorn's logger, writing its default access log line (Apache's Combined format,
    the same bytes) without gunicorn's way there: for each request it builds a dictionary
    of every request header, response header and WSGI environ variable (`atoms`), a copy
    escaping each, then formats four of them. That was a good part of what the site's
    headers appeared to cost (docs/performance.md). Any other access_log_format is written
    by gunicorn itself, as before."""

    def access(self, resp, req, environ, request_time):
        if (self.cfg.access_log_format != COMBINED or self.cfg.logconfig
                or self.cfg.logconfig_dict or self.cfg.logconfig_json or self.cfg.syslog
                or not self.cfg.accesslog):
            return super().access(resp, req, environ, request_time)
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        user = self._get_user(environ) if "HTTP_AUTHORIZATION" in environ else None
        request = f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}"
        host, user, now, request, status, sent, referer, agent = (
            field.replace('"', '\\"') if isinstance(field, str) else field
            for field in (environ.get("REMOTE_ADDR", "-"), user or "-", self.now(), request,
                          status, "-" if sent is None else str(sent),
                          environ.get("HTTP_REFERER", "-"), environ.get("HTTP_USER_AGENT", "-")))
        line = f'{host} - {user} {now} "{request}" {status} {sent} "{referer}" "{agent}"'
        try:
            self.access_log.info(line)
        except Exception:  # noqa: BLE001 (as gunicorn: a log line never fails a request)
            self.error(traceback.format_exc())


COMBINED = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
logger_class = AccessLogger

# gunicorn itself trusts no X-Forwarded-* header: the app's ProxyFix, configured by
# FLASK_PROXY_COUNT (1 behind nginx), is the one place that reads them.
forwarded_allow_ips = ""
# --- end of hardening ----------------------------------------------------------------
