package intake

import (
	"strings"
	"testing"
)

func TestDropPageLines(t *testing.T) {
	authors := []string{"Emiliano Bellini"}
	tests := []struct {
		name, line string
		drop       bool
	}{
		{"english date", "November 20, 2019", true},
		{"date and time", "November 19, 2019 at 9:45 am", true},
		{"portuguese date", "sexta-feira, 22 de outubro de 2010 às 20:13", true},
		{"italian short date", "02 Ago 2017", true},
		{"russian date", "25 ноября 2019 г., 14:05", true},
		{"sentence with a date", "On November 20, 2019 the ministry unveiled a plan.", false},
		{"counter", "2.289", true},
		{"counter word", "letture", true},
		{"counter with word", "1,204 views", true},
		{"one real word", "Updated", false},
		{"byline", "Emiliano Bellini", true},
		{"byline with by", "By Emiliano Bellini", true},
		{"see also", "(Leggi anche su: I Cavalieri dello Zodiaco – FOTO)", true},
		{"more articles", "More articles from Emiliano Bellini", true},
		{"read more in text", "Readers read more than ever.", false},
		{"author bio", "Emiliano joined pv magazine in March 2017. He has been reporting on solar and renewable energy since 2009.", true},
		{"line about someone else", "Ministers joined the talks in March.", false},
		{"advertisement", "ADVERTISEMENT", true},
		{"tags", "Tags: solar, Korea, modules", true},
		{"affiliate", "Microsoft may earn an Affiliate Commission if you purchase something through recommended links in this article.", true},
		{"commission in the news", "The European Commission may earn praise for the plan.", false},
		{"filed under", "Filed under: Energy", true},
		{"reply", "Reply", true},
		{"tags in a sentence", "Tags on the luggage were lost.", false},
		{"image credit", "Image: Hanwha Q cells", true},
		{"photo credit", "Photo: A. Ivanov / BTA", true},
		{"agency caption", "Firefighters at the scene on Tuesday. (AP Photo/John Doe)", true},
		{"newsletter", "Sign up for our newsletter to get the news first.", true},
		{"copyright kept", "© 2019 Associated Press. All Rights Reserved.", false},
		{"photo in a sentence", "Photographs of the scene were shared widely.", false},
		{"source in a sentence", "Sources said the minister would resign.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "First paragraph of the article, long enough.\n\n" + tt.line + "\n\nLast paragraph of the article."
			got := dropPageLines(body, authors)
			dropped := !strings.Contains(got, tt.line)
			if dropped != tt.drop {
				t.Errorf("%q dropped %v, want %v", tt.line, dropped, tt.drop)
			}
		})
	}
}
