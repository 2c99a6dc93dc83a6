// Package standtest runs the SMEV client against the SMEV stand's bus
// (internal/smevstand/bus) over HTTP with real GOST signatures and a real
// PostgreSQL queue. It holds tests only, so a change in the stand never
// breaks the client's own tests.
package standtest_test
