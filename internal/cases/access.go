package cases

import (
	"github.com/okno-oiv/okno/internal/people"
)

// workers are the roles that work cases.
func workers() []people.Role { return []people.Role{people.RoleClerk, people.RoleHead} }

func allowed(p *people.Principal, roles ...people.Role) error {
	if p == nil || !p.Has(roles...) {
		return ErrForbidden
	}
	return nil
}
