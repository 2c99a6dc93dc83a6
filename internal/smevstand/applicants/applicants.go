// Package applicants invents the people and companies who file
// applications on the stand's portal: Russian names in the right grammatical
// gender, СНИЛС, ИНН, ОГРН and ОГРНИП with valid check digits, passports and
// addresses that look like the real thing. Nothing here is a real person;
// the numbers only pass the checksums, so Okno's validation is exercised.
package applicants

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Person is a citizen applicant.
type Person struct {
	LastName, FirstName, MiddleName string
	Male                            bool
	BirthDate                       time.Time
	SNILS                           string // 11 digits
	INN                             string // 12 digits
	Passport                        Passport
	Address                         Address
	Phone, Email                    string
}

// FullName is "Фамилия Имя Отчество".
func (p Person) FullName() string { return p.LastName + " " + p.FirstName + " " + p.MiddleName }

// SNILSFormatted is the СНИЛС as printed: 123-456-789 01.
func (p Person) SNILSFormatted() string {
	s := p.SNILS
	return s[0:3] + "-" + s[3:6] + "-" + s[6:9] + " " + s[9:11]
}

// Passport is a Russian internal passport.
type Passport struct {
	Series, Number string // "4512", "345678"
	IssuedBy       string
	IssuerCode     string // код подразделения, 770-001
	IssueDate      time.Time
}

// Address is a postal address in one region.
type Address struct {
	PostalCode, Region, City, Street, House, Flat string
	RegionCode                                    string // two-digit region code (77 = Москва)
	OKTMO                                         string
}

func (a Address) String() string {
	s := a.PostalCode + ", " + a.Region + ", " + a.City + ", " + a.Street + ", д. " + a.House
	if a.Flat != "" {
		s += ", кв. " + a.Flat
	}
	return s
}

// Company is a legal entity or sole proprietor applicant.
type Company struct {
	Name, ShortName string
	INN             string // 10 digits (12 for a sole proprietor)
	KPP             string // empty for a sole proprietor
	OGRN            string // 13 digits (ОГРНИП: 15)
	SoleProprietor  bool
	Director        Person
	Address         Address
	Registered      time.Time
}

// Generator draws applicants from a seeded source, so a stand run (or a
// test) can be repeated exactly.
type Generator struct {
	r   *rand.Rand
	now func() time.Time
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64, now func() time.Time) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: now}
}

func (g *Generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *Generator) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

// Person invents an adult citizen.
func (g *Generator) Person() Person {
	p := Person{Male: g.r.IntN(2) == 0}
	father := g.pick(maleFirstNames)
	if p.Male {
		p.FirstName = g.pick(maleFirstNames)
		p.LastName = g.pick(surnames)
		p.MiddleName = patronymic(father, true)
	} else {
		p.FirstName = g.pick(femaleFirstNames)
		p.LastName = feminineSurname(g.pick(surnames))
		p.MiddleName = patronymic(father, false)
	}
	now := g.now()
	p.BirthDate = time.Date(now.Year()-18-g.r.IntN(60), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)
	p.SNILS = g.SNILS()
	p.INN = g.PersonINN()
	p.Address = g.Address()
	issued := p.BirthDate.AddDate(20+g.r.IntN(25), g.r.IntN(12), g.r.IntN(28))
	if issued.After(now) {
		issued = p.BirthDate.AddDate(14, 1, 0)
	}
	region := p.Address.RegionCode
	p.Passport = Passport{
		Series:     region + fmt.Sprintf("%02d", issued.Year()%100),
		Number:     fmt.Sprintf("%06d", 100000+g.r.IntN(900000)),
		IssuedBy:   "ГУ МВД России по " + regionGenitive(p.Address.Region),
		IssuerCode: fmt.Sprintf("%s0-%03d", region, 1+g.r.IntN(120)),
		IssueDate:  issued,
	}
	p.Phone = fmt.Sprintf("+7 9%02d %03d-%02d-%02d", g.r.IntN(100), g.r.IntN(1000), g.r.IntN(100), g.r.IntN(100))
	p.Email = translit(p.LastName) + "." + strconv.Itoa(1000+g.r.IntN(9000)) + "@example.ru"
	return p
}

// Company invents a legal entity (or, one time in four, a sole proprietor).
func (g *Generator) Company() Company {
	c := Company{Director: g.Person(), Address: g.Address()}
	now := g.now()
	c.Registered = now.AddDate(-1-g.r.IntN(20), -g.r.IntN(12), -g.r.IntN(28))
	if g.r.IntN(4) == 0 {
		c.SoleProprietor = true
		c.Director.Address = c.Address
		c.Name = "Индивидуальный предприниматель " + c.Director.FullName()
		c.ShortName = "ИП " + c.Director.LastName + " " + initial(c.Director.FirstName) + initial(c.Director.MiddleName)
		c.INN = c.Director.INN
		c.OGRN = g.OGRNIP(c.Registered, c.Address.RegionCode)
		return c
	}
	kind := companyForms[g.r.IntN(len(companyForms))]
	word := g.pick(companyWords)
	c.Name = kind[0] + " «" + word + "»"
	c.ShortName = kind[1] + " «" + word + "»"
	c.INN = g.CompanyINN(c.Address.RegionCode)
	c.KPP = c.INN[:4] + "01001"
	c.OGRN = g.OGRN(c.Registered, c.Address.RegionCode)
	return c
}

// Address invents an address in one of the demo regions.
func (g *Generator) Address() Address {
	reg := regions[g.r.IntN(len(regions))]
	a := Address{
		Region: reg.name, RegionCode: reg.code, City: reg.city, OKTMO: reg.oktmo,
		PostalCode: reg.postal + fmt.Sprintf("%03d", g.r.IntN(1000)),
		Street:     g.pick(streetKinds) + " " + g.pick(streetNames),
		House:      strconv.Itoa(1 + g.r.IntN(120)),
	}
	if g.r.IntN(5) == 0 {
		a.House += "к" + strconv.Itoa(1+g.r.IntN(4))
	}
	if g.r.IntN(3) != 0 {
		a.Flat = strconv.Itoa(1 + g.r.IntN(300))
	}
	return a
}

// SNILS draws a СНИЛС above 001-001-998 (from where check digits are
// defined) with its check number: the sum of digits weighted 9..1, modulo
// 101, where 100 becomes 00.
func (g *Generator) SNILS() string {
	n := 1001999 + g.r.IntN(998998000)
	s := fmt.Sprintf("%09d", n)
	sum := 0
	for i := range 9 {
		sum += int(s[i]-'0') * (9 - i)
	}
	return s + fmt.Sprintf("%02d", sum%101%100)
}

// PersonINN draws a 12-digit ИНН with both check digits.
func (g *Generator) PersonINN() string {
	s := fmt.Sprintf("%02d", 1+g.r.IntN(89)) + fmt.Sprintf("%02d", 1+g.r.IntN(50)) + g.digits(6)
	s += checkDigit(s, []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8})
	return s + checkDigit(s, []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8})
}

// CompanyINN draws a 10-digit ИНН of a legal entity registered in region.
func (g *Generator) CompanyINN(region string) string {
	s := region + fmt.Sprintf("%02d", 1+g.r.IntN(50)) + g.digits(5)
	return s + checkDigit(s, []int{2, 4, 10, 3, 5, 9, 4, 6, 8})
}

// OGRN draws a 13-digit ОГРН: sign 1, year, region, then the check digit,
// the rest of the first 12 digits modulo 11, modulo 10.
func (g *Generator) OGRN(registered time.Time, region string) string {
	s := "1" + fmt.Sprintf("%02d", registered.Year()%100) + region + g.digits(7)
	return s + modCheck(s, 11)
}

// OGRNIP draws a 15-digit ОГРНИП: sign 3, and the check digit modulo 13.
func (g *Generator) OGRNIP(registered time.Time, region string) string {
	s := "3" + fmt.Sprintf("%02d", registered.Year()%100) + region + g.digits(9)
	return s + modCheck(s, 13)
}

func checkDigit(s string, w []int) string {
	sum := 0
	for i, x := range w {
		sum += int(s[i]-'0') * x
	}
	return strconv.Itoa(sum % 11 % 10)
}

// modCheck computes the decimal number s modulo m digit by digit (s is
// wider than an int64 for ОГРНИП) and takes the last digit.
func modCheck(s string, m int) string {
	r := 0
	for i := range len(s) {
		r = (r*10 + int(s[i]-'0')) % m
	}
	return strconv.Itoa(r % 10)
}

func patronymic(father string, male bool) string {
	stem, suffixM, suffixF := father, "ович", "овна"
	switch {
	case strings.HasSuffix(father, "й"):
		stem, suffixM, suffixF = strings.TrimSuffix(father, "й"), "евич", "евна"
	case strings.HasSuffix(father, "ь"):
		stem, suffixM, suffixF = strings.TrimSuffix(father, "ь"), "евич", "евна"
	case strings.HasSuffix(father, "а"):
		stem, suffixM, suffixF = strings.TrimSuffix(father, "а"), "ич", "ична"
	}
	if male {
		return stem + suffixM
	}
	return stem + suffixF
}

func feminineSurname(s string) string {
	switch {
	case strings.HasSuffix(s, "ов"), strings.HasSuffix(s, "ев"), strings.HasSuffix(s, "ин"):
		return s + "а"
	case strings.HasSuffix(s, "ский"):
		return strings.TrimSuffix(s, "ий") + "ая"
	case strings.HasSuffix(s, "ой"):
		return strings.TrimSuffix(s, "ой") + "ая"
	}
	return s
}

func regionGenitive(region string) string {
	for _, r := range regions {
		if r.name == region {
			return r.genitive
		}
	}
	return region
}

func translit(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if t, ok := latin[r]; ok {
			b.WriteString(t)
		}
	}
	return b.String()
}

func initial(name string) string {
	for _, r := range name {
		return string(r) + "."
	}
	return ""
}
