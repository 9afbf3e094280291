"""The project's tools, in one package, each run from the project root as a module:

    python3 -m tools.lighthouse              # Lighthouse scores (tools/lighthouse.py)
    python3 -m tools.bench.compare           # the site beside its ceilings (wrk)
    python3 -m tools.bench.inprocess         # µs per request, in one process
    python3 -m tools.bench.scale             # start-up, memory and latency by size
    python3 -m tools.bench.load              # load, reload and crash under load
    python3 -m tools.bench.crawl             # a crawler's rounds over a large site
    python3 -m tools.bench.cachebust         # getting past nginx's cache (query, encoding)
    python3 -m tools.bench.accept_encoding   # worker memory under odd Accept-Encoding headers
    python3 -m tools.slowloris               # slow clients against nginx or gunicorn
    node tools/observatory.mjs HOST PORT     # MDN's HTTP Observatory grade

tools/servers.py starts and stops every real server, for these tools and the tests.
"""

# The seed article (content/articles/), a real published page: the page the tools
# measure and the tests read.
SEED_SLUG = "le-drian-carter-other-ministers-to-discuss-isis-strategy"
# The shipped article with a lead picture (a NASA photograph): the page the tools and
# tests measure for pictures.
PICTURE_SLUG = "eileen-collins-first-woman-to-command-a-space-shuttle"
