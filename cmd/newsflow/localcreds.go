package main

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
)

// defaultDataDir is `newsflow up`'s default --data.
const defaultDataDir = "data"

// registerDataFlag adds --data (env NEWSFLOW_DATA) to fs unless the
// command has one already, and returns where to read it.
func registerDataFlag(fs *flag.FlagSet) func() string {
	if f := fs.Lookup("data"); f != nil {
		return f.Value.String
	}
	dir := defaultDataDir
	if v, ok := os.LookupEnv(envflag.EnvName("data")); ok {
		dir = v
	}
	fs.StringVar(&dir, "data", dir, "data directory of a local newsflow up: without other NATS credentials, its credentials/admin.nk is used (env NEWSFLOW_DATA)")
	return func() string { return dir }
}

// localCredentials fills in the admin key of a local `newsflow up` (DATA/
// credentials/admin.nk) when cfg names no credentials of its own and that
// file exists: the command then works against `make run` with no flags.
// It returns the seed file used, or "".
func localCredentials(cfg *natsbus.ConnConfig, dataDir string) string {
	if cfg.CredsFile != "" || cfg.NKeyFile != "" || cfg.User != "" || cfg.Token != "" || dataDir == "" {
		return ""
	}
	path := natsembed.SeedFile(filepath.Join(dataDir, standalone.CredentialsDir), natsembed.UserAdmin)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) || err != nil {
		return ""
	}
	cfg.NKeyFile = path
	return path
}
