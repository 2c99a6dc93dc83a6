package bus

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MessageType is what SMEV routes by: the qualified name of the business
// document's root element (a "вид сведений").
type MessageType struct {
	Namespace   string
	RootElement string
}

func (t MessageType) String() string { return "{" + t.Namespace + "}" + t.RootElement }

// Route says who provides a message type and who may send it.
type Route struct {
	Type      MessageType
	Provider  string   // recipient mnemonic
	Consumers []string // senders allowed; "*" allows every registered system
}

// Allows reports whether sender may send this type.
func (r Route) Allows(sender string) bool {
	return slices.Contains(r.Consumers, "*") || slices.Contains(r.Consumers, sender)
}

// AccessMatrix is the set of registered message types with their routes.
type AccessMatrix struct {
	routes     map[MessageType]Route
	namespaces map[string]bool
}

// NewAccessMatrix builds a matrix; a type may be routed only once.
func NewAccessMatrix(routes ...Route) (*AccessMatrix, error) {
	m := &AccessMatrix{routes: map[MessageType]Route{}, namespaces: map[string]bool{}}
	for _, r := range routes {
		if r.Type.Namespace == "" || r.Type.RootElement == "" || r.Provider == "" || len(r.Consumers) == 0 {
			return nil, fmt.Errorf("access matrix: incomplete route %+v", r)
		}
		if _, dup := m.routes[r.Type]; dup {
			return nil, fmt.Errorf("access matrix: type %s routed twice", r.Type)
		}
		m.routes[r.Type] = r
		m.namespaces[r.Type.Namespace] = true
	}
	return m, nil
}

// ParseAccessMatrix reads the text form: one route a line, fields separated
// by spaces — namespace, root element, provider mnemonic, comma-separated
// consumer mnemonics (or *). Blank lines and lines starting with # are skipped.
func ParseAccessMatrix(r io.Reader) (*AccessMatrix, error) {
	var routes []Route
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			return nil, fmt.Errorf("access matrix line %d: want 4 fields (namespace root provider consumers), have %d", n, len(f))
		}
		consumers := strings.Split(f[3], ",")
		if slices.Contains(consumers, "") {
			return nil, fmt.Errorf("access matrix line %d: empty consumer in %q", n, f[3])
		}
		routes = append(routes, Route{Type: MessageType{f[0], f[1]}, Provider: f[2], Consumers: consumers})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read access matrix: %w", err)
	}
	return NewAccessMatrix(routes...)
}

// Route returns the route of a request type.
func (m *AccessMatrix) Route(t MessageType) (Route, bool) {
	r, ok := m.routes[t]
	return r, ok
}

// KnownNamespace reports whether any registered type uses the namespace;
// responses are typed by their provider's namespace.
func (m *AccessMatrix) KnownNamespace(ns string) bool { return m.namespaces[ns] }

// Routes lists all routes (for the stand's overview page and checks).
func (m *AccessMatrix) Routes() []Route {
	out := make([]Route, 0, len(m.routes))
	for _, r := range m.routes {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Route) int { return strings.Compare(a.Type.String(), b.Type.String()) })
	return out
}
