// Package e2e holds Okno's end-to-end tests: the real server and SMEV stand
// binaries as separate processes on one PostgreSQL, driven from outside —
// through the bus, over HTTP and in headless Chromium — including killing the
// server at the worst moments. It has no code of its own outside tests.
package e2e
