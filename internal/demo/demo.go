// Package demo fills a new installation with the demonstration agencies and
// people listed in README.md, so that `make run` shows a working Okno at once.
// Seeding is idempotent: an agency that already exists is left as it is.
package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/people"
)

// Password is the demo users' password, printed in README.md. Demo only.
const Password = "okno-demo-2026"

type agency struct {
	agency      people.Agency
	departments []string
	users       []people.SeedUser
}

func agencies() []agency {
	u := func(login, name, dept string, role people.Role) people.SeedUser {
		return people.SeedUser{Login: login, FullName: name, Department: dept, Role: role, Password: Password}
	}
	return []agency{
		{
			agency: people.Agency{Code: "PLATFORM", Name: "Оператор платформы «Окно»", ShortName: "Оператор платформы", IsPlatform: true},
			users:  []people.SeedUser{u("platform.admin", "Соколов Андрей Викторович", "", people.RolePlatformAdmin)},
		},
		{
			agency:      people.Agency{Code: "MINSTROY", Name: "Министерство строительства", ShortName: "Минстрой", SMEVMnemonic: "MINSTROY"},
			departments: []string{"Отдел разрешений на строительство", "Отдел ввода объектов в эксплуатацию"},
			users: []people.SeedUser{
				u("minstroy.clerk", "Иванова Мария Сергеевна", "Отдел разрешений на строительство", people.RoleClerk),
				u("minstroy.head", "Петров Алексей Николаевич", "Отдел разрешений на строительство", people.RoleHead),
				u("minstroy.admin", "Кузнецова Ольга Игоревна", "", people.RoleAgencyAdmin),
			},
		},
		{
			agency:      people.Agency{Code: "OKN", Name: "Комитет по охране объектов культурного наследия", ShortName: "Комитет ОКН", SMEVMnemonic: "OKN"},
			departments: []string{"Отдел государственного учёта объектов", "Отдел согласования работ"},
			users: []people.SeedUser{
				u("okn.clerk", "Смирнов Дмитрий Олегович", "Отдел согласования работ", people.RoleClerk),
				u("okn.head", "Васильева Елена Андреевна", "Отдел согласования работ", people.RoleHead),
				u("okn.admin", "Морозов Игорь Павлович", "", people.RoleAgencyAdmin),
			},
		},
	}
}

// Seed creates the demo agencies that do not exist yet, with their service
// types and business calendars.
func Seed(ctx context.Context, svc *people.Service, pool *pgxpool.Pool) error {
	for _, a := range agencies() {
		if _, err := svc.SeedAgency(ctx, a.agency, a.departments, a.users); err != nil {
			return fmt.Errorf("demo: seed %s: %w", a.agency.Code, err)
		}
	}
	if err := forms.SeedDemo(ctx, pool); err != nil {
		return fmt.Errorf("demo: service types: %w", err)
	}
	if err := calendar.SeedDemo(ctx, pool); err != nil {
		return fmt.Errorf("demo: calendars: %w", err)
	}
	return nil
}
