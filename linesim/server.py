"""Serve the app: one process (state is in memory), many threads, HTTP/1.1 keep-alive.

Waitress rather than werkzeug's server: werkzeug closes every connection after one
response, and reconnecting on each call would dominate the cost of a benchmark.
"""

from waitress.server import create_server

# Long-polling inbox readers each hold a thread, so leave plenty for API traffic.
THREADS = 32
CONNECTION_LIMIT = 1000


def serve(app, host, port, on_ready=print):
    server = create_server(app, host=host, port=port, threads=THREADS,
                           connection_limit=CONNECTION_LIMIT, channel_timeout=300,
                           clear_untrusted_proxy_headers=True, ident="linesim")
    on_ready(f"linesim listening on http://{host}:{server.effective_port}")
    server.run()
