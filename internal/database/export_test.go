package database

// EnsureAppRole lets the upgrade test create the role that the released
// migrations grant to, before it migrates only part of the way.
var EnsureAppRole = ensureAppRole
