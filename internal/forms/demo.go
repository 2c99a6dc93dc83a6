package forms

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/database"
)

// ConcentratorNamespace is the namespace of an ЕПГУ concentrator form of a
// service and version, e.g. ("building-permit", "1.0.0").
func ConcentratorNamespace(service, version string) string {
	return "http://epgu.gosuslugi.ru/concentrator/" + service + "/" + version
}

// ConcentratorMapping maps the parts every concentrator form shares (the
// applicant, the service block, the documents) and adds the service's own
// fields. The applicant's names and identity document fall back to a legal
// entity's representative; the address to the organisation's.
func ConcentratorMapping(fields map[string]Paths) Mapping {
	person := func(leaf string) Paths {
		return Paths{"Applicant/Person/" + leaf, "Applicant/Organization/Representative/" + leaf}
	}
	return Mapping{
		ApplicantKind: KindRule{Path: "Applicant/@type", Values: map[string]ApplicantKind{
			"PERSON": KindPerson, "LEGAL": KindLegalEntity, "SOLE_PROPRIETOR": KindSoleProprietor,
			"FOREIGN_CITIZEN": KindForeignCitizen, "FOREIGN_REPRESENTATIVE": KindForeignRepresentative,
		}},
		Applicant: ApplicantPaths{
			LastName: person("lastName"), FirstName: person("firstName"), MiddleName: person("middleName"),
			BirthDate:         person("birthDate"),
			OrganizationName:  Paths{"Applicant/Organization/fullName", "Applicant/Organization/shortName"},
			SNILS:             person("snils"),
			INN:               Paths{"Applicant/Organization/inn", "Applicant/Person/inn"},
			OGRN:              Paths{"Applicant/Organization/ogrn", "Applicant/Organization/ogrnip"},
			KPP:               Paths{"Applicant/Organization/kpp"},
			DocumentType:      person("IdentityDocument/@type"),
			DocumentSeries:    person("IdentityDocument/series"),
			DocumentNumber:    person("IdentityDocument/number"),
			DocumentIssueDate: person("IdentityDocument/issueDate"),
			DocumentIssuedBy:  person("IdentityDocument/issuedBy"),
			Address: Paths{"Applicant/Person/registrationAddress", "Applicant/Organization/legalAddress",
				"Applicant/Organization/Representative/registrationAddress"},
			Phone: Paths{"Applicant/Contacts/phone"},
			Email: Paths{"Applicant/Contacts/email"},
		},
		Region:            Paths{"Service/userSelectedRegion"},
		PortalOrderID:     Paths{"orderId", "@oid"},
		ServiceTargetCode: Paths{"Service/serviceTargetCode"},
		Fields:            fields,
		Documents: DocumentPaths{
			Path: "Documents/Document", Type: "type", FileName: "fileName", AttachmentID: "attachmentId", Signed: "signed",
		},
	}
}

// demoAgencies are the agencies of internal/demo that have demo services.
var demoAgencies = []string{"MINSTROY", "OKN"}

// DemoServiceTypes are the demo agency's service types, matching the portal
// simulator's forms; nil for an agency without demo services. AgencyID is
// left for the caller; IDs are derived from the codes, so they are the same
// in every installation.
func DemoServiceTypes(agencyCode string) []ServiceType {
	object := func(name string) Paths { return Paths{"Object/" + name} }
	id := func(code string) uuid.UUID {
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte("okno:service-type:"+agencyCode+":"+code))
	}
	switch agencyCode {
	case "MINSTROY":
		return []ServiceType{{
			ID: id("RNS"), Code: "RNS", Title: "Выдача разрешения на строительство", TargetCode: "10000000000101001",
			NamespaceURI: ConcentratorNamespace("building-permit", "1.0.0"), RootElement: "FormData",
			RegistryPattern: DefaultRegistryPattern,
			// ГрК РФ ст. 51: five working days from receipt of the application.
			DeadlineWorkingDays: 5, OnProblem: OnProblemRegister, Version: 1, Active: true,
			Fields: []Field{
				{Name: "objectName", Label: "Наименование объекта капитального строительства", Kind: KindText, Required: true, MaxLength: 500},
				{Name: "cadastralNumber", Label: "Кадастровый номер земельного участка", Kind: KindText, Required: true, MaxLength: 40},
				{Name: "objectAddress", Label: "Адрес (местоположение) объекта", Kind: KindTextarea, Required: true, MaxLength: 1000},
				{Name: "floors", Label: "Количество этажей", Kind: KindNumber},
				{Name: "totalArea", Label: "Общая площадь", Kind: KindText, MaxLength: 50},
			},
			RequiredDocuments: []string{
				"Правоустанавливающие документы на земельный участок",
				"Градостроительный план земельного участка",
				"Проектная документация (пояснительная записка)",
				"Положительное заключение экспертизы проектной документации",
			},
			Mapping: ConcentratorMapping(map[string]Paths{
				"objectName": object("objectName"), "cadastralNumber": object("cadastralNumber"),
				"objectAddress": object("objectAddress"), "floors": object("floors"), "totalArea": object("totalArea"),
			}),
		}}
	case "OKN":
		works := []Option{}
		for _, w := range []string{"Реставрация", "Консервация", "Ремонт", "Приспособление для современного использования"} {
			works = append(works, Option{Value: w, Label: w})
		}
		return []ServiceType{{
			ID: id("OKN-R"), Code: "OKN-R", TargetCode: "10000000000202001",
			Title:        "Выдача разрешения на проведение работ по сохранению объекта культурного наследия",
			NamespaceURI: ConcentratorNamespace("heritage-works", "1.0.0"), RootElement: "FormData",
			RegistryPattern: "{code}/{year}/{seq:05}",
			// A demo term and rule: the agency's regulation sets the real ones.
			DeadlineWorkingDays: 10, OnProblem: OnProblemReject, Version: 1, Active: true,
			Fields: []Field{
				{Name: "heritageObjectName", Label: "Наименование объекта культурного наследия", Kind: KindText, Required: true, MaxLength: 500},
				{Name: "registryNumber", Label: "Регистрационный номер в реестре ОКН", Kind: KindText, Required: true, MaxLength: 15},
				{Name: "objectAddress", Label: "Адрес объекта", Kind: KindTextarea, Required: true, MaxLength: 1000},
				{Name: "worksKind", Label: "Вид работ", Kind: KindSelect, Required: true, Options: works},
			},
			RequiredDocuments: []string{
				"Задание на проведение работ по сохранению объекта культурного наследия",
				"Проектная документация на проведение работ",
				"Лицензия на деятельность по сохранению объектов культурного наследия",
			},
			Mapping: ConcentratorMapping(map[string]Paths{
				"heritageObjectName": object("heritageObjectName"), "registryNumber": object("registryNumber"),
				"objectAddress": object("objectAddress"), "worksKind": object("worksKind"),
			}),
		}}
	}
	return nil
}

// SeedDemo adds the demo service types to the demo agencies, which must
// exist (internal/demo seeds them first). Types whose code an agency already
// has are left as they are, so seeding twice changes nothing.
func SeedDemo(ctx context.Context, pool *pgxpool.Pool) error {
	for _, code := range demoAgencies {
		var agencyID uuid.UUID
		err := database.Unscoped(ctx, pool, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM agencies WHERE code = $1`, code).Scan(&agencyID)
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("forms: seed demo: agency %s does not exist", code)
		}
		if err != nil {
			return fmt.Errorf("forms: seed demo: find agency %s: %w", code, err)
		}
		err = database.InAgency(ctx, pool, agencyID, func(tx pgx.Tx) error {
			for _, st := range DemoServiceTypes(code) {
				st.AgencyID = agencyID
				if _, err := ByCode(ctx, tx, st.Code); err == nil {
					continue
				} else if !errors.Is(err, ErrNotFound) {
					return err
				}
				if err := Insert(ctx, tx, st); err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, audit.SystemActor(), audit.Entry{
					Action: "service_type.create", ObjectType: "service_type", ObjectID: st.ID.String(),
					Details: map[string]any{"code": st.Code, "version": st.Version},
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("forms: seed demo service types of %s: %w", code, err)
		}
	}
	return nil
}
