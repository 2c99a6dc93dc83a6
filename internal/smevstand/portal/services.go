package portal

// Service is a portal service an applicant files through a concentrator
// form; Okno maps its namespace and root element to a service type.
type Service struct {
	Code    string // path segment of the concentrator namespace
	Version string
	Name    string
	// EServiceCode and TargetCode identify the service in ФРГУ/ЕЛК.
	EServiceCode string
	TargetCode   string
	// Recipient is the mnemonic of the agency system the form goes to.
	Recipient string
	// Companies says who applies: legal entities (true) or citizens.
	Companies bool
	// Documents are the scans the applicant attaches.
	Documents []string
	// Object describes what the application is about.
	Object func(g objectSource) []Field
	// OnDemand services are filed only when asked for (the control
	// example), never at the portal's rate.
	OnDemand bool
}

// Field is one name/value line of a form section.
type Field struct {
	Name, Value string
}

// Namespace is the form's concentrator namespace.
func (s Service) Namespace() string {
	return "http://epgu.gosuslugi.ru/concentrator/" + s.Code + "/" + s.Version
}

// FormRoot is the root element of every concentrator form.
const FormRoot = "FormData"

// DemoServices are the two services of the demo agencies: a building permit
// (Минстрой, MINSTROY) and works on a cultural heritage site (the heritage
// protection body, OKN).
func DemoServices(buildingRecipient, heritageRecipient string) []Service {
	return []Service{
		{
			Code: "building-permit", Version: "1.0.0", Name: "Выдача разрешения на строительство",
			EServiceCode: "10000000000101", TargetCode: "10000000000101001", Recipient: buildingRecipient, Companies: true,
			Documents: []string{
				"Правоустанавливающие документы на земельный участок",
				"Градостроительный план земельного участка",
				"Проектная документация (пояснительная записка)",
				"Положительное заключение экспертизы проектной документации",
			},
			Object: func(g objectSource) []Field {
				return []Field{
					{"objectName", g.buildingName()},
					{"cadastralNumber", g.cadastralNumber()},
					{"objectAddress", g.address()},
					{"floors", g.intString(2, 25)},
					{"totalArea", g.intString(300, 25000) + " кв. м"},
				}
			},
		},
		{
			Code: "heritage-works", Version: "1.0.0",
			Name:         "Выдача разрешения на проведение работ по сохранению объекта культурного наследия",
			EServiceCode: "10000000000202", TargetCode: "10000000000202001", Recipient: heritageRecipient,
			Documents: []string{
				"Задание на проведение работ по сохранению объекта культурного наследия",
				"Проектная документация на проведение работ",
				"Лицензия на деятельность по сохранению объектов культурного наследия",
			},
			Object: func(g objectSource) []Field {
				return []Field{
					{"heritageObjectName", g.heritageName()},
					{"registryNumber", g.heritageRegistryNumber()},
					{"objectAddress", g.address()},
					{"worksKind", g.worksKind()},
				}
			},
		},
	}
}

// ControlService is the service of the control example: applications go to
// the control system only, so running the example never touches the
// queues of Okno's agencies.
func ControlService(recipient string) Service {
	return Service{
		Code: "control-example", Version: "1.0.0", Name: "Контрольный пример обмена через СМЭВ 3",
		EServiceCode: "10000000000999", TargetCode: "10000000000999001", Recipient: recipient, Companies: true, OnDemand: true,
		Documents: []string{"Заявление (скан)"},
		Object: func(g objectSource) []Field {
			return []Field{{"cadastralNumber", g.cadastralNumber()}, {"objectAddress", g.address()}}
		},
	}
}
