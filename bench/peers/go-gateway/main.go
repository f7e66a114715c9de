// The reference gateway a team would write instead of cachet-gateway: Go's net/http with
// gorilla/mux routing and a redigo connection pool in front of redis-server. Built offline from
// Debian's golang-go, golang-github-gorilla-mux-dev and golang-github-gomodule-redigo-dev by
// bench/gateway_compare.py (GOPATH=/usr/share/gocode, GO111MODULE=off).
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/gorilla/mux"
)

type message struct {
	Message string `json:"message"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	redisAddr := flag.String("redis", "127.0.0.1:6379", "redis-server address")
	flag.Parse()
	pool := &redis.Pool{
		MaxIdle:     256,
		IdleTimeout: 240 * time.Second,
		Dial:        func() (redis.Conn, error) { return redis.Dial("tcp", *redisAddr) },
	}
	r := mux.NewRouter()
	r.HandleFunc("/json", func(w http.ResponseWriter, req *http.Request) {
		body, _ := json.Marshal(message{Message: "Hello, World!"}) // per request, like cachet's
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}).Methods("GET")
	r.HandleFunc("/v1/kv/{key}", func(w http.ResponseWriter, req *http.Request) {
		c := pool.Get()
		defer c.Close()
		v, err := redis.Bytes(c.Do("GET", mux.Vars(req)["key"]))
		w.Header().Set("Content-Type", "application/json")
		if err == redis.ErrNil {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":{"code":"not_found","message":"no such key"}}`))
			return
		}
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":{"code":"unavailable","message":"redis error"}}`))
			return
		}
		w.Write(v)
	}).Methods("GET")
	log.Printf("go gateway ready on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, r))
}
