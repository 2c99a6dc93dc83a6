package cases

import (
	"testing"

	"github.com/okno-oiv/okno/internal/people"
)

// TestStatusMachineExhaustively checks every (from, to, actor) triple
// against the regulation written out as a table of allowed moves.
func TestStatusMachineExhaustively(t *testing.T) {
	type move struct {
		from, to Status
		actor    people.Role
	}
	const system people.Role = ""
	allowed := map[move]bool{}
	for _, m := range []move{
		{StatusRegistered, StatusInProgress, people.RoleClerk},
		{StatusRegistered, StatusInProgress, people.RoleHead},
		{StatusInProgress, StatusAwaitingApplicant, people.RoleClerk},
		{StatusInProgress, StatusAwaitingApplicant, people.RoleHead},
		{StatusAwaitingApplicant, StatusInProgress, people.RoleClerk},
		{StatusAwaitingApplicant, StatusInProgress, people.RoleHead},
		{StatusAwaitingApplicant, StatusInProgress, system},
		{StatusInProgress, StatusOnApproval, people.RoleClerk},
		{StatusInProgress, StatusOnApproval, people.RoleHead},
		{StatusOnApproval, StatusInProgress, people.RoleHead},
		{StatusOnApproval, StatusRefused, people.RoleHead},
		{StatusOnApproval, StatusDecisionSigned, system},
		{StatusDecisionSigned, StatusResultSent, system},
		{StatusRegistered, StatusCancelled, system},
		{StatusInProgress, StatusCancelled, system},
		{StatusAwaitingApplicant, StatusCancelled, system},
		{StatusOnApproval, StatusCancelled, system},
	} {
		allowed[m] = true
	}
	actors := []people.Role{system, people.RoleClerk, people.RoleHead, people.RoleAgencyAdmin, people.RolePlatformAdmin}
	for _, from := range AllStatuses() {
		for _, to := range AllStatuses() {
			for _, actor := range actors {
				_, got := TransitionFor(from, to, actor)
				if want := allowed[move{from, to, actor}]; got != want {
					t.Errorf("%s → %s by %q: allowed=%v, want %v", from, to, actor, got, want)
				}
			}
		}
	}
	// Final statuses are final, and a signed decision can no longer be cancelled.
	for _, from := range []Status{StatusResultSent, StatusRefused, StatusCancelled, StatusDecisionSigned} {
		for _, actor := range actors {
			if _, ok := TransitionFor(from, StatusCancelled, actor); ok {
				t.Errorf("%s can be cancelled by %q", from, actor)
			}
		}
	}
}

func TestEveryStatusHasTitleAndCabinetCode(t *testing.T) {
	for _, s := range AllStatuses() {
		if s.Title() == string(s) || s.ELKStatus() == 0 {
			t.Errorf("status %s lacks a title or an ELK code", s)
		}
	}
	if len(ActionsFor(StatusOnApproval, people.RoleClerk)) != 0 {
		t.Error("a clerk may act on a case on approval")
	}
	if got := len(ActionsFor(StatusOnApproval, people.RoleHead)); got != 2 {
		t.Errorf("head has %d actions on approval, want 2", got)
	}
}
