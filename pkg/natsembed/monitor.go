package natsembed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsflow/newsflow/pkg/natsmon"
)

// MonitorSource reads an in-process server's monitoring state for
// natsmon.Collector, as `newsflow up` exports it: the same documents the
// server's /varz and /jsz endpoints serve, without an HTTP listener.
type MonitorSource struct{ srv *server.Server }

// NewMonitorSource returns a natsmon.Source for srv.
func NewMonitorSource(srv *server.Server) *MonitorSource { return &MonitorSource{srv: srv} }

// Name returns "embedded:<server name>".
func (s *MonitorSource) Name() string { return "embedded:" + s.srv.Name() }

// Varz returns the server's general state.
func (s *MonitorSource) Varz(context.Context) (*natsmon.Varz, error) {
	v, err := s.srv.Varz(&server.VarzOptions{})
	if err != nil {
		return nil, fmt.Errorf("read embedded server varz: %w", err)
	}
	var out natsmon.Varz
	if err := convert(v, &out); err != nil {
		return nil, fmt.Errorf("read embedded server varz: %w", err)
	}
	return &out, nil
}

// Jsz returns the server's JetStream state with stream and consumer details.
func (s *MonitorSource) Jsz(context.Context) (*natsmon.Jsz, error) {
	j, err := s.srv.Jsz(&server.JSzOptions{Accounts: true, Streams: true, Consumer: true, Config: true})
	if err != nil {
		return nil, fmt.Errorf("read embedded server jsz: %w", err)
	}
	var out natsmon.Jsz
	if err := convert(j, &out); err != nil {
		return nil, fmt.Errorf("read embedded server jsz: %w", err)
	}
	return &out, nil
}

// convert goes through JSON, as the HTTP endpoints do, so both sources read
// exactly the same fields.
func convert(from, into any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return natsmon.Decode(bytes.NewReader(b), into)
}
