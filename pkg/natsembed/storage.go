package natsembed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/storage"
)

// ErrJetStreamStopped is returned by StorageWatch.Check while the embedded
// JetStream cannot take writes.
var ErrJetStreamStopped = errors.New("jetstream cannot take writes")

// StorageWatch keeps an embedded server's JetStream writable.
//
// A JetStream stream that hits a write error (a full disk, exhausted file
// descriptors) keeps that error for good: every later publish to it fails
// or gets no answer, until the stream is loaded again. And JetStream
// disables itself altogether on some errors (out of space in its metadata,
// permissions). Either way the NATS server itself never recovers until a
// restart. The watch reads the server's own log for those errors (the only
// place a standalone server reports them) and checks the server, and once
// the cause is gone (free space above the reserve again) restarts
// JetStream in process: JetStream is shut down and enabled again on the
// same store, which reloads every stream and consumer from disk, as the
// server's own config reload does. Clients stay connected; their requests
// fail for the moment of the restart and are retried.
type StorageWatch struct {
	srv      *server.Server
	storeDir string
	maxMem   int64
	maxStore int64
	guard    *storage.Guard
	log      *zap.Logger
	// Every is how often the watch checks; 1s by default.
	Every time.Duration
	// OnRestart, when set, is called after each restart of JetStream.
	// Pull consumers' waiting requests die with it, and a client notices
	// only when the heartbeats it expects stop coming (tens of seconds):
	// making the clients reconnect has them pull again at once.
	OnRestart func()

	mu       sync.Mutex
	failure  string // the write error seen in the server log, if any
	since    time.Time
	restarts int
}

// WatchStorage installs the watch's log hook on srv (started by Start with
// cfg) and returns it; call Run. The reserve is the free space the store's
// file system must have again before JetStream is restarted (at least
// 8 MiB).
func WatchStorage(srv *server.Server, cfg Config, reserve uint64, log *zap.Logger) *StorageWatch {
	w := &StorageWatch{
		srv: srv, storeDir: cfg.StoreDir, maxMem: jetStreamMaxMemory,
		guard: storage.NewGuard(max(reserve, minRestartFree), map[string]string{"nats": cfg.StoreDir}),
		log:   log, Every: time.Second,
	}
	if c := srv.JetStreamConfig(); c != nil {
		w.maxMem, w.maxStore = c.MaxMemory, c.MaxStore
	}
	srv.SetLogger(&hookLogger{Logger: srv.Logger(), onError: w.noteError}, false, false)
	return w
}

// minRestartFree is the least free space JetStream is restarted with after
// a write failure, however small the reserve: on a disk still full it
// would only fail again.
const minRestartFree = 8 << 20

// writeFailures are the server log lines of a store that stopped taking
// writes.
var writeFailures = []string{
	"critical write error", "failed to store a msg", "out of resources", "out of storage",
	"no space left on device", "too many open files", "permission denied while writing",
}

func (w *StorageWatch) noteError(line string) {
	l := strings.ToLower(line)
	if strings.Contains(l, "accept error") {
		return // the client listener's, not the store's
	}
	for _, f := range writeFailures {
		if strings.Contains(l, f) {
			w.mu.Lock()
			if w.failure == "" {
				w.failure, w.since = line, time.Now()
				w.log.Error("jetstream store failed; new articles are refused until it is restarted", zap.String("error", line))
			}
			w.mu.Unlock()
			return
		}
	}
}

// Check reports, from the server now, whether JetStream can take writes:
// it is enabled and has not reported a write error since it was
// (re)started. (Free space is storage.Guard's to check.)
func (w *StorageWatch) Check(context.Context) error {
	if !w.srv.JetStreamEnabled() {
		return fmt.Errorf("%w: jetstream is disabled", ErrJetStreamStopped)
	}
	w.mu.Lock()
	failure, since := w.failure, w.since
	w.mu.Unlock()
	if failure != "" {
		return fmt.Errorf("%w: write error since %s: %s", ErrJetStreamStopped, since.UTC().Format(time.RFC3339), failure)
	}
	return nil
}

// Restarts returns how many times the watch restarted JetStream.
func (w *StorageWatch) Restarts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.restarts
}

// Run checks every Every until ctx ends, restarting JetStream when it has
// stopped taking writes and its file system has room again.
func (w *StorageWatch) Run(ctx context.Context) {
	t := time.NewTicker(w.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.mu.Lock()
		failed := w.failure != ""
		w.mu.Unlock()
		if !failed && w.srv.JetStreamEnabled() {
			continue
		}
		if err := w.guard.Check(1); err != nil {
			continue // restarting now would fail again at once
		}
		if err := w.restart(); err != nil {
			w.log.Warn("restart jetstream", zap.Error(err))
		}
	}
}

// restart shuts JetStream down and enables it again on the same store.
func (w *StorageWatch) restart() error {
	start := time.Now()
	if w.srv.JetStreamEnabled() {
		if err := w.srv.ShutdownJetStream(); err != nil {
			return fmt.Errorf("shut jetstream down: %w", err)
		}
	}
	// A write error reported during the shutdown is the old store's.
	w.mu.Lock()
	failure := w.failure
	w.failure = ""
	w.mu.Unlock()
	// The limits it started with (the store capped at the file system's
	// size, not at the little space free now: see Start).
	jsCfg := server.JetStreamConfig{StoreDir: w.storeDir, MaxMemory: w.maxMem, MaxStore: w.maxStore}
	if err := w.srv.EnableJetStream(&jsCfg); err != nil {
		w.mu.Lock()
		if w.failure == "" {
			w.failure, w.since = "jetstream restart failed: "+err.Error(), time.Now()
		}
		w.mu.Unlock()
		return fmt.Errorf("enable jetstream on %s: %w", w.storeDir, err)
	}
	w.mu.Lock()
	w.restarts++
	w.mu.Unlock()
	w.log.Info("jetstream restarted after a write failure; streams reloaded from disk",
		zap.String("failure", failure), zap.Duration("took", time.Since(start)))
	if w.OnRestart != nil {
		w.OnRestart()
	}
	return nil
}

// hookLogger passes the server's log on to the logger it had (if any) and
// shows its errors to the watch.
type hookLogger struct {
	server.Logger
	onError func(line string)
}

func (h *hookLogger) Noticef(format string, v ...any) {
	if h.Logger != nil {
		h.Logger.Noticef(format, v...)
	}
}

func (h *hookLogger) Warnf(format string, v ...any) {
	if h.Logger != nil {
		h.Logger.Warnf(format, v...)
	}
	h.onError(fmt.Sprintf(format, v...))
}

func (h *hookLogger) Fatalf(format string, v ...any) {
	if h.Logger != nil {
		h.Logger.Fatalf(format, v...)
	}
}

func (h *hookLogger) Errorf(format string, v ...any) {
	if h.Logger != nil {
		h.Logger.Errorf(format, v...)
	}
	h.onError(fmt.Sprintf(format, v...))
}

func (h *hookLogger) Debugf(format string, v ...any) {
	if h.Logger != nil {
		h.Logger.Debugf(format, v...)
	}
}

func (h *hookLogger) Tracef(format string, v ...any) {
	if h.Logger != nil {
		h.Logger.Tracef(format, v...)
	}
}
