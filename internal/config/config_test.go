package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://u@h:5432/okno"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.Storage.Kind != "local" || c.Storage.Dir != ".data/files" || c.SessionIdle != 8*time.Hour || c.MaxFormBytes != 1<<20 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestLoadReportsEveryBadVariable(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{}, []string{"DATABASE_URL is required"}},
		{map[string]string{"DATABASE_URL": "mysql://x/y"}, []string{"DATABASE_URL must be a postgres:// URL"}},
		{map[string]string{"DATABASE_URL": "postgres://h/db", "OKNO_ADDR": "8080", "OKNO_DEMO": "yes please",
			"OKNO_SESSION_IDLE": "soon", "OKNO_MAX_UPLOAD_BYTES": "-5", "OKNO_LOG_FORMAT": "xml", "OKNO_SESSION_KEY": "abc",
			"OKNO_SECRETS_KEY": strings.Repeat("ab", 31)},
			[]string{"OKNO_ADDR must be host:port", "OKNO_DEMO must be true or false", "OKNO_SESSION_IDLE must be a positive duration",
				"OKNO_MAX_UPLOAD_BYTES must be a positive size", "OKNO_LOG_FORMAT must be one of auto, json, text", "OKNO_SESSION_KEY must be 64 hexadecimal",
				"OKNO_SECRETS_KEY must be 64 hexadecimal"}},
		{map[string]string{"DATABASE_URL": "postgres://h/db", "OKNO_STORAGE": "s3", "OKNO_S3_BUCKET": "b"},
			[]string{"OKNO_S3_ENDPOINT is required when OKNO_STORAGE=s3", "OKNO_S3_SECRET_KEY is required"}},
		{map[string]string{"DATABASE_URL": "postgres://h/db", "OKNO_TRUST_CRLS": "/etc/okno/ca.crl"},
			[]string{"OKNO_TRUST_CRLS needs OKNO_TRUST_ROOTS"}},
	}
	for _, tc := range cases {
		_, err := Load(env(tc.env))
		if err == nil {
			t.Fatalf("%v: no error", tc.env)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q lacks %q", tc.env, err, w)
			}
		}
	}
}

func TestSizesWithUnits(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://h/db", "OKNO_MAX_UPLOAD_BYTES": "20MiB"}))
	if err != nil || c.Storage.MaxUploadSize != 20<<20 {
		t.Fatalf("got %d, %v", c.Storage.MaxUploadSize, err)
	}
}

func TestSessionKeyPersists(t *testing.T) {
	dir := t.TempDir()
	c := Config{DataDir: dir}
	fill := func(b []byte) error {
		for i := range b {
			b[i] = byte(i)
		}
		return nil
	}
	first, err := c.LoadOrCreateSessionKey(fill)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.LoadOrCreateSessionKey(func([]byte) error { t.Fatal("key generated twice"); return nil })
	if err != nil || string(first) != string(second) {
		t.Fatalf("key not kept: %v", err)
	}
}

// TestSecretsKeyFromEnvironmentOrFile: OKNO_SECRETS_KEY wins; without it the
// key is generated once into its own file, apart from the session key.
func TestSecretsKeyFromEnvironmentOrFile(t *testing.T) {
	given := strings.Repeat("0f", 32)
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://h/db", "OKNO_SECRETS_KEY": given}))
	if err != nil {
		t.Fatal(err)
	}
	key, err := c.LoadOrCreateSecretsKey(func([]byte) error { t.Fatal("configured key replaced"); return nil })
	if err != nil || len(key) != 32 || key[0] != 0x0f {
		t.Fatalf("configured key: %x %v", key, err)
	}
	c = Config{DataDir: t.TempDir()}
	first, err := c.LoadOrCreateSecretsKey(func(b []byte) error { b[0] = 1; return nil })
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.LoadOrCreateSecretsKey(func([]byte) error { t.Fatal("key generated twice"); return nil })
	if err != nil || string(first) != string(second) {
		t.Fatalf("key not kept: %v", err)
	}
	if _, err := os.Stat(c.SessionKeyFile()); !os.IsNotExist(err) {
		t.Fatalf("the secrets key was written as the session key: %v", err)
	}
}

func TestTrustRootsAndCRLs(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://h/db", "OKNO_TRUST_ROOTS": "/etc/okno/roots.pem",
		"OKNO_TRUST_CRLS": " /etc/okno/ca.crl , http://ca.example/ca.crl,"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Trust.RootsFile != "/etc/okno/roots.pem" || len(c.Trust.CRLs) != 2 || c.Trust.CRLs[0] != "/etc/okno/ca.crl" || c.Trust.CRLs[1] != "http://ca.example/ca.crl" {
		t.Fatalf("trust %+v", c.Trust)
	}
}
