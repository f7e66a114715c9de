// The OpenAPI 3.1 description served at GET /openapi.json. tests/integration checks that its
// paths and methods are exactly the API's routes.
#include "gateway/api.h"

namespace cachet::gateway {

std::string_view openapi_document() {
  return R"json({
  "openapi": "3.1.0",
  "info": {"title": "cachet HTTP API", "version": "1.0.0",
           "description": "JSON documents in the cachet cache, by key."},
  "components": {
    "schemas": {
      "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "properties": {
          "code": {"type": "string"}, "message": {"type": "string"},
          "line": {"type": "integer"}, "column": {"type": "integer"}, "offset": {"type": "integer"}}}}}
    },
    "parameters": {
      "key": {"name": "key", "in": "path", "required": true, "schema": {"type": "string"},
              "description": "The key (percent-encoded)."}
    },
    "responses": {
      "Error": {"description": "An error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "securitySchemes": {
      "basic": {"type": "http", "scheme": "basic",
                "description": "user:password of the cache (user default with requirepass)."},
      "bearer": {"type": "http", "scheme": "bearer",
                 "description": "The default user's password."}
    }
  },
  "security": [{}, {"basic": []}, {"bearer": []}],
  "paths": {
    "/v1/kv/{key}": {
      "parameters": [{"$ref": "#/components/parameters/key"}],
      "get": {
        "summary": "Read a document, or the part of it at a JSON Pointer",
        "parameters": [
          {"name": "pointer", "in": "query", "schema": {"type": "string"},
           "description": "RFC 6901 JSON Pointer into the document"},
          {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "The document", "headers": {
                    "ETag": {"schema": {"type": "string"}},
                    "Cache-Control": {"schema": {"type": "string"},
                                      "description": "max-age from the remaining TTL"}},
                  "content": {"application/json": {}}},
          "304": {"description": "Not modified (If-None-Match matched the ETag)"},
          "400": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}}
      },
      "put": {
        "summary": "Store a JSON document (minified), optionally with a TTL and tags",
        "parameters": [{"name": "ttl", "in": "query", "schema": {"type": "integer", "minimum": 1},
                        "description": "seconds until the key expires"},
                       {"name": "tags", "in": "query", "schema": {"type": "string"},
                        "description": "comma-separated tags (at most 64) to purge the key by"}],
        "requestBody": {"required": true, "content": {"application/json": {}}},
        "responses": {
          "204": {"description": "Stored"},
          "400": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}}
      },
      "delete": {
        "summary": "Delete a key",
        "responses": {
          "204": {"description": "Deleted"},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}}
      }
    },
    "/v1/batch": {
      "post": {
        "summary": "Sets, then gets, then deletes, in one request",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "additionalProperties": false, "properties": {
            "set": {"type": "object"},
            "get": {"type": "array", "items": {"type": "string"}},
            "delete": {"type": "array", "items": {"type": "string"}}}}}}},
        "responses": {
          "200": {"description": "{\"set\": count, \"get\": {key: document or null}, \"deleted\": count}",
                  "content": {"application/json": {}}},
          "400": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}}
      }
    },
    "/v1/invalidate": {
      "post": {
        "summary": "Delete the given keys, the keys under tags, and the keys starting with a prefix",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "additionalProperties": false, "properties": {
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "keys": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "prefix": {"type": "string", "minLength": 1}}}}}},
        "responses": {
          "200": {"description": "{\"deleted\": count}", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {"deleted": {"type": "integer"}}}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}}
      }
    },
    "/v1/events": {
      "get": {
        "summary": "Server-Sent Events: changed, deleted, expired, evicted (data {\"key\": ...}); reset when events were lost",
        "parameters": [
          {"name": "prefix", "in": "query", "schema": {"type": "string"},
           "description": "only keys starting with it"},
          {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"},
           "description": "replay the events after this id while the server still holds them"}],
        "responses": {
          "200": {"description": "An endless event stream (heartbeat comments every 15 s)",
                  "content": {"text/event-stream": {}}},
          "501": {"description": "Event streams are turned off (cachet-gateway --no-events)",
                  "content": {"application/json": {}}},
          "503": {"$ref": "#/components/responses/Error"}}
      }
    },
    "/json": {"get": {"summary": "{\"message\":\"Hello, World!\"}, built per request",
                      "responses": {"200": {"description": "The message",
                                            "content": {"application/json": {}}}}}},
    "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Alive"}}}},
    "/readyz": {"get": {"summary": "Readiness: the cache backend answers (standalone: every node, with its event subscription unless --no-events)",
                        "responses": {"200": {"description": "Ready"},
                                      "503": {"$ref": "#/components/responses/Error"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics",
                         "responses": {"200": {"description": "Text exposition format 0.0.4",
                                               "content": {"text/plain": {}}}}}},
    "/openapi.json": {"get": {"summary": "This document",
                              "responses": {"200": {"description": "OpenAPI 3.1",
                                                    "content": {"application/json": {}}}}}}
  }
})json";
}

}  // namespace cachet::gateway
