// Package pgtest gives tests a real PostgreSQL database of their own.
//
// Each call to NewDatabase creates a fresh, empty database on the server named
// by OKNO_TEST_DATABASE_URL or DATABASE_URL (default: the local server on
// 127.0.0.1:5432 as user postgres) and drops it when the test ends, so tests
// never see each other's rows and can run in parallel. `make test` starts a
// private cluster when no server answers; a test that cannot reach PostgreSQL
// fails rather than skips, because data code is only proven against a real one.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ServerURL is the maintenance connection used to create and drop test databases.
func ServerURL() string {
	for _, name := range []string{"OKNO_TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// NewDatabase creates an empty database for this test and returns its URL.
// The database is dropped (with its connections terminated) at cleanup.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

// NewDatabaseFrom creates this test's database as a copy of template (a
// database on the same server that nobody is connected to) and returns its
// URL; copying a migrated template is far quicker than migrating afresh.
func NewDatabaseFrom(t testing.TB, template string) string {
	t.Helper()
	return newDatabase(t, template)
}

func newDatabase(t testing.TB, template string) string {
	t.Helper()
	server := ServerURL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v (start PostgreSQL or set DATABASE_URL; `make test` does both)", redact(server), err)
	}
	defer conn.Close(ctx)

	name := "okno_test_" + randomSuffix(t)
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		create += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, create); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { dropDatabase(t, server, name) })
	u, err := DatabaseURL(name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// DatabaseURL is the server's URL (ServerURL) pointed at the named database.
func DatabaseURL(name string) (string, error) {
	server := ServerURL()
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", redact(server), err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func dropDatabase(t testing.TB, server, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Errorf("pgtest: connect to drop %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("pgtest: drop database %s: %v", name, err)
	}
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("pgtest: random: %v", err)
	}
	return hex.EncodeToString(b)
}

// redact hides a password in a connection URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable database URL>"
	}
	return u.Redacted()
}
