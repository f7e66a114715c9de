"""The v1 key-value API served by cachet-server itself (--http-port): one process, one store,
reachable over RESP and HTTP alike."""
import base64
import json

import pytest
import redis

from support import Cachet, Gateway, free_port, http_request


@pytest.fixture
def server():
    port = free_port()
    with Cachet("--http-port", str(port)) as s:
        s.http_port = port
        yield s


def test_put_get_delete_round_trip(server):
    r, _ = http_request(server.http_port, "PUT", "/v1/kv/user:1", b'{ "name": "ada", "tags": [1, 2] }')
    assert r.status == 204
    r, data = http_request(server.http_port, "GET", "/v1/kv/user:1")
    assert r.status == 200
    assert r.getheader("Content-Type") == "application/json"
    assert json.loads(data) == {"name": "ada", "tags": [1, 2]}
    assert data == b'{"name":"ada","tags":[1,2]}'  # stored minified
    assert r.getheader("Cache-Control") is None  # no TTL
    # the same store over RESP
    rc = redis.Redis(host="127.0.0.1", port=server.port)
    assert rc.get("user:1") == data
    rc.set("from-resp", '{"x":true}')
    assert http_request(server.http_port, "GET", "/v1/kv/from-resp")[1] == b'{"x":true}'
    r, _ = http_request(server.http_port, "DELETE", "/v1/kv/user:1")
    assert r.status == 204
    r, data = http_request(server.http_port, "DELETE", "/v1/kv/user:1")
    assert r.status == 404 and json.loads(data)["error"]["code"] == "not_found"
    r, data = http_request(server.http_port, "GET", "/v1/kv/user:1")
    assert r.status == 404
    assert rc.exists("user:1") == 0


def test_a_key_of_another_type_is_a_conflict_not_an_outage(server):
    rc = redis.Redis(host="127.0.0.1", port=server.port)
    rc.rpush("jobs", "a")
    rc.sadd("tags", "x")
    r, data = http_request(server.http_port, "GET", "/v1/kv/jobs")
    assert r.status == 409 and json.loads(data)["error"]["code"] == "wrong_type"
    r, data = http_request(server.http_port, "POST", "/v1/batch", b'{"get":["tags"]}')
    assert r.status == 409 and json.loads(data)["error"]["code"] == "wrong_type"
    r, _ = http_request(server.http_port, "GET", "/readyz")
    assert r.status == 200  # the cache itself is fine
    assert rc.lrange("jobs", 0, -1) == [b"a"]


def test_ttl_sets_expiry_and_cache_control(server):
    r, _ = http_request(server.http_port, "PUT", "/v1/kv/session?ttl=300", b'"token"')
    assert r.status == 204
    ttl = redis.Redis(host="127.0.0.1", port=server.port).ttl("session")
    assert 290 <= ttl <= 300
    r, _ = http_request(server.http_port, "GET", "/v1/kv/session")
    max_age = int(r.getheader("Cache-Control").split("=")[1])
    assert 290 <= max_age <= 300
    for bad in ("0", "-1", "abc", "1.5", ""):
        r, data = http_request(server.http_port, "PUT", f"/v1/kv/session?ttl={bad}", b"1")
        assert r.status == 400, bad
        assert json.loads(data)["error"]["code"] == "bad_request"


def test_etag_and_if_none_match(server):
    http_request(server.http_port, "PUT", "/v1/kv/doc", b'{"v":1}')
    r, _ = http_request(server.http_port, "GET", "/v1/kv/doc")
    etag = r.getheader("ETag")
    assert etag.startswith('"') and etag.endswith('"')
    r, data = http_request(server.http_port, "GET", "/v1/kv/doc", headers={"If-None-Match": etag})
    assert r.status == 304 and data == b"" and r.getheader("ETag") == etag
    r, _ = http_request(server.http_port, "GET", "/v1/kv/doc", headers={"If-None-Match": f'"x", W/{etag}'})
    assert r.status == 304
    http_request(server.http_port, "PUT", "/v1/kv/doc", b'{"v":2}')
    r, data = http_request(server.http_port, "GET", "/v1/kv/doc", headers={"If-None-Match": etag})
    assert r.status == 200 and json.loads(data) == {"v": 2} and r.getheader("ETag") != etag


def test_json_pointer_query(server):
    http_request(server.http_port, "PUT", "/v1/kv/doc", b'{"a":{"b/c":[10,{"d":"x"}]}}')
    assert http_request(server.http_port, "GET", "/v1/kv/doc?pointer=/a/b~1c/1/d")[1] == b'"x"'
    assert http_request(server.http_port, "GET", "/v1/kv/doc?pointer=%2Fa%2Fb~1c%2F0")[1] == b"10"
    r, data = http_request(server.http_port, "GET", "/v1/kv/doc?pointer=/a/zz")
    assert r.status == 404 and "no such key" in json.loads(data)["error"]["message"]
    r, _ = http_request(server.http_port, "GET", "/v1/kv/doc?pointer=a")
    assert r.status == 400


def test_invalid_json_gets_position(server):
    r, data = http_request(server.http_port, "PUT", "/v1/kv/bad", b'{\n  "a": tru\n}')
    assert r.status == 400
    error = json.loads(data)["error"]
    assert error["code"] == "invalid_json"
    assert (error["line"], error["column"]) == (2, 8)
    assert "2:8" in error["message"]
    assert http_request(server.http_port, "GET", "/v1/kv/bad")[0].status == 404  # nothing stored


def test_percent_encoded_keys_and_head(server):
    http_request(server.http_port, "PUT", "/v1/kv/a%20b%2Fc", b"[1]")
    assert redis.Redis(host="127.0.0.1", port=server.port).get("a b/c") == b"[1]"
    r, data = http_request(server.http_port, "HEAD", "/v1/kv/a%20b%2Fc")
    assert r.status == 200 and data == b"" and r.getheader("Content-Length") == "3"
    assert http_request(server.http_port, "GET", "/v1/kv/bad%zz")[0].status == 400


def test_readyz_and_standalone_gateway_without_backend(server):
    assert http_request(server.http_port, "GET", "/readyz")[0].status == 200
    with Gateway() as g:
        r, data = http_request(g.port, "GET", "/readyz")
        assert r.status == 503
        r, data = http_request(g.port, "GET", "/v1/kv/x")
        assert r.status == 503 and json.loads(data)["error"]["code"] == "unavailable"


def test_batch(server):
    body = b'{"set":{"a":{"x":1},"b":[2]},"get":["a","zz","b"],"delete":["b","nope"]}'
    r, data = http_request(server.http_port, "POST", "/v1/batch", body)
    assert r.status == 200
    assert json.loads(data) == {"set": 2, "get": {"a": {"x": 1}, "zz": None, "b": [2]}, "deleted": 1}
    rc = redis.Redis(host="127.0.0.1", port=server.port)
    assert rc.get("a") == b'{"x":1}' and rc.exists("b") == 0
    rc.set("plain", "not json")
    r, data = http_request(server.http_port, "POST", "/v1/batch", b'{"get":["plain"]}')
    assert json.loads(data) == {"set": 0, "get": {"plain": "not json"}, "deleted": 0}
    for bad in (b'[]', b'{"get":"a"}', b'{"get":[1]}', b'{"set":[1]}', b'{"nope":[]}', b'{"get":['):
        r, data = http_request(server.http_port, "POST", "/v1/batch", bad)
        assert r.status == 400, bad
        assert json.loads(data)["error"]["code"] in ("bad_request", "invalid_json")


def test_metrics_count_requests_hits_and_misses(server):
    http_request(server.http_port, "PUT", "/v1/kv/m", b"1")
    http_request(server.http_port, "GET", "/v1/kv/m")
    http_request(server.http_port, "GET", "/v1/kv/missing")
    http_request(server.http_port, "GET", "/nope")
    r, data = http_request(server.http_port, "GET", "/metrics")
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/plain")
    text = data.decode()
    assert 'cachet_http_requests_total{route="kv_put",status="204"} 1' in text
    assert 'cachet_http_requests_total{route="kv_get",status="200"} 1' in text
    assert 'cachet_http_requests_total{route="kv_get",status="404"} 1' in text
    assert 'cachet_http_requests_total{route="unrouted",status="404"} 1' in text
    assert "cachet_cache_hits_total 1" in text and "cachet_cache_misses_total 1" in text
    assert 'cachet_http_request_duration_seconds_bucket{le="+Inf"} 4' in text
    assert "cachet_backend_errors_total 0" in text


def test_openapi_document_matches_the_api(server):
    r, data = http_request(server.http_port, "GET", "/openapi.json")
    doc = json.loads(data)
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items()
                  for method in ops if method != "parameters"}
    assert documented == {
        ("/v1/kv/{key}", "GET"), ("/v1/kv/{key}", "PUT"), ("/v1/kv/{key}", "DELETE"),
        ("/v1/batch", "POST"), ("/json", "GET"), ("/healthz", "GET"), ("/readyz", "GET"),
        ("/metrics", "GET"), ("/openapi.json", "GET"), ("/v1/invalidate", "POST"),
        ("/v1/events", "GET")}
    for path, method in documented:  # each documented operation is served...
        method = "HEAD" if path == "/v1/events" else method  # (a GET streams until closed)
        r, _ = http_request(server.http_port, method, path.replace("{key}", "k"), b"{}")
        assert r.status not in (404, 405) or path == "/v1/kv/{key}", (path, method)
    for path in ("/v1/kv/k", "/v1/batch", "/json"):  # ...and nothing undocumented on these paths
        r, _ = http_request(server.http_port, "PATCH", path, b"{}")
        assert r.status == 405


def test_the_http_api_honours_requirepass():
    """With a password, the HTTP API needs the same credentials as RESP (Basic user:password or
    Bearer password); /healthz stays open; CONFIG SET requirepass takes effect at once."""
    port = free_port()
    with Cachet("--http-port", str(port), "--requirepass", "s3cret") as s:
        basic = "Basic " + base64.b64encode(b"default:s3cret").decode()
        for method, path, body in [("GET", "/v1/kv/k", None), ("PUT", "/v1/kv/k", b"1"),
                                   ("DELETE", "/v1/kv/k", None), ("POST", "/v1/batch", b'{"get":["k"]}'),
                                   ("GET", "/metrics", None)]:
            r, data = http_request(port, method, path, body)
            assert r.status == 401, (method, path)
            assert r.getheader("WWW-Authenticate").startswith("Basic realm=")
            assert json.loads(data)["error"]["code"] == "unauthorized"
        for wrong in ["Basic " + base64.b64encode(b"default:nope").decode(), "Bearer nope",
                      "Basic !!!", "Digest x", "Basic " + base64.b64encode(b"alice:s3cret").decode()]:
            r, _ = http_request(port, "GET", "/v1/kv/k", headers={"Authorization": wrong})
            assert r.status == 401, wrong
        assert http_request(port, "GET", "/healthz")[0].status == 200
        r, _ = http_request(port, "PUT", "/v1/kv/k", b'{"a":1}', headers={"Authorization": basic})
        assert r.status == 204
        r, data = http_request(port, "GET", "/v1/kv/k", headers={"Authorization": "Bearer s3cret"})
        assert r.status == 200 and json.loads(data) == {"a": 1}
        c = redis.Redis(port=s.port, password="s3cret")
        assert c.get("k") == b'{"a":1}'
        c.config_set("requirepass", "")
        assert http_request(port, "GET", "/v1/kv/k")[0].status == 200


def test_malformed_percent_encoding_in_any_query_parameter_is_a_400(server):
    port = server.http_port
    assert http_request(port, "PUT", "/v1/kv/q", b"1")[0].status == 204
    for method, target, body in [("PUT", "/v1/kv/q?ttl=%ZZ", b"1"), ("GET", "/v1/kv/q?pointer=%ZZ", None),
                                 ("GET", "/v1/kv/q?other=%4", None), ("GET", "/v1/kv/q?%zz=1", None)]:
        r, data = http_request(port, method, target, body)
        assert r.status == 400, target
        assert json.loads(data)["error"]["code"] == "bad_request"
    r = redis.Redis(port=server.port)
    assert r.ttl("q") == -1  # the rejected PUT stored nothing
    assert http_request(port, "PUT", "/v1/kv/q?ttl=%31%30", b"2")[0].status == 204
    assert 0 < r.ttl("q") <= 10


def test_json_bodies_stay_valid_utf8_whatever_bytes_keys_and_values_hold(server):
    port = server.http_port
    r, data = http_request(port, "GET", "/v1/kv/%FF%FE")
    assert r.status == 404
    message = json.loads(data.decode("utf-8"))["error"]["message"]  # strict decode: valid UTF-8
    assert "\ufffd" in message
    redis.Redis(port=server.port).set("raw", b"\xff\xfeabc")
    r, data = http_request(port, "POST", "/v1/batch", b'{"get":["raw"]}')
    assert r.status == 200
    assert json.loads(data.decode("utf-8"))["get"]["raw"] == "\ufffd\ufffdabc"


def test_a_value_that_is_not_json_is_served_as_a_json_string_by_get_and_batch(server):
    redis.Redis(port=server.port).set("plain", b"hello \xff")
    r, data = http_request(server.http_port, "GET", "/v1/kv/plain")
    assert r.status == 200 and r.getheader("Content-Type") == "application/json"
    assert json.loads(data.decode("utf-8")) == "hello \ufffd"
    r, data = http_request(server.http_port, "POST", "/v1/batch", b'{"get":["plain"]}')
    assert json.loads(data.decode("utf-8"))["get"]["plain"] == "hello \ufffd"
