package quotes

import (
	"testing"
)

// TestGermanAttributions covers the German ways of attributing a
// quotation, each with sentences written for the test.
func TestGermanAttributions(t *testing.T) {
	type want = wantQuote
	tests := []struct {
		name string
		text string
		want []want
	}{
		{
			name: "sagte, a role and the full name",
			text: "Die Regierung tagte in Berlin. „Wir schaffen das gemeinsam mit allen“, sagte Bundeskanzlerin Angela Merkel am Montag.",
			want: []want{{"Wir schaffen", "Angela Merkel"}},
		},
		{
			name: "so, a role and the full name",
			text: "Das Lager wurde geräumt. „Die Lage ist sehr ernst geworden“, so Innenminister Markus Hollmann.",
			want: []want{{"Die Lage", "Markus Hollmann"}},
		},
		{
			name: "so and the surname of a person named before",
			text: "Innenminister Markus Hollmann besuchte das Lager. „Die Lage ist sehr ernst geworden“, so Hollmann weiter.",
			want: []want{{"Die Lage", "Markus Hollmann"}},
		},
		{
			name: "the name, sagte and a colon",
			text: "Der Minister Markus Hollmann sagte am Abend: „Wir werden die Grenzen nicht schließen.“",
			want: []want{{"Wir werden", "Markus Hollmann"}},
		},
		{
			name: "fügte hinzu after the quotation",
			text: "Innenminister Markus Hollmann besuchte das Lager. „Das war erst der Anfang der Reform“, fügte Hollmann hinzu.",
			want: []want{{"Das war", "Markus Hollmann"}},
		},
		{
			name: "fügte hinzu and a colon before the quotation",
			text: "Innenminister Markus Hollmann besuchte das Lager. Hollmann fügte hinzu: „Das war erst der Anfang der Reform.“",
			want: []want{{"Das war", "Markus Hollmann"}},
		},
		{
			name: "betonte and a role alone",
			text: "Innenminister Markus Hollmann besuchte das Lager. „Wir tun alles, was möglich ist“, betonte der Minister.",
			want: []want{{"Wir tun", "Markus Hollmann"}},
		},
		{
			name: "erklärte and a pronoun",
			text: "Trainerin Martina Albers sprach nach dem Spiel. „Wir haben zu wenig aus unseren Chancen gemacht“, erklärte sie.",
			want: []want{{"Wir haben", "Martina Albers"}},
		},
		{
			name: "laut and the name before a quotation inside the sentence",
			text: "Die Preise steigen. Laut Innenminister Markus Hollmann hat Trainerin Martina Albers „keine Chance auf den Titel“.",
			want: []want{{"keine Chance", "Markus Hollmann"}},
		},
		{
			name: "zufolge after the name before a quotation inside the sentence",
			text: "Die Preise steigen. Innenminister Markus Hollmann zufolge hat Trainerin Martina Albers „keine Chance auf den Titel“.",
			want: []want{{"keine Chance", "Markus Hollmann"}},
		},
		{
			name: "zufolge after the quotation",
			text: "Die Preise steigen. Trainerin Martina Albers habe „keine Chance auf den Titel“, Innenminister Markus Hollmann zufolge.",
			want: []want{{"keine Chance", "Markus Hollmann"}},
		},
		{
			name: "reversed guillemets",
			text: "Der Verein verlor am Samstag. »Wir bleiben bei unserem Plan für die Saison«, sagte Trainer Bertram Quandler.",
			want: []want{{"Wir bleiben", "Bertram Quandler"}},
		},
		{
			name: "reversed guillemets, name and colon before",
			text: "Bertram Quandler: »Wir haben heute einfach zu wenig getan.«",
			want: []want{{"Wir haben", "Bertram Quandler"}},
		},
		{
			name: "der 52-Jährige is the person named before",
			text: "Trainer Bertram Quandler war nach dem Spiel enttäuscht. „Wir haben heute einfach zu wenig getan“, sagte der 52-Jährige.",
			want: []want{{"Wir haben", "Bertram Quandler"}},
		},
		{
			name: "die 40-Jährige is the woman named before",
			text: "Innenminister Markus Hollmann lobte Trainerin Martina Albers. „Wir brauchen mehr Spielerinnen im Kader“, sagte die 40-Jährige.",
			want: []want{{"Wir brauchen", "Martina Albers"}},
		},
		{
			name: "lautet seine Botschaft",
			text: "Außenminister Markus Hollmann reist nach Athen. Dort trifft er Trainerin Martina Albers. „Macht die Grenzen endlich dicht!“, lautet seine Botschaft.",
			want: []want{{"Macht die Grenzen", "Markus Hollmann"}},
		},
		{
			name: "a headline's name and what it is about before a colon",
			text: "Hollmann über Trainerin Martina Albers: „Wir sind längst am Limit angekommen.“\nWien – Innenminister Markus Hollmann sprach am Montag vor Journalisten.",
			want: []want{{"Wir sind", "Markus Hollmann"}},
		},
		{
			name: "a headline's place before a colon is no speaker",
			text: "Österreich vor der Wahl: „Wir sind längst am Limit angekommen.“\nWien – Innenminister Markus Hollmann sprach am Montag.",
			want: []want{{"Wir sind", ""}},
		},
		{
			name: "sagte der Anwalt, a role the entities do not list",
			text: "Der frühere Innenminister Markus Hollmann arbeitet heute in Wien. „Das Gericht hat sich geirrt“, sagte der Anwalt.",
			want: []want{{"Das Gericht", "Markus Hollmann"}},
		},
		{
			name: "sagte, a role the entities do not list and the name",
			text: "Der Prozess gegen Markus Hollmann begann am Montag. „Mein Mandant ist völlig unschuldig“, sagte Anwalt Peter Meier.",
			want: []want{{"Mein Mandant", "Peter Meier"}},
		},
		{
			name: "sagte ein Anwalt names nobody",
			text: "Der Prozess gegen Markus Hollmann begann am Montag. „Der Mandant ist völlig unschuldig“, sagte ein Anwalt.",
			want: []want{{"Der Mandant", ""}},
		},
		{
			name: "bezeichnete ... als, two persons in the sentence",
			text: "Innenminister Markus Hollmann sprach im Parlament. Hollmann bezeichnete den Plan von Martina Albers als „völlig unrealistisch und teuer“.",
			want: []want{{"völlig unrealistisch", "Markus Hollmann"}},
		},
		{
			name: "an unnamed spokesman is nobody named",
			text: "Innenminister Markus Hollmann besuchte das Lager. „Die Räumung war ein richtiger Schritt“, sagte ein Sprecher des Ministeriums.",
			want: []want{{"Die Räumung", ""}},
		},
		{
			name: "hieß es names nobody",
			text: "Innenminister Markus Hollmann besuchte das Lager. „Die Räumung war ein richtiger Schritt“, hieß es aus dem Ministerium.",
			want: []want{{"Die Räumung", ""}},
		},
		{
			name: "the listener after gegenüber is not the speaker",
			text: "Die Wahl ist vorbei. „Wir haben keine andere Wahl gehabt“, sagte Hollmann gegenüber Martina Albers.",
			want: []want{{"Wir haben", ""}},
		},
		{
			name: "indirect speech in the Konjunktiv is no quotation",
			text: "Innenminister Markus Hollmann sagte, die Reform sei ein großer Schritt nach vorn. Er habe keine Angst vor der Wahl.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := extract(t, tc.text, "de")
			checkQuotes(t, got, tc.want)
		})
	}
}
