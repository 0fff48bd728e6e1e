package natsmon

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// staticSource serves the same document for every endpoint, as a server
// (or something pretending to be one) might answer.
type staticSource struct{ doc []byte }

func (s staticSource) Name() string { return "static" }
func (s staticSource) Get(context.Context, string) ([]byte, error) {
	if s.doc == nil {
		return nil, fmt.Errorf("no document")
	}
	return s.doc, nil
}

func TestDecodeRejectsOversizedResponse(t *testing.T) {
	big := `{"server_name":"` + strings.Repeat("x", MaxResponseBytes) + `"}`
	var j Jsz
	if err := decode(strings.NewReader(big), &j); err == nil {
		t.Fatal("decoded a response over MaxResponseBytes")
	}
}

// FuzzCollect feeds the collector what a server, or something pretending
// to be one, might answer on every endpoint: it must never panic.
func FuzzCollect(f *testing.F) {
	v := []byte(`{"server_id":"NABC","server_name":"n1","version":"2.15.2","connections":3,"in_msgs":10,"cpu":1.5,"start":"2026-11-25T10:00:00Z","jetstream":{"stats":{"api":{"total":5}}}}`)
	j := []byte(`{"streams":3,"config":{"max_memory":1,"max_storage":2},"api":{"total":5,"errors":1},` +
		`"meta_cluster":{"leader":"n1","cluster_size":3,"replicas":[{"name":"n2","current":true},{"name":"n3","offline":true}]},` +
		`"account_details":[{"name":"$G","stream_detail":[{"name":"ARTICLES","state":{"messages":4,"bytes":99,"consumer_count":2},` +
		`"cluster":{"leader":"n1","replicas":[{"name":"n2","current":true,"lag":4}]},"consumer_detail":[{"name":"enrich","config":{"durable_name":"enrich"}},null,{"name":"x"}]}]}]}`)
	r := []byte(`{"server_id":"NABC","num_routes":1,"routes":[{"rid":1,"rtt":"1ms","in_msgs":3}]}`)
	c := []byte(`{"num_connections":2,"connections":[{"in_msgs":1},{"out_bytes":2}]}`)
	for _, seed := range [][]byte{v, j, r, c, []byte(`{}`), []byte(`null`), []byte(`{"meta_cluster":{"replicas":[null]}}`),
		[]byte(`{"account_details":[null,{"stream_detail":[{"cluster":{"replicas":[null]}}]}]}`), []byte(`[`)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewCollector(0, staticSource{doc: data})
		ch := make(chan prometheus.Metric, 256)
		go func() { c.Collect(ch); close(ch) }()
		for range ch {
		}
	})
}
