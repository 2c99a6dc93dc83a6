package faultinject_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/faultinject"
)

func TestInjectedFailures(t *testing.T) {
	cases := []struct {
		name      string
		cfg       faultinject.Config
		processed bool
		check     func(t *testing.T, resp *http.Response, err error)
	}{
		{"none", faultinject.Config{}, true, func(t *testing.T, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%v %v", resp, err)
			}
		}},
		{"http 5xx before processing", faultinject.Config{HTTPErrorRate: 1}, false, func(t *testing.T, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("%v %v, want 503", resp, err)
			}
		}},
		{"SMEVFailure before processing", faultinject.Config{SMEVFailureRate: 1}, false, func(t *testing.T, resp *http.Response, err error) {
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			var f *message.Fault
			if uerr := message.Unmarshal(body, message.DefaultLimits(), &message.AckResponse{}); !errors.As(uerr, &f) || f.Kind != message.FaultSMEVFailure {
				t.Fatalf("reply %s: %v, want SMEVFailure", body, uerr)
			}
		}},
		{"connection dropped after processing", faultinject.Config{DropRate: 1}, true, func(t *testing.T, resp *http.Response, err error) {
			if err == nil {
				t.Fatalf("got %d, want a broken connection", resp.StatusCode)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inj, err := faultinject.New(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var calls atomic.Int32
			srv := httptest.NewServer(inj.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				_, _ = io.WriteString(w, "ok")
			})))
			defer srv.Close()
			resp, err := http.Post(srv.URL, "text/xml", strings.NewReader("<x/>"))
			if resp != nil {
				defer resp.Body.Close()
			}
			c.check(t, resp, err)
			if got := calls.Load() == 1; got != c.processed {
				t.Fatalf("handler called %d times, processed=%v wanted", calls.Load(), c.processed)
			}
		})
	}
}

func TestRatesAreShares(t *testing.T) {
	for _, cfg := range []faultinject.Config{{DropRate: 1.5}, {HTTPErrorRate: -0.1}, {DuplicateRate: 2}, {Latency: -1}} {
		if _, err := faultinject.New(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	inj, err := faultinject.New(faultinject.Config{DuplicateRate: 1})
	if err != nil || !inj.Duplicate() {
		t.Fatalf("DuplicateRate 1 did not duplicate (%v)", err)
	}
}

func TestForgeSignaturesNamesMessages(t *testing.T) {
	const id = "6f1c2a3e-6a2b-11ef-8000-0242ac120002"
	inj, err := faultinject.New(faultinject.Config{ForgeSignatures: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if !inj.Forged(id) || inj.Forged("6f1c2a3e-6a2b-11ef-8000-0242ac120003") {
		t.Error("Forged does not pick exactly the configured message")
	}
	for _, bad := range []string{"42", strings.ToUpper(id)} {
		if _, err := faultinject.New(faultinject.Config{ForgeSignatures: []string{bad}}); err == nil {
			t.Errorf("message id %q to forge accepted", bad)
		}
	}
}
