package database_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/migrations"
)

// released reads testdata/released_migrations.txt: the last released
// migration version and the SHA-256 of every released file.
func released(t *testing.T) (version int64, sums map[string]string) {
	t.Helper()
	f, err := os.Open("testdata/released_migrations.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums = map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		switch {
		case fields[0] == "release" && len(fields) == 3:
			if version, err = strconv.ParseInt(fields[2], 10, 64); err != nil {
				t.Fatalf("release line %q: %v", line, err)
			}
		case len(fields) == 2:
			sums[fields[1]] = fields[0]
		default:
			t.Fatalf("released_migrations.txt: cannot read %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if version == 0 || len(sums) == 0 {
		t.Fatal("released_migrations.txt names no release")
	}
	return version, sums
}

// A released migration may already have run on an agency's database, where
// goose will never run it again: its file must stay as it was released.
func TestReleasedMigrationsAreUnchanged(t *testing.T) {
	t.Parallel()
	version, sums := released(t)
	for name, want := range sums {
		data, err := fs.ReadFile(migrations.Files, name)
		if err != nil {
			t.Errorf("released migration %s is gone: %v", name, err)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("released migration %s was edited (sha256 %s, released as %s): restore it and add a new migration instead (migrations/README.md)", name, got, want)
		}
	}
	// Every file up to the release is in the list, so none escapes the check.
	files, err := fs.Glob(migrations.Files, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		v, err := strconv.ParseInt(strings.SplitN(name, "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration %s has no version number", name)
		}
		if _, listed := sums[name]; v <= version && !listed {
			t.Errorf("migration %s (version %d) is not newer than release %d but is not in the released list", name, v, version)
		}
	}
}

// An agency's database made by the last release, with its rows, migrates to
// the current schema with every row intact and readable by the application.
func TestUpgradeFromLastRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	version, _ := released(t)
	ownerURL := pgtest.NewDatabase(t)

	owner, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if err := database.EnsureAppRole(ctx, owner, ""); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.Files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, version); err != nil {
		t.Fatalf("migrate to release %d: %v", version, err)
	}

	// Representative rows of the released schema: an agency with a
	// department, a clerk, a service type, and a registered case with a
	// document and its timeline.
	agency, dept, clerk, service, kase, doc := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	for _, stmt := range []struct {
		sql  string
		args pgx.NamedArgs
	}{
		{`INSERT INTO agencies (id, code, name, short_name) VALUES (@agency, 'UPGRADE', 'Министерство обновлений', 'Минобнов')`, nil},
		{`INSERT INTO departments (agency_id, id, name) VALUES (@agency, @dept, 'Отдел выдачи')`, nil},
		{`INSERT INTO users (agency_id, id, login, full_name, role, department_id, password_hash)
		  VALUES (@agency, @clerk, 'upgrade.clerk', 'Иванова Анна Петровна', 'clerk', @dept, 'argon2id$not-a-real-hash')`, nil},
		{`INSERT INTO login_directory (login, agency_id, user_id) VALUES ('upgrade.clerk', @agency, @clerk)`, nil},
		{`INSERT INTO service_types (agency_id, id, code, title, namespace_uri, root_element, registry_pattern,
		      deadline_working_days, on_problem, fields, required_documents, mapping, version)
		  VALUES (@agency, @service, 'RNS', 'Разрешение на строительство', 'urn:upgrade:rns:1.0.0', 'Application',
		      'RNS-{year}-{seq:5}', 7, 'register', '[]', '[]', '{}', 1)`, nil},
		{`INSERT INTO registry_counters (agency_id, year, last_seq) VALUES (@agency, 2026, 1)`, nil},
		{`INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel,
		      applicant_kind, applicant_name, applicant, fields, received_at, registered_at, due_date,
		      department_id, executor_id, bus_message_id)
		  VALUES (@agency, @case, 'RNS-2026-00001', @service, 1, 'in_progress', 'portal',
		      'person', 'Петров Пётр Петрович', '{"kind":"person"}', '{"object":"Дом"}',
		      '2026-03-02T09:00:00Z', '2026-03-02T09:05:00Z', '2026-03-11', @dept, @clerk, 'bus-message-1')`, nil},
		{`INSERT INTO case_documents (agency_id, case_id, id, kind, title, file_name, mime_type, size_bytes,
		      sha256, streebog256, blob_key, signature_status)
		  VALUES (@agency, @case, @doc, 'application', 'Заявление', 'application.xml', 'application/xml', 5,
		      '\x00'::bytea, '\x00'::bytea, 'blobs/upgrade', 'none')`, nil},
		{`INSERT INTO case_events (agency_id, case_id, seq, actor_name, kind, to_status)
		  VALUES (@agency, @case, 1, 'ЕПГУ', 'registered', 'registered')`, nil},
	} {
		args := pgx.NamedArgs{"agency": agency, "dept": dept, "clerk": clerk, "service": service, "case": kase, "doc": doc}
		if _, err := owner.Exec(ctx, stmt.sql, args); err != nil {
			t.Fatalf("seed the released schema: %v\n%s", err, stmt.sql)
		}
	}

	if err := database.Prepare(ctx, ownerURL, ""); err != nil {
		t.Fatalf("migrate from release %d to head: %v", version, err)
	}
	head, err := provider.GetDBVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(migrations.Files, "*.sql")
	last, _ := strconv.ParseInt(strings.SplitN(files[len(files)-1], "_", 2)[0], 10, 64)
	if head != last {
		t.Fatalf("database at version %d after upgrade, want %d", head, last)
	}

	appURL, err := database.AppURL(ownerURL, "")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := database.Open(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var (
		number, status, applicant, executor, serviceCode, docTitle, deptName string
		events                                                               int
		listed                                                               int
	)
	err = database.InAgency(ctx, pool, agency, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, `
			SELECT c.number, c.status, c.applicant_name, u.full_name, s.code, d.title, dep.name,
			       (SELECT count(*) FROM case_events e WHERE e.agency_id = c.agency_id AND e.case_id = c.id),
			       (SELECT count(*) FROM unnest(registry_search(c.number, '%' || c.number || '%')) AS r (id) WHERE r.id = c.id)
			FROM cases c
			JOIN users u ON u.agency_id = c.agency_id AND u.id = c.executor_id
			JOIN service_types s ON s.agency_id = c.agency_id AND s.id = c.service_type_id
			JOIN case_documents d ON d.agency_id = c.agency_id AND d.case_id = c.id
			JOIN departments dep ON dep.agency_id = c.agency_id AND dep.id = c.department_id
			WHERE c.id = @case`, pgx.NamedArgs{"case": kase})
		return row.Scan(&number, &status, &applicant, &executor, &serviceCode, &docTitle, &deptName, &events, &listed)
	})
	if err != nil {
		t.Fatalf("read the released rows after the upgrade, as the application: %v", err)
	}
	got := []string{number, status, applicant, executor, serviceCode, docTitle, deptName, strconv.Itoa(events), strconv.Itoa(listed)}
	want := []string{"RNS-2026-00001", "in_progress", "Петров Пётр Петрович", "Иванова Анна Петровна", "RNS", "Заявление", "Отдел выдачи", "1", "1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after the upgrade the case reads\n %q\nwant\n %q", got, want)
	}
}
