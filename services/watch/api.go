package watch

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// APIConfig configures /v1/watches.
type APIConfig struct {
	// ReadToken is required to list and show watches, WriteToken to add,
	// replace and remove them (as bearer tokens); empty means open.
	ReadToken, WriteToken string
}

// API serves /v1/watches.
type API struct {
	store *Store
	an    *analysis.Set
	cfg   APIConfig
	now   func() time.Time
}

// NewAPI returns the API over store.
func NewAPI(store *Store, an *analysis.Set, cfg APIConfig) *API {
	return &API{store: store, an: an, cfg: cfg, now: time.Now}
}

// Router is where routes are mounted.
type Router interface {
	Handle(pattern string, h http.Handler)
}

// Routes mounts the API on r.
func (a *API) Routes(r Router) {
	r.Handle("GET /v1/watches", a.auth(a.cfg.ReadToken, a.list))
	r.Handle("POST /v1/watches", a.auth(a.cfg.WriteToken, a.create))
	r.Handle("GET /v1/watches/{name}", a.auth(a.cfg.ReadToken, a.show))
	r.Handle("PUT /v1/watches/{name}", a.auth(a.cfg.WriteToken, a.put))
	r.Handle("DELETE /v1/watches/{name}", a.auth(a.cfg.WriteToken, a.remove))
}

func (a *API) auth(token string, next http.HandlerFunc) http.Handler {
	if token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="newsflow"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "", "a valid bearer token is required")
			return
		}
		next(w, r)
	})
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	ws, err := a.store.List(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "", err.Error())
		return
	}
	out := make([]Watch, 0, len(ws))
	for _, x := range ws {
		out = append(out, x.Redacted())
	}
	writeJSON(w, http.StatusOK, map[string]any{"watches": out})
}

func (a *API) show(w http.ResponseWriter, r *http.Request) {
	x, err := a.store.Get(r.Context(), r.PathValue("name"))
	if a.failed(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, x.Redacted())
}

func (a *API) create(w http.ResponseWriter, r *http.Request) { a.write(w, r, "", true) }

func (a *API) put(w http.ResponseWriter, r *http.Request) { a.write(w, r, r.PathValue("name"), false) }

func (a *API) write(w http.ResponseWriter, r *http.Request, name string, create bool) {
	var x Watch
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", "", "the body must be a watch as JSON: "+err.Error())
		return
	}
	if name != "" {
		if x.Name != "" && x.Name != name {
			writeError(w, http.StatusBadRequest, "invalid", "name", "the name in the body differs from the one in the path")
			return
		}
		x.Name = name
	}
	x.Revision, x.SecretSet = 0, false
	now := a.now().UTC()
	x.CreatedAt, x.UpdatedAt = now, now
	if !create {
		if old, err := a.store.Get(r.Context(), x.Name); err == nil {
			x.CreatedAt = old.CreatedAt
		}
	}
	if _, err := x.Validate(a.an); err != nil {
		var fe *FieldError
		field := ""
		if errors.As(err, &fe) {
			field = fe.Field
		}
		writeError(w, http.StatusBadRequest, "invalid", field, err.Error())
		return
	}
	var err error
	if create {
		err = a.store.Create(r.Context(), &x)
	} else {
		err = a.store.Put(r.Context(), &x)
	}
	if a.failed(w, err) {
		return
	}
	status := http.StatusOK
	if create {
		status = http.StatusCreated
	}
	writeJSON(w, status, x.Redacted())
}

func (a *API) remove(w http.ResponseWriter, r *http.Request) {
	if a.failed(w, a.store.Delete(r.Context(), r.PathValue("name"))) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) failed(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "name", err.Error())
	case errors.Is(err, ErrExists):
		writeError(w, http.StatusConflict, "exists", "name", err.Error())
	default:
		writeError(w, http.StatusServiceUnavailable, "unavailable", "", err.Error())
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, field, msg string) {
	e := map[string]string{"code": code, "message": msg}
	if field != "" {
		e["field"] = field
	}
	writeJSON(w, status, map[string]any{"error": e})
}
