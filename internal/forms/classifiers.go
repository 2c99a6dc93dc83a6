package forms

// The ЕСНСИ classifiers the office form chooses from by name. Only the
// codes an office meets in practice are listed; a portal form may carry
// others, which intake keeps as they came.

// IdentityDocumentTypes is ЕСНСИ 7211, the kinds of identity document.
var IdentityDocumentTypes = []Option{
	{Value: "21", Label: "Паспорт гражданина РФ"},
	{Value: "22", Label: "Загранпаспорт гражданина РФ"},
	{Value: "03", Label: "Свидетельство о рождении"},
	{Value: "07", Label: "Военный билет"},
	{Value: "10", Label: "Паспорт иностранного гражданина"},
	{Value: "12", Label: "Вид на жительство в РФ"},
	{Value: "15", Label: "Разрешение на временное проживание в РФ"},
}

// Citizenships is ЕСНСИ 7210, countries by their ОКСМ code.
var Citizenships = []Option{
	{Value: "643", Label: "Россия"},
	{Value: "031", Label: "Азербайджан"},
	{Value: "051", Label: "Армения"},
	{Value: "112", Label: "Беларусь"},
	{Value: "268", Label: "Грузия"},
	{Value: "398", Label: "Казахстан"},
	{Value: "156", Label: "Китай"},
	{Value: "417", Label: "Киргизия"},
	{Value: "498", Label: "Молдова"},
	{Value: "762", Label: "Таджикистан"},
	{Value: "795", Label: "Туркмения"},
	{Value: "860", Label: "Узбекистан"},
	{Value: "804", Label: "Украина"},
	{Value: "704", Label: "Вьетнам"},
	{Value: "276", Label: "Германия"},
	{Value: "792", Label: "Турция"},
	{Value: "000", Label: "Лицо без гражданства"},
}

// OptionLabel is the name of a code in a classifier, or the code itself
// when the list does not know it.
func OptionLabel(list []Option, code string) string {
	for _, o := range list {
		if o.Value == code {
			return o.Label
		}
	}
	return code
}
