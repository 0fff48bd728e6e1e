package natsbus_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natstest"
)

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func serverTLS(t *testing.T, p natstest.PKI, verifyClients bool) func(*server.Options) {
	t.Helper()
	tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: p.ServerCert, KeyFile: p.ServerKey, CaFile: p.CA, Verify: verifyClients})
	if err != nil {
		t.Fatal(err)
	}
	return func(o *server.Options) {
		o.TLSConfig = tc
		o.TLS = true
		o.TLSVerify = verifyClients
		o.TLSTimeout = 2
	}
}

// operator builds an operator, an account with JetStream and a user, and
// returns the server settings and the user's .creds file.
func operator(t *testing.T) (func(*server.Options), string, string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	okp, err := nkeys.CreateOperator()
	must(err)
	opk, _ := okp.PublicKey()
	oc := jwt.NewOperatorClaims(opk)
	oc.Name = "newsflow-test"
	akp, err := nkeys.CreateAccount()
	must(err)
	apk, _ := akp.PublicKey()
	ac := jwt.NewAccountClaims(apk)
	ac.Name = "NEWSFLOW"
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	ajwt, err := ac.Encode(okp)
	must(err)
	creds := func(name string, signer nkeys.KeyPair) string {
		ukp, err := nkeys.CreateUser()
		must(err)
		upk, _ := ukp.PublicKey()
		uc := jwt.NewUserClaims(upk)
		uc.Name = name
		ujwt, err := uc.Encode(signer)
		must(err)
		seed, _ := ukp.Seed()
		b, err := jwt.FormatUserConfig(ujwt, seed)
		must(err)
		return writeFile(t, t.TempDir(), name+".creds", b)
	}
	good := creds("ingest", akp)
	// A user signed by an account the server does not know.
	strangerKP, _ := nkeys.CreateAccount()
	bad := creds("stranger", strangerKP)
	skp, err := nkeys.CreateAccount()
	must(err)
	spk, _ := skp.PublicKey()
	sc := jwt.NewAccountClaims(spk)
	sc.Name = "SYS"
	sjwt, err := sc.Encode(okp)
	must(err)
	resolver := &server.MemAccResolver{}
	must(resolver.Store(apk, ajwt))
	must(resolver.Store(spk, sjwt))
	return func(o *server.Options) {
		o.TrustedOperators = []*jwt.OperatorClaims{oc}
		o.AccountResolver = resolver
		o.SystemAccount = spk
	}, good, bad
}

func nkeySeed(t *testing.T) (pub, seedFile, otherSeedFile string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ = kp.PublicKey()
	seed, _ := kp.Seed()
	other, _ := nkeys.CreateUser()
	otherSeed, _ := other.Seed()
	dir := t.TempDir()
	return pub, writeFile(t, dir, "ingest.nk", seed), writeFile(t, dir, "other.nk", otherSeed)
}

// TestConnectAuthMethods connects the way every binary does
// (natsbus.Connect with the --nats-* flags' ConnConfig) to servers that
// demand each authentication method, with the right and a wrong credential,
// and makes a JetStream round trip when connected.
func TestConnectAuthMethods(t *testing.T) {
	p := natstest.NewPKI(t)
	nkeyPub, nkeyFile, otherNkey := nkeySeed(t)
	opMode, goodCreds, badCreds := operator(t)
	for _, tc := range []struct {
		name   string
		server func(*server.Options)
		good   natsbus.ConnConfig
		bad    natsbus.ConnConfig
	}{
		{
			name:   "user and password",
			server: func(o *server.Options) { o.Users = []*server.User{{Username: "ingest", Password: "s3cret"}} },
			good:   natsbus.ConnConfig{User: "ingest", Password: "s3cret"},
			bad:    natsbus.ConnConfig{User: "ingest", Password: "wrong"},
		},
		{
			name:   "token",
			server: func(o *server.Options) { o.Authorization = "t0ken" },
			good:   natsbus.ConnConfig{Token: "t0ken"},
			bad:    natsbus.ConnConfig{Token: "nope"},
		},
		{
			name:   "nkey",
			server: func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: nkeyPub}} },
			good:   natsbus.ConnConfig{NKeyFile: nkeyFile},
			bad:    natsbus.ConnConfig{NKeyFile: otherNkey},
		},
		{
			name:   "creds file",
			server: opMode,
			good:   natsbus.ConnConfig{CredsFile: goodCreds},
			bad:    natsbus.ConnConfig{CredsFile: badCreds},
		},
		{
			name:   "tls",
			server: serverTLS(t, p, false),
			good:   natsbus.ConnConfig{TLSCA: p.CA},
			bad:    natsbus.ConnConfig{TLSCA: p.OtherCA},
		},
		{
			name:   "mutual tls",
			server: serverTLS(t, p, true),
			good:   natsbus.ConnConfig{TLSCA: p.CA, TLSCert: p.ClientCert, TLSKey: p.ClientKey},
			bad:    natsbus.ConnConfig{TLSCA: p.CA},
		},
		{
			name: "mutual tls with a password",
			server: func(o *server.Options) {
				serverTLS(t, p, true)(o)
				o.Users = []*server.User{{Username: "ingest", Password: "s3cret"}}
			},
			good: natsbus.ConnConfig{TLSCA: p.CA, TLSCert: p.ClientCert, TLSKey: p.ClientKey, User: "ingest", Password: "s3cret"},
			bad:  natsbus.ConnConfig{TLSCA: p.CA, TLSCert: p.ClientCert, TLSKey: p.ClientKey, User: "ingest", Password: "wrong"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := natstest.RunServerWith(t, natsembed.Config{Options: tc.server})
			url := srv.ClientURL()
			log := zaptest.NewLogger(t)

			good := tc.good
			good.URL = url
			nc, err := natsbus.Connect(good, log, nats.RetryOnFailedConnect(false), nats.Timeout(3*time.Second))
			if err != nil {
				t.Fatalf("connect with the right credentials: %v", err)
			}
			defer nc.Close()
			if tc.good.TLSCA != "" && nc.TLSRequired() == false {
				t.Errorf("connection is not using TLS")
			}
			js, err := natsbus.NewJetStream(nc)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := natsbus.EnsureStreams(ctx, js, natsbus.DefaultTopology()); err != nil {
				t.Fatalf("jetstream round trip: %v", err)
			}

			bad := tc.bad
			bad.URL = url
			if nc, err := natsbus.Connect(bad, zap.NewNop(), nats.RetryOnFailedConnect(false), nats.Timeout(3*time.Second)); err == nil {
				nc.Close()
				t.Fatalf("connected with the wrong credentials %+v", bad.Redacted())
			}
		})
	}
}

func TestConnConfigRedactsSecrets(t *testing.T) {
	c := natsbus.ConnConfig{URL: "nats://x", User: "ingest", Password: "pw-secret", Token: "tok-secret"}
	r := c.Redacted()
	s := strings.Join([]string{r.URL, r.User, r.Password, r.Token}, " ")
	if strings.Contains(s, "pw-secret") || strings.Contains(s, "tok-secret") {
		t.Errorf("redacted config still shows a secret: %+v", r)
	}
	if c.Password != "pw-secret" {
		t.Errorf("Redacted changed the original")
	}
}

func TestConnConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  natsbus.ConnConfig
		ok   bool
	}{
		{"url only", natsbus.ConnConfig{URL: "nats://x"}, true},
		{"no url", natsbus.ConnConfig{}, false},
		{"two methods", natsbus.ConnConfig{URL: "nats://x", User: "u", Token: "t"}, false},
		{"password without user", natsbus.ConnConfig{URL: "nats://x", Password: "p"}, false},
		{"cert without key", natsbus.ConnConfig{URL: "nats://x", TLSCert: "c"}, false},
		{"inbox prefix", natsbus.ConnConfig{URL: "nats://x", InboxPrefix: "_INBOX_ingest"}, true},
		{"inbox prefix wildcard", natsbus.ConnConfig{URL: "nats://x", InboxPrefix: "_INBOX.>"}, false},
		{"inbox prefix empty token", natsbus.ConnConfig{URL: "nats://x", InboxPrefix: "a..b"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestTLSClientConfig: the NATS TLS settings as a tls.Config for other
// clients (the servers' HTTPS monitoring endpoints): none without them, the
// CA and client certificate with them, and an error naming a bad file.
func TestTLSClientConfig(t *testing.T) {
	p := natstest.NewPKI(t)
	if tc, err := (natsbus.ConnConfig{User: "u"}).TLSClientConfig(); tc != nil || err != nil {
		t.Errorf("without TLS settings: %v, %v; want nil, nil", tc, err)
	}
	tc, err := natsbus.ConnConfig{TLSCA: p.CA, TLSCert: p.ClientCert, TLSKey: p.ClientKey}.TLSClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	if tc.RootCAs == nil || len(tc.Certificates) != 1 {
		t.Errorf("root CAs %v, %d client certificates; want the CA and one", tc.RootCAs, len(tc.Certificates))
	}
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []natsbus.ConnConfig{
		{TLSCA: filepath.Join(t.TempDir(), "missing.pem")},
		{TLSCA: notPEM},
		{TLSCert: p.ClientCert, TLSKey: p.ServerKey},
	} {
		_, err := bad.TLSClientConfig()
		name := bad.TLSCA + bad.TLSCert
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%+v: error %v, want one naming %s", bad, err, name)
		}
	}
}
