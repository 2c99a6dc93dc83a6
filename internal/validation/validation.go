// Package validation carries per-field problems with user input from the
// domain to the form that shows them beside the fields. Messages are Russian,
// written for the person who typed the value.
package validation

import (
	"sort"
	"strings"
)

// Errors maps a form field name to what is wrong with its value.
type Errors map[string]string

// Add records a problem with field, keeping the first one reported.
func (e Errors) Add(field, message string) {
	if _, ok := e[field]; !ok {
		e[field] = message
	}
}

// Err returns e as an error when it holds any problem, nil otherwise.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

func (e Errors) Error() string {
	fields := make([]string, 0, len(e))
	for f := range e {
		fields = append(fields, f+": "+e[f])
	}
	sort.Strings(fields)
	return "invalid input: " + strings.Join(fields, "; ")
}
