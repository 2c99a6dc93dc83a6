package portal

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/okno-oiv/okno/internal/smevstand/applicants"
)

// objectSource invents what an application is about.
type objectSource struct {
	r   *rand.Rand
	gen *applicants.Generator
}

func (o objectSource) pick(list []string) string { return list[o.r.IntN(len(list))] }

func (o objectSource) intString(lo, hi int) string { return strconv.Itoa(lo + o.r.IntN(hi-lo+1)) }

func (o objectSource) address() string { return o.gen.Address().String() }

// cadastralNumber has the form округ:район:квартал:участок, e.g. 77:01:0001001:1234.
func (o objectSource) cadastralNumber() string {
	return fmt.Sprintf("%02d:%02d:%07d:%d", 1+o.r.IntN(89), 1+o.r.IntN(40), o.r.IntN(10000000), 1+o.r.IntN(9999))
}

func (o objectSource) buildingName() string {
	return o.pick([]string{
		"Многоквартирный жилой дом", "Торгово-офисный центр", "Школа на 550 мест", "Детский сад на 220 мест",
		"Складской комплекс", "Многоуровневый паркинг", "Поликлиника", "Физкультурно-оздоровительный комплекс",
	}) + " со встроенными помещениями"
}

func (o objectSource) heritageName() string {
	return o.pick([]string{
		"Усадьба Голицыных, главный дом", "Доходный дом купца Рябушинского", "Церковь Покрова Пресвятой Богородицы",
		"Здание Городской думы", "Особняк Морозова", "Ансамбль Гостиного двора", "Дом-музей Чехова, флигель",
		"Водонапорная башня", "Здание Дворянского собрания",
	})
}

// heritageRegistryNumber is the 15-digit number of ЕГРОКН.
func (o objectSource) heritageRegistryNumber() string {
	return fmt.Sprintf("%02d%04d%09d", 1+o.r.IntN(89), 1000+o.r.IntN(9000), o.r.IntN(1000000000))
}

func (o objectSource) worksKind() string {
	return o.pick([]string{"Реставрация", "Консервация", "Ремонт", "Приспособление для современного использования"})
}
