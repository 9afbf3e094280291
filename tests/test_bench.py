"""The benchmark's reading of wrk's report: a misread unit would make every figure wrong."""
import pytest

from tools.bench import wrk

REPORT = """\
Running 5s test @ http://127.0.0.1:8000/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms    1.07ms  31.91ms   91.22%
    Req/Sec     7.75k   459.19     8.24k    86.00%
  Latency Distribution
     50%  850.00us
     75%    2.20ms
     90%    2.61ms
     99%    1.20s
  38560 requests in 5.00s, 519.51MB read
  Non-2xx or 3xx responses: 12
Requests/sec:   7709.88
Transfer/sec:    103.88MB
"""


def test_reads_rate_percentiles_and_errors():
    result = wrk.parse(REPORT)
    assert result.requests_per_s == pytest.approx(7709.88)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)
    assert result.requests == 38560
    assert "Non-2xx or 3xx responses: 12" in result.errors


def test_clean_report_has_no_errors():
    assert wrk.parse(REPORT.replace("  Non-2xx or 3xx responses: 12\n", "")).errors == ""


def test_unreadable_report_is_an_error():
    with pytest.raises(ValueError):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_refuses_anything_but_loopback():
    with pytest.raises(ValueError):
        wrk.run("http://example.org/", 1)
