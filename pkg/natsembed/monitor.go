package natsembed

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsflow/newsflow/pkg/natsmon"
)

// MonitorSource reads an in-process server's monitoring state for
// natsmon.Collector, as `newsflow up` exports it: the same documents the
// server's /varz, /connz, /routez and /jsz endpoints serve, without an
// HTTP listener.
type MonitorSource struct{ srv *server.Server }

// NewMonitorSource returns a natsmon.Source for srv.
func NewMonitorSource(srv *server.Server) *MonitorSource { return &MonitorSource{srv: srv} }

// Name returns "embedded:<server name>".
func (s *MonitorSource) Name() string { return "embedded:" + s.srv.Name() }

// Get returns one monitoring document as JSON.
func (s *MonitorSource) Get(_ context.Context, endpoint string) ([]byte, error) {
	var (
		v   any
		err error
	)
	switch endpoint {
	case natsmon.EndpointVarz:
		v, err = s.srv.Varz(&server.VarzOptions{})
	case natsmon.EndpointConnz:
		v, err = s.srv.Connz(&server.ConnzOptions{})
	case natsmon.EndpointRoutez:
		v, err = s.srv.Routez(&server.RoutezOptions{})
	case natsmon.EndpointJsz:
		v, err = s.srv.Jsz(&server.JSzOptions{Accounts: true, Streams: true, Consumer: true, Config: true})
	default:
		return nil, fmt.Errorf("embedded server: no monitoring endpoint %q", endpoint)
	}
	if err != nil {
		return nil, fmt.Errorf("read embedded server %s: %w", endpoint, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode embedded server %s: %w", endpoint, err)
	}
	return b, nil
}
