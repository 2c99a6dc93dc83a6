package providers

import (
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/applicants"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
)

// Namespaces of the demo request types (see docs NOTES.md). The МВД
// namespace is not published; the stand's is a placeholder and the access
// matrix file can route another.
const (
	FNSULNamespace    = "urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6"
	FNSIPNamespace    = "urn://x-artefacts-fns-vipip-tosmv-ru/311-15/4.0.5"
	EGRNNamespace     = "urn://x-artefacts-rosreestr-gov-ru/virtual-services/egrn-statement/1.1.1"
	SNILSNamespace    = "http://kvs.pfr.com/snils-by-additionalData/1.0.1"
	PassportNamespace = "urn://x-artefacts-mvd-gov-ru/services/passport-validity/1.0.0"
)

// DemoAgencies are the four provider agencies of the stand.
func DemoAgencies() []Agency {
	return []Agency{
		{Mnemonic: "FNS", Name: "ФНС России", Services: []Service{
			{Type: bus.MessageType{Namespace: FNSULNamespace, RootElement: "FNSVipULRequest"}, Answer: egrul},
			{Type: bus.MessageType{Namespace: FNSIPNamespace, RootElement: "FNSVipIPRequest"}, Answer: egrip},
		}},
		{Mnemonic: "ROSREESTR", Name: "Росреестр", Services: []Service{
			{Type: bus.MessageType{Namespace: EGRNNamespace, RootElement: "Request"}, Answer: egrn},
		}},
		{Mnemonic: "SFR", Name: "Социальный фонд России", Services: []Service{
			{Type: bus.MessageType{Namespace: SNILSNamespace, RootElement: "SnilsByAdditionalDataRequest"}, Answer: snils},
		}},
		{Mnemonic: "MVD", Name: "МВД России", Services: []Service{
			{Type: bus.MessageType{Namespace: PassportNamespace, RootElement: "PassportValidityRequest"}, Answer: passport},
		}},
	}
}

// marshal encodes an answer; a failure becomes the FAILURE rejection SMEV
// defines for a provider's internal error.
func marshal(v any) ([]byte, *message.RequestRejected) {
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, &message.RequestRejected{RejectionReasonCode: message.RejectFailure, RejectionReasonDescription: "Ошибка формирования ответа: " + err.Error()}
	}
	return b, nil
}

func first(q Query, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(q[n]); v != "" {
			return v
		}
	}
	return ""
}

type egrulAnswer struct {
	XMLName xml.Name `xml:"urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6 FNSVipULResponse"`
	DocID   string   `xml:"ИдДок,attr"`
	UL      struct {
		OGRN     string `xml:"ОГРН,attr"`
		INN      string `xml:"ИНН,attr"`
		KPP      string `xml:"КПП,attr"`
		Date     string `xml:"ДатаОГРН,attr"`
		FullName string `xml:"СвНаимЮЛ>НаимЮЛПолн"`
		Address  string `xml:"СвАдресЮЛ>АдресРФ"`
		Head     struct {
			Name  string `xml:"ФИО"`
			INN   string `xml:"ИННФЛ,attr"`
			Title string `xml:"Должность"`
		} `xml:"СведДолжнФЛ"`
		Status string `xml:"СвСтатус>НаимСтатусЮЛ"`
	} `xml:"СвЮЛ"`
}

// egrul answers a ЕГРЮЛ extract by ОГРН or ИНН.
func egrul(q Query, g *applicants.Generator, r *rand.Rand) ([]byte, *message.RequestRejected) {
	ogrn, inn := first(q, "ОГРН"), first(q, "ИННЮЛ", "ИНН")
	switch {
	case ogrn == "" && inn == "":
		return nil, &message.RequestRejected{RejectionReasonCode: message.RejectUnknownRequestDescription, RejectionReasonDescription: "В запросе нет ни ОГРН, ни ИНН юридического лица"}
	case ogrn != "" && esign.CheckOGRN(ogrn) != nil, inn != "" && esign.CheckINNLE(inn) != nil:
		return nil, ptr(noData("Юридическое лицо с указанными реквизитами в ЕГРЮЛ не найдено"))
	}
	c := g.Company()
	for c.SoleProprietor {
		c = g.Company()
	}
	if ogrn != "" {
		c.OGRN = ogrn
	}
	if inn != "" {
		c.INN, c.KPP = inn, inn[:4]+"01001"
	}
	var a egrulAnswer
	a.DocID = first(q, "ИдДок")
	a.UL.OGRN, a.UL.INN, a.UL.KPP, a.UL.Date = c.OGRN, c.INN, c.KPP, c.Registered.Format("2006-01-02")
	a.UL.FullName, a.UL.Address = c.Name, c.Address.String()
	a.UL.Head.Name, a.UL.Head.INN, a.UL.Head.Title = c.Director.FullName(), c.Director.INN, "Генеральный директор"
	a.UL.Status = []string{"Действующее", "Действующее", "Действующее", "В стадии ликвидации"}[r.IntN(4)]
	return marshal(a)
}

type egripAnswer struct {
	XMLName xml.Name `xml:"urn://x-artefacts-fns-vipip-tosmv-ru/311-15/4.0.5 FNSVipIPResponse"`
	DocID   string   `xml:"ИдДок,attr"`
	IP      struct {
		OGRNIP string `xml:"ОГРНИП,attr"`
		INN    string `xml:"ИННФЛ,attr"`
		Date   string `xml:"ДатаОГРНИП,attr"`
		Name   string `xml:"СвФЛ>ФИОРус"`
		Status string `xml:"СвСтатус>НаимСтатус"`
	} `xml:"СвИП"`
}

// egrip answers a ЕГРИП extract by ОГРНИП or ИНН.
func egrip(q Query, g *applicants.Generator, _ *rand.Rand) ([]byte, *message.RequestRejected) {
	ogrnip, inn := first(q, "ОГРНИП"), first(q, "ИНН", "ИННФЛ")
	switch {
	case ogrnip == "" && inn == "":
		return nil, &message.RequestRejected{RejectionReasonCode: message.RejectUnknownRequestDescription, RejectionReasonDescription: "В запросе нет ни ОГРНИП, ни ИНН"}
	case ogrnip != "" && esign.CheckOGRNIP(ogrnip) != nil, inn != "" && esign.CheckINN(inn) != nil:
		return nil, ptr(noData("Индивидуальный предприниматель с указанными реквизитами в ЕГРИП не найден"))
	}
	p := g.Person()
	var a egripAnswer
	a.DocID = first(q, "ИдДок")
	a.IP.OGRNIP, a.IP.INN = ogrnip, inn
	if a.IP.INN == "" {
		a.IP.INN = p.INN
	}
	if a.IP.OGRNIP == "" {
		a.IP.OGRNIP = g.OGRNIP(p.BirthDate.AddDate(25, 0, 0), p.Address.RegionCode)
	}
	a.IP.Date, a.IP.Name, a.IP.Status = p.BirthDate.AddDate(25, 0, 0).Format("2006-01-02"), p.FullName(), "Действующий"
	return marshal(a)
}

type egrnAnswer struct {
	XMLName xml.Name `xml:"urn://x-artefacts-rosreestr-gov-ru/virtual-services/egrn-statement/1.1.1 Response"`
	Extract struct {
		CadastralNumber string `xml:"cadastralNumber"`
		ObjectType      string `xml:"objectType"`
		Area            string `xml:"area"`
		Address         string `xml:"address"`
		Category        string `xml:"landCategory"`
		Permitted       string `xml:"permittedUse"`
		Right           struct {
			Type   string `xml:"rightType"`
			Number string `xml:"registrationNumber"`
			Date   string `xml:"registrationDate"`
			Holder string `xml:"holder"`
		} `xml:"right"`
		Encumbrance string `xml:"encumbrance"`
	} `xml:"ExtractAboutProperty"`
}

// egrn answers a ЕГРН statement about a land plot by cadastral number.
func egrn(q Query, g *applicants.Generator, r *rand.Rand) ([]byte, *message.RequestRejected) {
	cn := first(q, "cadastralNumber", "CadastralNumber", "КадастровыйНомер")
	if cn == "" {
		return nil, &message.RequestRejected{RejectionReasonCode: message.RejectUnknownRequestDescription, RejectionReasonDescription: "В запросе не указан кадастровый номер"}
	}
	if strings.Count(cn, ":") != 3 {
		return nil, ptr(noData("Объект недвижимости с кадастровым номером " + cn + " не найден"))
	}
	var a egrnAnswer
	e := &a.Extract
	addr := g.Address()
	e.CadastralNumber, e.ObjectType, e.Address = cn, "Земельный участок", addr.City+", "+addr.Street
	e.Area = fmt.Sprintf("%d кв. м", 600+r.IntN(40000))
	e.Category = "Земли населённых пунктов"
	e.Permitted = []string{"Многоэтажная жилая застройка", "Общественное использование объектов капитального строительства", "Среднеэтажная жилая застройка"}[r.IntN(3)]
	c := g.Company()
	e.Right.Type = []string{"Собственность", "Аренда"}[r.IntN(2)]
	e.Right.Number = fmt.Sprintf("%s-%s/%03d/%d-%d", cn[:strings.LastIndex(cn, ":")], "77", 1+r.IntN(200), 2015+r.IntN(10), 1+r.IntN(9))
	e.Right.Date = c.Registered.AddDate(0, 6, 0).Format("2006-01-02")
	e.Right.Holder = c.Name + ", ИНН " + c.INN
	e.Encumbrance = []string{"не зарегистрировано", "не зарегистрировано", "Ипотека в силу закона"}[r.IntN(3)]
	return marshal(a)
}

type snilsAnswer struct {
	XMLName xml.Name `xml:"http://kvs.pfr.com/snils-by-additionalData/1.0.1 SnilsByAdditionalDataResponse"`
	Family  string   `xml:"FamilyName"`
	First   string   `xml:"FirstName"`
	Patr    string   `xml:"Patronymic"`
	Birth   string   `xml:"BirthDate"`
	Snils   string   `xml:"Snils"`
}

// snils answers a СНИЛС by name and birth date.
func snils(q Query, g *applicants.Generator, _ *rand.Rand) ([]byte, *message.RequestRejected) {
	family, name, birth := first(q, "FamilyName", "LastName"), first(q, "FirstName"), first(q, "BirthDate")
	if family == "" || name == "" || birth == "" {
		return nil, &message.RequestRejected{RejectionReasonCode: message.RejectUnknownRequestDescription, RejectionReasonDescription: "Нужны фамилия, имя и дата рождения"}
	}
	if _, err := time.Parse("2006-01-02", birth); err != nil {
		return nil, ptr(noData("Застрахованное лицо с датой рождения " + birth + " не найдено"))
	}
	return marshal(snilsAnswer{Family: family, First: name, Patr: first(q, "Patronymic", "MiddleName"), Birth: birth, Snils: g.SNILS()})
}

type passportAnswer struct {
	XMLName  xml.Name  `xml:"urn://x-artefacts-mvd-gov-ru/services/passport-validity/1.0.0 PassportValidityResponse"`
	Valid    *struct{} `xml:"validDoc"`
	NotFound *struct{} `xml:"notFoundDoc"`
	Invalid  *struct {
		Reason string `xml:"invalidityReason"`
		Date   string `xml:"invalidityDate"`
	} `xml:"invalidDoc"`
}

// passport answers whether a passport is valid: most are, some were
// replaced, a malformed one is not found.
func passport(q Query, _ *applicants.Generator, r *rand.Rand) ([]byte, *message.RequestRejected) {
	series, number := strings.ReplaceAll(first(q, "series", "Series", "Серия"), " ", ""), first(q, "number", "Number", "Номер")
	if series == "" || number == "" {
		return nil, &message.RequestRejected{RejectionReasonCode: message.RejectUnknownRequestDescription, RejectionReasonDescription: "Нужны серия и номер паспорта"}
	}
	var a passportAnswer
	switch {
	case len(series) != 4 || len(number) != 6:
		a.NotFound = &struct{}{}
	case r.IntN(10) == 0:
		a.Invalid = &struct {
			Reason string `xml:"invalidityReason"`
			Date   string `xml:"invalidityDate"`
		}{Reason: "Замена в связи с достижением возраста 45 лет", Date: time.Date(2024, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02")}
	default:
		a.Valid = &struct{}{}
	}
	return marshal(a)
}

func ptr[T any](v T) *T { return &v }
