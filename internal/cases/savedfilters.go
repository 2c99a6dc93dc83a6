package cases

// Saved filters: a clerk's named registry queries, shown as tabs above the
// list. Each belongs to one user; nobody else sees or deletes it.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
)

// Limits of saved filters.
const (
	maxSavedFilters   = 20
	maxFilterNameRune = 100
	// SavedFilterCountLimit: tab counts stop here ("больше 999") so that a
	// page with several tabs never counts a whole million-row registry.
	SavedFilterCountLimit = 1000
)

// SavedFilter is a named registry query of one user.
type SavedFilter struct {
	ID     uuid.UUID
	Name   string
	Filter Filter
	Count  int // matching cases, at most SavedFilterCountLimit
}

// SavedFilters returns the user's saved filters by name, each with the
// number of cases it selects now.
func (s *Service) SavedFilters(ctx context.Context, by *people.Principal) ([]SavedFilter, error) {
	if err := allowed(by, workers()...); err != nil {
		return nil, err
	}
	var saved []SavedFilter
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		list, err := selectSavedFilters(ctx, tx, by.User.ID)
		if err != nil {
			return fmt.Errorf("saved filters: %w", err)
		}
		for _, st := range list {
			q, err := url.ParseQuery(st.Query)
			if err != nil {
				return fmt.Errorf("saved filter %s: %w", st.ID, err)
			}
			// A filter saved valid stays readable; a part that no longer
			// parses is dropped rather than hiding the whole tab.
			f, _ := ParseFilter(q)
			n, err := s.count(ctx, tx, by.Agency.ID, f, SavedFilterCountLimit)
			if err != nil {
				return err
			}
			saved = append(saved, SavedFilter{ID: st.ID, Name: st.Name, Filter: f, Count: n})
		}
		return nil
	})
	return saved, err
}

// SaveFilter stores the filter (without its page cursor) under a name.
func (s *Service) SaveFilter(ctx context.Context, by *people.Principal, name string, f Filter) (SavedFilter, error) {
	if err := allowed(by, workers()...); err != nil {
		return SavedFilter{}, err
	}
	name = strings.Join(strings.Fields(name), " ")
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return SavedFilter{}, validation.Errors{"name": "Назовите фильтр."}
	case n > maxFilterNameRune:
		return SavedFilter{}, validation.Errors{"name": fmt.Sprintf("Не длиннее %d символов.", maxFilterNameRune)}
	}
	f.After = ""
	saved := SavedFilter{ID: uuid.New(), Name: name, Filter: f}
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		n, err := countSavedFilters(ctx, tx, by.User.ID)
		if err != nil {
			return fmt.Errorf("save filter: %w", err)
		}
		if n >= maxSavedFilters {
			return validation.Errors{"name": fmt.Sprintf("Сохранить можно не больше %d фильтров: удалите ненужный.", maxSavedFilters)}
		}
		err = insertSavedFilter(ctx, tx, by.Agency.ID, by.User.ID, saved.ID, name, f.Query().Encode())
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return validation.Errors{"name": "Фильтр с таким названием уже есть."}
		}
		if err != nil {
			return fmt.Errorf("save filter: %w", err)
		}
		return nil
	})
	if err != nil {
		return SavedFilter{}, err
	}
	return saved, nil
}

// DeleteFilter removes one of the user's saved filters; another user's
// filter is ErrNotFound, exactly like one that does not exist.
func (s *Service) DeleteFilter(ctx context.Context, by *people.Principal, id uuid.UUID) error {
	if err := allowed(by, workers()...); err != nil {
		return err
	}
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		deleted, err := deleteSavedFilter(ctx, tx, by.User.ID, id)
		if err != nil {
			return fmt.Errorf("delete filter %s: %w", id, err)
		}
		if !deleted {
			return ErrNotFound
		}
		return nil
	})
}
