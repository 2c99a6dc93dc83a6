package bus_test

import (
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/smevstand/bus"
)

func TestParseAccessMatrix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text string
		ok         bool
	}{
		{"routes with comments", `
# namespace  root  provider  consumers
urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6 FNSVipULRequest FNS MINSTROY,OKN
http://epgu.gosuslugi.ru/elk/status/1.0.2 ElkOrderRequest EPGU *
`, true},
		{"missing consumers", "urn:a Req P", false},
		{"extra field", "urn:a Req P A B", false},
		{"empty consumer", "urn:a Req P A,,B", false},
		{"type routed twice", "urn:a Req P A\nurn:a Req Q A", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := bus.ParseAccessMatrix(strings.NewReader(c.text))
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if !c.ok {
				return
			}
			r, found := m.Route(bus.MessageType{Namespace: "urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6", RootElement: "FNSVipULRequest"})
			if !found || r.Provider != "FNS" || !r.Allows("OKN") || r.Allows("EPGU") {
				t.Fatalf("FNS route %+v (found %v)", r, found)
			}
			elk, _ := m.Route(bus.MessageType{Namespace: "http://epgu.gosuslugi.ru/elk/status/1.0.2", RootElement: "ElkOrderRequest"})
			if !elk.Allows("ANYONE") {
				t.Fatal("* does not allow every system")
			}
			if !m.KnownNamespace("http://epgu.gosuslugi.ru/elk/status/1.0.2") || m.KnownNamespace("urn:unknown") {
				t.Fatal("KnownNamespace wrong")
			}
		})
	}
}

func TestRegistryRejectsDuplicates(t *testing.T) {
	t.Parallel()
	if _, err := bus.NewRegistry(bus.System{Mnemonic: "A"}, bus.System{Mnemonic: "A"}); err == nil {
		t.Error("a mnemonic registered twice")
	}
	if _, err := bus.NewRegistry(bus.System{Mnemonic: "A", Certificate: []byte{1}}, bus.System{Mnemonic: "B", Certificate: []byte{1}}); err == nil {
		t.Error("a certificate registered for two systems")
	}
	if _, err := bus.NewRegistry(bus.System{Name: "без мнемоники"}); err == nil {
		t.Error("a system without mnemonic")
	}
}
