package natsmon

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// staticSource serves documents already decoded, as a server would have
// answered them.
type staticSource struct {
	v *Varz
	j *Jsz
}

func (s staticSource) Name() string                        { return "static" }
func (s staticSource) Varz(context.Context) (*Varz, error) { return s.v, nil }
func (s staticSource) Jsz(context.Context) (*Jsz, error)   { return s.j, nil }

func TestDecodeRejectsOversizedResponse(t *testing.T) {
	big := `{"server_name":"` + strings.Repeat("x", MaxResponseBytes) + `"}`
	var v Varz
	if err := decode(strings.NewReader(big), &v); err == nil {
		t.Fatal("decoded a response over MaxResponseBytes")
	}
}

// FuzzDecode feeds the monitoring-response decoder what a server, or
// something pretending to be one, might answer.
func FuzzDecode(f *testing.F) {
	v := []byte(`{"server_name":"n1","version":"2.15.2","connections":3,"in_msgs":10,"cpu":1.5,"start":"2026-11-25T10:00:00Z","cluster":{"name":"c"}}`)
	j := []byte(`{"streams":3,"config":{"max_memory":1,"max_storage":2},"api":{"total":5,"errors":1},` +
		`"meta_cluster":{"leader":"n1","cluster_size":3,"replicas":[{"name":"n2","current":true},{"name":"n3","offline":true}]},` +
		`"account_details":[{"name":"$G","stream_detail":[{"name":"ARTICLES","state":{"messages":4,"bytes":99,"consumer_count":2},` +
		`"cluster":{"leader":"n1","replicas":[{"name":"n2","current":true,"lag":4}]}}]}]}`)
	for _, seed := range [][]byte{v, j, []byte(`{}`), []byte(`null`), []byte(`{"meta_cluster":{"replicas":[null]}}`),
		[]byte(`{"account_details":[null,{"stream_detail":[{"cluster":{"replicas":[null]}}]}]}`), []byte(`[`)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var vz Varz
		_ = decode(bytes.NewReader(data), &vz)
		var js Jsz
		if err := decode(bytes.NewReader(data), &js); err != nil {
			return
		}
		// A decoded document must be collectable without a panic.
		c := NewCollector(0, staticSource{v: &vz, j: &js})
		ch := make(chan prometheus.Metric, 256)
		go func() { c.Collect(ch); close(ch) }()
		for range ch {
		}
	})
}
