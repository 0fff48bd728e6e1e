package entities

import (
	"strings"
	"unicode/utf8"
)

// Cue words, lower case. They are general to news writing in each
// language, not tuned to any article.

// titles precede a person's name and are not part of it.
var titles = set(
	"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "dame", "prof", "professor", "president", "senator",
	"governor", "mayor", "general", "gen", "chancellor", "minister", "secretary", "judge", "justice", "king",
	"queen", "prince", "princess", "pope", "saint", "st", "rev", "reverend", "father", "archbishop", "bishop",
	"г-н", "г-жа", "г-ца", "д-р", "проф", "ген", "акад", "доц", "инж", "арх", "адв", "о.з", "полк", "ген.-лейт",
	"господин", "госпожа", "prime", "mp", "mep", "frenchman", "englishman", "dane", "welshman", "scotsman",
	"аятолах", "аятолла", "аятоллах", "принц", "принцеса", "принцесса", "крал", "кралица", "король", "королева",
	"шейх", "патриарх", "папа", "emir", "sheikh", "cardinal", "кардинал", "митрополит", "пророк", "пророка",
	"пророкът", "пророка", "пророком",
	// German
	"herr", "herrn", "frau",
)

// otherHeads end names of events, prizes and works, which are OTHER.
var otherHeads = set(
	"awards", "award", "championships", "championship", "prix", "show", "open", "cup", "games", "olympics",
	"festival", "prize", "trophy", "series", "tour", "act", "bill", "treaty", "agreement", "summit", "conference",
	"week", "day", "war", "index", "programme", "program",
)

// calendar words are capitalised in English but never names.
var calendar = set(
	"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
	"december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "christmas", "easter",
)

// genericAcronyms are abbreviations of common nouns, not of names.
var genericAcronyms = set(
	"ceo", "cfo", "coo", "tv", "pc", "pcs", "cd", "dvd", "mp", "mps", "mep", "meps", "gdp", "vat", "it", "ai", "hiv",
	"aids", "dna", "ok", "hq", "pr", "ipo", "sms", "gps", "id", "me", "nt", "xp", "hepa", "faq", "usb", "pdf", "ceos",
	"gmt", "bst", "utc", "сми", "ввп", "ддс", "егн", "спин", "ит", "тв", "бвп", "днк", "ндс", "мвр", "covid", "sars", "of", "ii", "iii",
)

// roles name a person's office or job; a name shortly after one is a
// person's, and a role used alone ("заяви министърът", "said the minister")
// refers to the person who holds it. Matched on the start of the word, so
// that Bulgarian articles and Russian endings match too.
var roles = []string{
	"министър", "президент", "премиер", "вицепрезидент", "вицепремиер", "секретар", "говорител", "председател",
	"посланик", "кмет", "губернатор", "депутат", "евродепутат", "сенатор", "лидер", "директор", "шеф", "началник",
	"генерал", "адвокат", "съдия", "прокурор", "министр", "премьер", "госсекретар", "спикер", "глава", "посол",
	"мэр", "директор", "руководител", "председатель", "пресс-секретар", "представител", "представник", "канцлер",
	"президентк", "журналист", "анализатор", "аналитик", "експерт", "эксперт", "професор", "профессор",
	"треньор", "тренер", "сенатор", "конгресмен", "комиссар", "комисар", "еврокомисар", "еврокомиссар",
	"president", "minister", "premier", "secretary", "spokesman", "spokeswoman", "spokesperson", "chairman",
	"chairwoman", "chief", "executive", "director", "analyst", "economist", "leader", "mayor", "governor",
	"senator", "ambassador", "chancellor", "manager", "coach", "boss", "striker", "captain", "editor",
	"general", "judge", "lawyer", "founder", "head", "commissioner", "envoy", "negotiator", "deputy",
	// German (capitalised nouns; compounds such as "Innenminister" are
	// matched on their end, see germanRoleHeads)
	"sprecher", "chef", "leiter", "präsident", "kanzler", "trainer", "intendant", "vorsitzend", "bürgermeister",
	"botschafter", "abgeordnet", "geschäftsführer", "ministerin", "staatssekretär", "generalsekretär",
	"spieler", "politiker",
}

// germanRoleHeads end German compound role nouns ("Innenminister",
// "Fernsehchef", "Regierungssprecherin", "Bundespräsidenten").
var germanRoleHeads = []string{
	"minister", "ministerin", "chef", "chefin", "sprecher", "sprecherin", "präsident", "präsidentin", "kanzler",
	"kanzlerin", "leiter", "leiterin", "direktor", "direktorin", "vorsitzende", "vorsitzender", "trainer",
	"trainerin", "sekretär", "sekretärin", "botschafter", "botschafterin", "bürgermeister", "bürgermeisterin",
	"intendant", "intendantin", "funktionär", "funktionärin", "kommissar", "kommissarin", "abgeordnete",
	"abgeordneter", "experte", "expertin", "analyst", "analystin", "manager", "managerin", "politiker",
	"politikerin", "spieler", "spielerin", "kollege", "kollegin",
}

// germanRoleHeadsByLast files germanRoleHeads under their last byte, so
// that IsRole, asked about every word in every language, compares a word
// only with the heads that can end it (none for a Cyrillic word).
var germanRoleHeadsByLast = func() (by [256][]string) {
	for _, h := range germanRoleHeads {
		by[h[len(h)-1]] = append(by[h[len(h)-1]], h)
	}
	return by
}()

// orgHeads make a name an organisation's.
var orgHeads = set(
	"министерство", "агенция", "комисия", "съвет", "съюз", "партия", "банка", "банк", "университет", "институт",
	"център", "фонд", "асоциация", "федерация", "дирекция", "служба", "академия", "агентство", "комиссия",
	"совет", "союз", "центр", "компания", "корпорация", "группа", "група", "холдинг", "болница", "больница",
	"съд", "суд", "прокуратура", "парламент", "правителство", "правительство", "министерство", "общество",
	"организация", "движение", "коалиция", "фондация", "камара", "палата", "щаб", "штаб", "комитет",
	"инспекция", "инспекторат", "медия", "медиа", "телевизия", "телевидение", "радио", "вестник", "газета",
	"агентство", "ассоциация", "федерация", "департамент", "управление", "бюро", "клуб", "фронт",
	"комісія", "рада", "партія", "міністерство", "служба", "уряд", "союз", "асоціація", "федерація",
	"research", "group", "executive", "board", "council", "commission", "bank", "ltd", "inc", "corp",
	"corporation", "plc", "pharmaceuticals", "airlines", "airways", "association", "union", "party",
	"university", "institute", "agency", "ministry", "department", "office", "committee", "court", "assembly",
	"network", "networks", "channel", "retail", "motors", "media", "news", "times", "post", "journal",
	"magazine", "club", "united", "rovers", "fc", "foundation", "trust", "service", "services", "authority",
	"organisation", "organization", "federation", "league", "systems", "technologies", "holdings", "capital",
	"partners", "securities", "fund", "insurance", "energy", "telecom", "entertainment", "studios", "records",
	"company", "society", "school", "college", "academy", "cinema", "hospital", "police", "army", "navy", "force", "parliament",
	"government", "party", "coalition", "centre", "center", "bureau", "exchange", "reserve", "treasury",
)

// germanOrgHeads end German names of organisations, with the gender that
// sets the ending of an adjective before them in the nominative the name is
// cited in ("Bayerischer Rundfunk", "Frankfurter Allgemeine Zeitung",
// "Deutsches Institut"): m, f or n.
var germanOrgHeads = map[string]byte{
	"rundfunk": 'm', "verband": 'm', "konzern": 'm', "verein": 'm', "bundestag": 'm', "landtag": 'm',
	"senat": 'm', "rat": 'm', "gerichtshof": 'm', "sender": 'm', "fonds": 'm', "ausschuss": 'm', "dienst": 'm',
	"zeitung": 'f', "agentur": 'f', "union": 'f', "partei": 'f', "bank": 'f', "stiftung": 'f', "gewerkschaft": 'f',
	"universität": 'f', "hochschule": 'f', "kommission": 'f', "versammlung": 'f', "gesellschaft": 'f',
	"akademie": 'f', "liga": 'f', "allianz": 'f', "vereinigung": 'f', "organisation": 'f', "behörde": 'f',
	"kirche": 'f', "bahn": 'f', "börse": 'f', "zentralbank": 'f',
	"ministerium": 'n', "institut": 'n', "gericht": 'n', "amt": 'n', "parlament": 'n', "komitee": 'n',
	"zentrum": 'n', "netzwerk": 'n', "unternehmen": 'n', "kabinett": 'n', "büro": 'n', "forum": 'n',
}

// germanArticles are German articles and determiners, not part of a name.
var germanArticles = set("der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen")

// locHeads make a name a place's.
var locHeads = set(
	"beach", "island", "islands", "street", "road", "square", "river", "lake", "mountain", "mountains", "valley",
	"bay", "county", "province", "airport", "city", "town", "village", "state", "republic", "kingdom", "sea", "ocean",
	"море", "остров", "река", "езеро", "планина", "летище", "улица", "булевард", "площад", "област", "община",
	"град", "село", "аэропорт", "озеро", "гора", "река", "площадь", "проспект", "край", "республика", "округ",
)

// orgContext precede the name of an organisation ("в. "Билд"", "агенция
// ДПА", "the newspaper Guardian").
var orgContext = set(
	"в", "вестник", "вестника", "агенция", "агенцията", "компания", "компанията", "авиокомпания", "авиокомпанията",
	"телевизия", "телевизията", "партия", "партията", "сайта", "сайт", "изданието", "издание", "канал", "канала",
	"газета", "газеты", "газете", "агентство", "агентства", "издания", "компании", "авиакомпания", "авиакомпании",
	"телеканал", "телеканала", "телеканале", "партии", "банк", "банка", "концерн", "концерна", "холдинг",
	"newspaper", "agency", "firm", "company", "group", "magazine", "channel", "broadcaster", "brokers", "broker",
	"bank", "carrier", "airline", "website", "site", "daily", "network", "club", "side",
	"болница", "болницата", "болниците", "хотел", "хотела", "завод", "завода", "клуб", "клуба", "университет",
	"театър", "театъра", "фирма", "фирмата", "дружество", "дружеството", "больница", "больницы", "завода", "фирмы",
	"сервис", "магазин", "магазина", "издательство", "портал", "портала", "радио", "радиото", "движение",
	"групировка", "групировката", "организация", "организацията", "сеть", "сети", "мрежа", "мрежата",
)

// locContext precede the name of a place.
var locContext = set(
	"град", "града", "гр", "село", "селото", "с", "столицата", "столица", "областта", "област", "община",
	"общината", "летище", "летището", "город", "города", "городе", "село", "деревня", "столице", "столицы",
	"области", "аэропорт", "аэропорту", "регион", "региона", "регионе", "провинция", "провинции", "штат", "штате",
	"щата", "щат", "в", "във", "во", "резиденции", "резиденция", "резиденцията", "city", "town", "village", "capital", "region", "province", "state", "county", "island", "in",
)

// connectors may join the capitalised words of a Latin-script name
// ("Board of Deputies of British Jews", "Jean de La Fontaine").
var connectors = set("of", "and", "for", "the", "de", "van", "von", "der", "den", "al", "bin", "la", "le", "du", "da", "di", "dos", "del", "y")

// reportingVerbs introduce or follow reported speech. Matched on the start
// of the word, so "заяви" covers "заявява", "заявил", "заявила".
var reportingVerbs = []string{
	// Bulgarian
	"заяви", "заявя", "каза", "казва", "посочи", "посочва", "допълни", "допълва", "добави", "добавя", "обясни",
	"обяснява", "подчерта", "подчертава", "отбеляза", "отбелязва", "коментира", "съобщи", "съобщава", "увери",
	"уверява", "изтъкна", "призна", "предупреди", "предупреждава", "попита", "отговори", "твърди", "смята",
	"написа", "пише", "сподели", "споделя", "заключи", "уточни", "уточнява", "изрази", "настоя", "настоява",
	"призова", "апелира", "констатира", "изригна", "завещава", "цитира", "информира", "обяви", "обявява",
	"разказа", "разказва", "припомни", "обобщи", "заплаши", "отсече", "възкликна", "благодари",
	// Russian
	"заявил", "заявля", "сказал", "сказа", "говорит", "говорил", "отметил", "отмеча", "добавил", "подчеркнул",
	"подчеркива", "сообщил", "сообща", "пояснил", "поясня", "объяснил", "объясня", "считает", "полагает",
	"написал", "ответил", "отвечает", "признал", "признает", "предупредил", "предупрежда", "заверил", "уверил",
	"напомнил", "констатировал", "рассказал", "рассказыва", "уточнил", "убежден", "уверен", "призвал",
	"цитирует", "процитировал", "прокомментировал", "комментирует", "добавила", "сказала", "заявила",
	"отметила", "подчеркнула", "сообщила", "пояснила", "написала", "ответила", "признала", "заверила",
	"утверждает", "утверждал", "посетовал", "посетовала", "резюмировал", "выразил",
	// Ukrainian
	"заявив", "сказав", "зазначив", "додав", "наголосив", "повідомив", "пояснив",
	// German, present and past (the prefix covers "sagt", "sagte",
	// "sagten"; "so Müller" is handled by IsAttributionParticle). Not
	// "berichtet" nor "schreibt": in German news they introduce outlets ("wie Heise
	// berichtet") more often than people.
	"sagt", "erklärt", "betont", "kommentiert", "meint", "ergänzt", "fügte", "erläutert",
	"warnt", "behauptet", "versichert", "unterstrich", "unterstreicht", "kritisiert", "bekräftigt",
	"antwortet", "räumte", "räumt", "bestätigt", "teilte",
	"forderte", "fordert", "verkündet", "argumentiert", "zitiert", "urteilt", "resümiert", "bilanziert",
	"mahnt", "klagt", "beklagt", "lobt",
	// English
	"said", "says", "say", "told", "tells", "added", "adds", "stated", "explained", "argued", "insisted",
	"warned", "claimed", "noted", "asked", "replied", "described", "admitted", "announced", "commented",
	"declared", "wrote", "stressed", "suggested", "believes", "believed", "thinks", "urged", "vowed",
	"predicted", "concluded", "confirmed", "acknowledged", "revealed", "remarked", "recalled", "continued",
	"saying", "adding", "asking", "telling", "warning", "arguing", "insisting", "explaining",
}

// pronouns refer back to the last named person.
var pronouns = map[string]bool{
	"той": false, "тя": true, "он": false, "она": true, "він": false, "вона": true, "he": false, "she": true,
	"er": false, "sie": true,
}

// attributionParticles stand after a quotation and before its speaker
// in place of a verb: German "„…“, so Müller".
var attributionParticles = set("so")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// firstRuneIndex holds words by their first rune, so that a word is only
// compared with the entries that can be its prefix: in an array for ASCII
// and Cyrillic, in a map for the rest.
type firstRuneIndex struct {
	small [0x530][]string
	other map[rune][]string
}

// byFirstRune indexes words by their first rune.
func byFirstRune(words []string) *firstRuneIndex {
	x := &firstRuneIndex{other: map[rune][]string{}}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if r >= 0 && int(r) < len(x.small) {
			x.small[r] = append(x.small[r], w)
		} else {
			x.other[r] = append(x.other[r], w)
		}
	}
	return x
}

// of returns the words starting with r.
func (x *firstRuneIndex) of(r rune) []string {
	if r >= 0 && int(r) < len(x.small) {
		return x.small[r]
	}
	return x.other[r]
}

var (
	verbIndex = byFirstRune(reportingVerbs)
	roleIndex = byFirstRune(roles)
)

// IsReportingVerb reports whether the lower-case word w is a verb that
// reports speech ("заяви", "сказал", "said").
func IsReportingVerb(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	for _, v := range verbIndex.of(r) {
		if strings.HasPrefix(w, v) {
			// "казах" (I said) and "сказка" (tale) are not attributions;
			// "say" must be the whole word.
			if v == "say" || v == "said" || v == "says" || v == "told" || v == "saying" {
				return w == v
			}
			return len(w)-len(v) <= 6
		}
	}
	return false
}

// IsAttributionParticle reports whether the lower-case word w, right
// after a quotation, introduces its speaker without a verb ("so Müller").
func IsAttributionParticle(w string) bool {
	return attributionParticles[w]
}

// IsPronoun reports whether the lower-case word w is a third-person
// pronoun and whether it is feminine.
func IsPronoun(w string) (ok, female bool) {
	female, ok = pronouns[w]
	return ok, female
}

// IsRole reports whether the lower-case word w names an office or job.
func IsRole(w string) bool {
	first, _ := utf8.DecodeRuneInString(w)
	for _, r := range roleIndex.of(first) {
		if strings.HasPrefix(w, r) && len(w)-len(r) <= 8 {
			return true
		}
	}
	return isGermanRoleCompound(w)
}

// isGermanRoleCompound reports whether w is a German compound ending in a
// role noun ("innenminister", "fernsehchef"), also in the genitive or
// plural ("des Innenministers", "den Bundespräsidenten"). The head must
// follow at least three letters, so that "administer" is no minister.
func isGermanRoleCompound(w string) bool {
	for _, end := range []string{"", "s", "n", "en", "nen"} {
		v, ok := strings.CutSuffix(w, end)
		if !ok {
			continue
		}
		if v == "" {
			continue
		}
		for _, h := range germanRoleHeadsByLast[v[len(v)-1]] {
			if strings.HasSuffix(v, h) && len(v)-len(h) >= 3 {
				return true
			}
		}
	}
	return false
}
