package quotes

import (
	"bufio"
	"encoding/json"
	"github.com/newsflow/newsflow/pkg/article"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/entities"
	"github.com/newsflow/newsflow/pkg/textseg"
)

var (
	gazOnce sync.Once
	gaz     *entities.Gazetteer
	gazErr  error
)

// wantQuote is an expected quotation: how its text starts and its
// speaker ("" for none).
type wantQuote struct{ prefix, speaker string }

// checkQuotes fails unless got holds the quotations of want, in order.
func checkQuotes(t *testing.T, got []Quote, want []wantQuote) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d quotations %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i].Text, w.prefix) {
			t.Errorf("quotation %d = %q, want it to start with %q", i, got[i].Text, w.prefix)
		}
		if got[i].Speaker != w.speaker {
			t.Errorf("quotation %q: speaker %q, want %q", got[i].Text, got[i].Speaker, w.speaker)
		}
	}
}

func extract(tb testing.TB, text, lang string) []Quote {
	tb.Helper()
	gazOnce.Do(func() { gaz, gazErr = entities.NewGazetteer() })
	if gazErr != nil {
		tb.Fatalf("NewGazetteer: %v", gazErr)
	}
	return Extract(text, entities.New(gaz).Extract(text, lang), gaz)
}

func TestExtract(t *testing.T) {
	type want = wantQuote
	tests := []struct {
		name string
		lang string
		text string
		want []want
	}{
		{
			name: "de lead quotation taken up in the body as reported speech",
			lang: "de",
			text: "Ministerin will \"keine neuen Schulden machen\". Berlin – Die Finanzministerin Petra Lindner hat ihren Haushalt vorgestellt. Wir werden keine neuen Schulden machen, das sind wir den Kindern schuldig, sagte Lindner am Montag.",
			want: []want{{"keine neuen Schulden", "Petra Lindner"}},
		},
		{
			name: "de lead quotation taken up after a verb and a colon",
			lang: "de",
			text: "Streit um \"schnelle Einigung beim Budget\". Wien – Der Finanzminister Hans Jörg Schelling sprach am Montag. Schelling erklärte dazu: Wir brauchen eine schnelle Einigung beim Budget noch vor dem Sommer.",
			want: []want{{"schnelle Einigung beim", "Hans Jörg Schelling"}},
		},
		{
			name: "de echo naming nobody stays unattributed",
			lang: "de",
			text: "Kommission: Lager besser als \"Schande von Idomeni\". Brüssel – Jede Einrichtung sei besser als die Schande von Idomeni, sagte ein Sprecher am Montag.",
			want: []want{{"Schande von Idomeni", ""}},
		},
		{
			name: "bg headline quotation repeated in the body",
			lang: "bg",
			text: "„Няма да има нови данъци през следващата година“\nФинансовият министър Кирил Ананиев говори пред депутатите. „Няма да има нови данъци през следващата година“, заяви Ананиев.",
			want: []want{{"Няма да има", "Кирил Ананиев"}, {"Няма да има", "Кирил Ананиев"}},
		},
		{
			name: "en question, then the name and the verb",
			lang: "en",
			text: "Senator Bernie Sanders spoke in Iowa.\n\n\"Can you really reform this system?\" Sanders asked. \"It is easy to say.\"",
			want: []want{{"Can you really", "Bernie Sanders"}, {"It is easy", "Bernie Sanders"}},
		},
		{
			name: "en a surname the entities do not know before a verb",
			lang: "en",
			text: "The conservative activist Richard Viguerie has backed the senator.\n\n\"He appeals to the working voters of the party,\" Viguerie notes.",
			want: []want{{"He appeals to", "Richard Viguerie"}},
		},
		{
			name: "en apposition with several commas",
			lang: "en",
			text: "Voters were divided.\n\n\"I just don't think she has been truthful,\" Mary Stone, 67, a retired nurse in Allentown, Pa., said in an interview.",
			want: []want{{"I just don't", "Mary Stone"}},
		},
		{
			name: "ru a spokesman of someone named in the genitive speaks, not that person",
			lang: "ru",
			text: "Посол США Ричард Гренелл направил письма компаниям.\n\n«Письма нужно воспринимать как ясную позицию», — прокомментировал изданию представитель Гренелла.",
			want: []want{{"Письма нужно", ""}},
		},
		{
			name: "en a name and a verb the lists lack",
			lang: "en",
			text: "Donald Trump spoke to reporters in Iowa.\n\n\"Go back to your network,\" Trump barked and a guard walked over.",
			want: []want{{"Go back to", "Donald Trump"}},
		},
		{
			name: "en a short clause before a colon",
			lang: "en",
			text: "The governors spoke after the debate.\n\nAnd Mr. Christie gloated: \"I told you he would not be ready.\"",
			want: []want{{"I told you", "Christie"}},
		},
		{
			name: "en a sentence of a name and a verb after a quotation that ends its own",
			lang: "en",
			text: "Donald Trump spoke in Ohio.\n\n\u201cRussia, if you are listening, find the missing files.\u201d Trump said.",
			want: []want{{"Russia, if you", "Donald Trump"}},
		},
		{
			name: "en a bracket after the name",
			lang: "en",
			text: "The caucus met on Tuesday.\n\n\u201cThere is tremendous energy in these races,\u201d Rep. Earl Blumenauer (D-Ore.) said.",
			want: []want{{"There is tremendous", "Earl Blumenauer"}},
		},
		{
			name: "en a title, a name and an apposition",
			lang: "en",
			text: "The convention ended.\n\n\u201cThis party is not divided at all,\u201d Senator Jeff Sessions, a close adviser to the nominee, told reporters.",
			want: []want{{"This party is", "Jeff Sessions"}},
		},
		{
			name: "en a paragraph ending in a colon introduces the next",
			lang: "en",
			text: "Ted Cruz answered the moderators.\n\nCruz continued:\n\n\u201cYou look at the questions and none of them is about policy.\u201d",
			want: []want{{"You look at", "Ted Cruz"}},
		},
		{
			name: "en a straight mark closed by a curly one",
			lang: "en",
			text: "David Axelrod spoke on Sunday.\n\n\"But the other candidate won that year,\u201d Axelrod said.",
			want: []want{{"But the other", "David Axelrod"}},
		},
		{
			name: "en a curly quotation closed by a straight mark, a straight one opened after",
			lang: "en",
			text: "Donald Trump won the primary.\n\n\u201cI heard parts of the speech,\" Trump said. \"He wants to give it all away.\u201d",
			want: []want{{"I heard parts", "Donald Trump"}, {"He wants to", "Donald Trump"}},
		},
		{
			name: "en the subject of a participle of saying",
			lang: "en",
			text: "Mitch McConnell met Donald Trump.\n\nOn Tuesday, Mr. McConnell deflected questions about Mr. Trump before saying, \u201cIt is time to stop attacking people.\u201d",
			want: []want{{"It is time", "Mitch McConnell"}},
		},
		{
			name: "en a verb the lists lack before the name",
			lang: "en",
			text: "The group met in Brooklyn.\n\n\u201cThey all think they are rebels,\u201d scoffed Arianna Gil, who founded the group.",
			want: []want{{"They all think", "Arianna Gil"}},
		},
		{
			name: "en a headline quotation in straight single marks",
			lang: "en",
			text: "Carly Fiorina: 'Bill Clinton is fair game.'\n\nCarly Fiorina spoke on Monday.",
			want: []want{{"Bill Clinton is", "Carly Fiorina"}},
		},
		{
			name: "en a role and a name the entities lack before the verb",
			lang: "en",
			text: "One man died.\n\n\"The videos show what happened,\" Clark County Sheriff Joe Lombardo said at a news conference.",
			want: []want{{"The videos show", "Joe Lombardo"}},
		},
		{
			name: "en a quotation signed on the next line",
			lang: "en",
			text: "The candidates debated.\n\n\"Almost all new income is going to the top earners.\"\n\n- Bernie Sanders.\n\nThe figure is old.",
			want: []want{{"Almost all new", "Bernie Sanders"}},
		},
		{
			name: "en a person and a verb the lists lack before the quotation",
			lang: "en",
			text: "Hillary Clinton debated Bernie Sanders.\n\nDuring the debate with Bernie Sanders, Hillary Clinton cracked, \u201cHe has never gotten anything done in the Senate.\u201d",
			want: []want{{"He has never", "Hillary Clinton"}},
		},
		{
			name: "en a verb the lists lack after a quotation, no name after it",
			lang: "en",
			text: "The storm hit the coast.\n\n\u201cWe lost everything we had in one night,\u201d residents of the town recalled.",
			want: []want{{"We lost everything", ""}},
		},
		{
			name: "en titles written with their dot before the name",
			lang: "en",
			text: "Troops were deployed.\n\n\"We are already working to accelerate that campaign,\" said Pentagon spokesman Navy Capt. Jeff Davis, who was asked about it.",
			want: []want{{"We are already", "Jeff Davis"}},
		},
		{
			name: "en a title opening the words after the verb",
			lang: "en",
			text: "Marco Rubio spoke about terrorism.\n\n''This will break down the false sense of separation,'' said Senator Chris Coons, Democrat of Delaware.",
			want: []want{{"This will break", "Chris Coons"}},
		},
		{
			name: "en a person qualifying a noun before the name",
			lang: "en",
			text: "Ted Cruz held a rally.\n\n\u201cThe Iowa caucus is a different kind of contest,\u201d said Cruz constituent Dan Golvach when asked.",
			want: []want{{"The Iowa caucus", "Dan Golvach"}},
		},
		{
			name: "en a noun qualified by a person, with no name, names nobody",
			lang: "en",
			text: "Chris Christie spoke in Hudson.\n\nAt the town hall meeting in Hudson, New Hampshire Monday, the Christie supporter retorted: \u201cThere is a special place for them in the town.\u201d",
			want: []want{{"There is a", ""}},
		},
		{
			name: "en a party noun before the name, after an organisation",
			lang: "en",
			text: "The committee met on Tuesday.\n\n\"They are spending their final days on this,\" said Oversight ranking Democrat Elijah Cummings (D-Md.).",
			want: []want{{"They are spending", "Elijah Cummings"}},
		},
		{
			name: "en a generational suffix is part of the full name",
			lang: "en",
			text: "James B. Comey Jr., the director of the bureau, spoke.\n\n\"It works as a way to sell books and movies,\" Mr. Comey said.",
			want: []want{{"It works as", "James B. Comey Jr."}},
		},
		{
			name: "en an indefinite role names nobody",
			lang: "en",
			text: "Congresswoman Susan Brooks backed the slate.\n\n\"One of my criteria was whether they support the nominee,\" said one district GOP leader.",
			want: []want{{"One of my", ""}},
		},
		{
			name: "en headline quotation in single marks after a colon",
			lang: "en",
			text: "Darrell Scott: ‘They Find Me Strange Because I Support Him!’\n\nPastor Darrell Scott spoke on CNN on Monday.",
			want: []want{{"They Find Me", "Darrell Scott"}},
		},
		{
			name: "ru an organisation opening the sentence after an adverb, with its country",
			lang: "ru",
			text: "Германия поддерживает проект газопровода.\n\nРанее Госдеп США призвал Германию прислушаться к «опасениям многих соседей по Европе».",
			want: []want{{"опасениям многих", "Госдеп США"}},
		},
		{
			name: "en a place and a role before the name after the verb",
			lang: "en",
			text: "The convention opened in Cleveland.\n\n\"This is just a scripted television show,\" said Virginia delegate Beau Correll, angered by the vote.",
			want: []want{{"This is just", "Beau Correll"}},
		},
		{
			name: "bg pronoun after the quote",
			lang: "bg",
			text: "Държавният секретар Майк Помпео пристигна в Сочи.\n„Имаме разногласия за Венецуела и ще ги обсъдим“, заяви той на пресконференция.",
			want: []want{{"Имаме разногласия", "Майк Помпео"}},
		},
		{
			name: "bg surname after the verb",
			lang: "bg",
			text: "Руският министър Сергей Лавров говори дълго. \"Заплахите срещу Венецуела противоречат на ценностите\", каза от своя страна Лавров.",
			want: []want{{"Заплахите срещу", "Сергей Лавров"}},
		},
		{
			name: "ru guillemets and dash",
			lang: "ru",
			text: "Дональд Трамп выступил в Алабаме. «У нас есть большие надежды и огромный потенциал», — заявил Трамп.",
			want: []want{{"У нас есть", "Дональд Трамп"}},
		},
		{
			name: "ru attribution inside the quotation",
			lang: "ru",
			text: "Об этом рассказала Карла Бруни. «Он думал соблазнить меня деньгами, — заявила тогда Бруни, — но меня деньги не интересуют».",
			want: []want{{"Он думал", "Карла Бруни"}},
		},
		{
			name: "en speaker before a colon, open quotation goes on",
			lang: "en",
			text: "Newcastle manager Graeme Souness was angry. Souness said: \"He can't play for me ever again. \"He can't go on television and accuse me of lies.\"",
			want: []want{{"He can't play", "Graeme Souness"}, {"He can't go on", "Graeme Souness"}},
		},
		{
			name: "en said after, continuation before",
			lang: "en",
			text: "Kelly Holmes won in Glasgow. \"It was nice to get that out of the way. \"I felt good and relaxed today,\" said Holmes.",
			want: []want{{"It was nice", "Kelly Holmes"}, {"I felt good", "Kelly Holmes"}},
		},
		{
			name: "en she prefers the woman",
			lang: "en",
			text: "Deputy Mayor Nicky Gavron spoke about Ken Livingstone. She said: \"I work very closely with him every day.\"",
			want: []want{{"I work very", "Nicky Gavron"}},
		},
		{
			name: "nested straight quotes",
			lang: "bg",
			text: "Президентът Петро Порошенко писа в Туитър. \"Ние искаме да спрем \"Северен поток-2 \" заедно с партньорите.\", заяви Порошенко.",
			want: []want{{"Ние искаме", "Петро Порошенко"}},
		},
		{
			name: "names and scare quotes are not quotations",
			lang: "bg",
			text: "Това предава ТАСС, цитирана от \"Фокус\". Той го нарече \"заговор\".",
		},
		{
			name: "de surname after sagte",
			lang: "de",
			text: "Der Stadtrat tagte am Abend. „Wir werden die Brücke im Frühjahr sanieren“, sagte Brandtner.",
			want: []want{{"Wir werden", "Brandtner"}},
		},
		{
			name: "de so and a surname",
			lang: "de",
			text: "Die Firma meldete Verluste. „Das Jahr war schwierig für uns alle“, so Kessling.",
			want: []want{{"Das Jahr", "Kessling"}},
		},
		{
			name: "de pronoun after the verb",
			lang: "de",
			text: "Vereinschef Brandtner sprach vor der Presse. „Wir bleiben bei unserem Plan für die Saison“, betonte er.",
			want: []want{{"Wir bleiben", "Brandtner"}},
		},
		{
			name: "de role and surname before a colon",
			lang: "de",
			text: "Vereinschef Brandtner: „Wir bleiben bei unserem Plan für die Saison.“",
			want: []want{{"Wir bleiben", "Brandtner"}},
		},
		{
			name: "de headline opened by a role, the name in the next sentence",
			lang: "de",
			text: "Vereinstrainer nach der Niederlage enttäuscht: „Wir haben heute einfach zu wenig getan.“\nHannover – Vereinstrainer Bertram Quandler zeigte sich nach dem Spiel enttäuscht.",
			want: []want{{"Wir haben heute", "Bertram Quandler"}},
		},
		{
			name: "en doubled apostrophes as quotation marks",
			lang: "en",
			text: "The jobless rate fell.\n\n''Good economic news for the country is bad political news,'' said Geoff Garin, a Democratic pollster.",
			want: []want{{"Good economic news", "Geoff Garin"}},
		},
		{
			name: "bg next paragraph goes on with the same speaker",
			lang: "bg",
			text: "Това каза проф. Здравко Попов.\n\n“Изборните резултати потвърждават становището”, посочи Попов.\n\n“Битката е доста ожесточена и тя е между две идеологии”.",
			want: []want{{"Изборните резултати", "Здравко Попов"}, {"Битката е", "Здравко Попов"}},
		},
		{
			name: "en the person, not the organisation he chairs",
			lang: "en",
			text: "Andrew Green, chairman of Migration Watch, said: \"The figures show the scale of the problem.\"",
			want: []want{{"The figures show", "Andrew Green"}},
		},
		{
			name: "ru an organisation next to the verb speaks",
			lang: "ru",
			text: "Авиакомпания Ryanair отменила рейсы. «Все клиенты получили письма по электронной почте», — подчеркнули в Ryanair.",
			want: []want{{"Все клиенты", "Ryanair"}},
		},
		{
			name: "bg an unnamed spokesman is nobody named",
			lang: "bg",
			text: "Британският премиер Тереза Мей пътува. \"Ние ще напуснем митническия съюз на ЕС\", заяви говорител на премиера.",
			want: []want{{"Ние ще напуснем", ""}},
		},
		{
			name: "ru an initial resolves to the full name",
			lang: "ru",
			text: "Премьер-министр Польши Матеуш Моравецкий дал интервью. \"Проект антиевропейский и опасный для всех\", - сказал М. Моравецкий.",
			want: []want{{"Проект антиевропейский", "Матеуш Моравецкий"}},
		},
		{
			name: "de the one person of the lead sentence, named in full further down",
			lang: "de",
			text: "\nPilgermaier sieht \"kleinstmöglichen gemeinsamen Nenner\" – Zeit für Aktenstudium. Wien – Eine Änderung wünscht sich der Verfahrensrichter im Hypo-U-Ausschuss, Walter Pilgermaier. Das meinte Pilgermaier am Montag.",
			want: []want{{"kleinstmöglichen", "Walter Pilgermaier"}},
		},
		{
			name: "en a short quotation spoken, not a scare quote",
			lang: "en",
			text: "Senator Ted Cruz was asked about the plan. \"Too many,\" Cruz said. He called it a \"red line\".",
			want: []want{{"Too many", "Ted Cruz"}},
		},
		{
			name: "en who was told is not the speaker",
			lang: "en",
			text: "Ivanka Trump spoke about work.\n\n\"Me and my peers, we're working really hard at being moms,\" Trump told Vogue last year.",
			want: []want{{"Me and my peers", "Ivanka Trump"}},
		},
		{
			name: "en an apposition between the name and the verb",
			lang: "en",
			text: "The plan was announced on Monday.\n\n\"It falls short of what refugees need,\" Bill Frelick, refugee rights program director at Human Rights Watch, said in an interview.",
			want: []want{{"It falls short", "Bill Frelick"}},
		},
		{
			name: "bg he is the subject after the verb, not the man named before it",
			lang: "bg",
			text: "САЩ искат Русия да спре да подкрепя президента Николас Мадуро, заяви държавният секретар Майк Помпео.\n„Имаме разногласия за Венецуела и ще ги обсъдим“, заяви той на пресконференция.",
			want: []want{{"Имаме разногласия", "Майк Помпео"}},
		},
		{
			name: "bg a channel after по is not the speaker",
			lang: "bg",
			text: "Полетът беше отменен. „С наши средства успяхме да си купим билети“, заяви по NOVA Огнян Манолев, един от пътниците.",
			want: []want{{"С наши средства", "Огнян Манолев"}},
		},
		{
			name: "en a title's dot does not end the sentence",
			lang: "en",
			text: "Paul Manafort ran the convention.\n\n''We are moving to a more professional phase,'' Mr. Manafort said Thursday night.",
			want: []want{{"We are moving", "Paul Manafort"}},
		},
		{
			name: "en the name before the verb, not the host after it",
			lang: "en",
			text: "Jeb Bush spoke on the radio.\n\n\"This is an organized effort against us all,\" Bush said in an interview with radio host Hugh Hewitt.",
			want: []want{{"This is an organized", "Jeb Bush"}},
		},
		{
			name: "en a spokesman for a campaign named before the verb",
			lang: "en",
			text: "Hillary Clinton answered questions.\n\nBrian Fallon, a spokesman for the Clinton campaign, said, \"The established process was followed throughout her tenure.\"",
			want: []want{{"The established process", "Brian Fallon"}},
		},
		{
			name: "en a name the entities do not know, right before the verb",
			lang: "en",
			text: "The vote was close.\n\n\"That is inevitable and it will happen soon,\" Joe Kasper told reporters.",
			want: []want{{"That is inevitable", "Joe Kasper"}},
		},
		{
			name: "en according to after the quotation",
			lang: "en",
			text: "The inquiry goes on.\n\n\"The department will make a final decision on charges,\" according to CNN.",
			want: []want{{"The department will", "CNN"}},
		},
		{
			name: "en attribution clause ending a long sentence after the quotation",
			lang: "en",
			text: "The court is split.\n\n\"The number of rulings at stake is remarkable,\" because many decisions were taken by one vote, said Mary Colton, who teaches law in Ohio.",
			want: []want{{"The number of rulings", "Mary Colton"}},
		},
		{
			name: "en name and verb ending a long sentence after the quotation",
			lang: "en",
			text: "Peter Hollis runs the shelter.\n\n\"We are worried\" about the rising rents in the city and the cuts to the programme, Hollis said on Monday.",
			want: []want{{"We are worried", "Peter Hollis"}},
		},
		{
			name: "en no attribution clause at the end of the sentence",
			lang: "en",
			text: "Peter Hollis runs the shelter.\n\n\"We are worried\" is what many tenants in the city told the council in its hearing, and Hollis agreed with them.",
			want: []want{{"We are worried", ""}},
		},
		{
			name: "en a name the entities do not know right after said",
			lang: "en",
			text: "The delegates met.\n\n\"It is empty talk,\" said Tomas Quarrel, a committeeman from Oregon.",
			want: []want{{"It is empty talk", "Tomas Quarrel"}},
		},
		{
			name: "en the person opening the sentence and its verb before a quotation inside it",
			lang: "en",
			text: "The party met on Monday.\n\nSenator Helen Marsh, Republican of Ohio, called the plan of Mr. Dorsey ''a costly mistake for everyone.''",
			want: []want{{"a costly mistake", "Helen Marsh"}},
		},
		{
			name: "en a name qualifying the noun opening the sentence is not its subject",
			lang: "en",
			text: "The party met on Monday.\n\nFormer Dorsey speechwriter Tim Lane published a column titled ''Why the plan will fail in the end.''",
			want: []want{{"Why the plan", ""}},
		},
		{
			name: "en a clause of its own before the quotation",
			lang: "en",
			text: "The party met on Monday.\n\nHelen Marsh met Tom Dorsey, who called the plan ''a costly mistake for everyone.''",
			want: []want{{"a costly mistake", ""}},
		},
		{
			name: "en one word ending a sentence after a verb of saying and a comma",
			lang: "en",
			text: "The chairman faced questions.\n\nAsked whether he would resign, Reince Walters said, \"Probably.\" Then he left.",
			want: []want{{"Probably.", "Reince Walters"}},
		},
		{
			name: "en one word ending a sentence is no quotation without a verb of saying",
			lang: "en",
			text: "The chairman faced questions.\n\nReince Walters called it \"chaos.\" Then he left.",
			want: []want{},
		},
		{
			name: "en the name before an apposition naming another person, then the verb",
			lang: "en",
			text: "The senators met.\n\nSen. Richard Dorman (D-Ill.), noting the size of Bernie Sanders's following, said, \"He has a huge email list and he will use it.\"",
			want: []want{{"He has a huge", "Richard Dorman"}},
		},
		{
			name: "en a person after a preposition before a colon is spoken to",
			lang: "en",
			text: "The senators met.\n\nThe leader delivered a blunt message to Donald Trump: \"It is time to quit attacking people.\"",
			want: []want{{"It is time to quit", ""}},
		},
		{
			name: "en a possessive and a role, then the name in apposition",
			lang: "en",
			text: "Bernie Sanders spoke in Oakland.\n\n\"California stuck out as a place to compete,\" Sanders's campaign manager, Jeff Walden, said in an interview.",
			want: []want{{"California stuck out", "Jeff Walden"}},
		},
		{
			name: "en a participle after a name and a verb of saying",
			lang: "en",
			text: "Paul Ryan and Donald Trump will meet next week, Sean Spicer said, adding, \"They need to sit down and have a good talk.\"",
			want: []want{{"They need to sit", "Sean Spicer"}},
		},
		{
			name: "en a quotation alone in its paragraph between two of the same speaker's",
			lang: "en",
			text: "The vote nears.\n\n\"He has the same positions as the voters want,\" Viguerie notes.\n\nViguerie is upbeat about the chances of Ted Cruz.\n\n\"Not only can he win in November, he has the best chance.\"\n\n\"He may be the only one who unites the party,\" Viguerie notes.",
			want: []want{{"He has the same", "Viguerie"}, {"Not only can he", "Viguerie"}, {"He may be the only", "Viguerie"}},
		},
		{
			name: "en a title and a name, then a verb form the lists lack",
			lang: "en",
			text: "Huma Abedin worked at the State Department.\n\n\"It's Jeff Feltman,\" Ms. Abedin answered, referring to a State Department official.",
			want: []want{{"It's Jeff Feltman", "Huma Abedin"}},
		},
		{
			name: "en a participle right after the quotation takes the subject named before it",
			lang: "en",
			text: "The debate was calm.\n\nOn the same day, Donald Trump said of the episode, ''I don't like it,'' adding that ''they have anger that's unbelievable.''",
			want: []want{{"I don't like it", "Donald Trump"}, {"they have anger", "Donald Trump"}},
		},
		{
			name: "en an abbreviation in a bracket after a name ends no sentence",
			lang: "en",
			text: "Zimmerman sells the gun.\n\nIn a statement released Thursday, Rep. Hakeem Jeffers (D-N.Y.) reacted to the news, saying: \"The killer should be in prison.\"",
			want: []want{{"The killer should", "Hakeem Jeffers"}},
		},
		{
			name: "en a role between capitalised words before the name opening the sentence",
			lang: "en",
			text: "Clinton held few press conferences.\n\nWashington Post columnist Margaret Sulley, in an attempt to draw attention to it, wrote, \"The candidate answered seven questions.\"",
			want: []want{{"The candidate answered", "Margaret Sulley"}},
		},
		{
			name: "en a state abbreviation before a comma ends no sentence",
			lang: "en",
			text: "The hearing was held.\n\nSen. Ron Jonsen, R-Wis., said in an op-ed piece before the hearing, \"The department reduced security in Libya.\"",
			want: []want{{"The department reduced", "Ron Jonsen"}},
		},
		{
			name: "en a form in -ing the lists lack right before the comma",
			lang: "en",
			text: "The debate went on.\n\nDonald Trump tried to laugh it off by interjecting, \"Only Rosie O'Donnell, I think.\"",
			want: []want{{"Only Rosie", "Donald Trump"}},
		},
		{
			name: "en a form in -ing that shows words, not says them",
			lang: "en",
			text: "The rally went on.\n\nJeff Sessions arrived on stage with Rudy Giuliani wearing, \"Make Mexico Great Again Also\" on his cap.",
			want: []want{{"Make Mexico Great", ""}},
		},
		{
			name: "en a surname the entities do not know opens the sentence, its full name given before",
			lang: "en",
			text: "Former agent Gary Brynne wrote a book about Hillary Clinton and Bill Clinton.\n\nBrynne went on to say, \"I know this to be true about her.\"",
			want: []want{{"I know this", "Gary Brynne"}},
		},
		{
			name: "no speaker named",
			lang: "en",
			text: "\"Sales will improve next year, we think,\" the report concluded.",
			want: []want{{"Sales will improve", ""}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := extract(t, tc.text, tc.lang)
			checkQuotes(t, got, tc.want)
			for i := range tc.want {
				if tc.text[got[i].Start:got[i].End] == "" {
					t.Errorf("quotation %d has empty offsets %d-%d", i, got[i].Start, got[i].End)
				}
			}
		})
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"„Имаме разногласия за Венецуела“, заяви той.",
		"«Мы готовы», — сказал Трамп. «Ещё, — заявил он, — будет»",
		"Souness said: \"He can't. \"Again.\" \"\"\" \" x \"y",
		"„„„““ «« »» “ ” \" \n \"",
		"\"", "„", "«", "“",
	} {
		f.Add(s, "bg")
		f.Add(s, "en")
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		for _, q := range extract(t, text, lang) {
			if q.Start < 0 || q.End > len(text) || q.Start > q.End {
				t.Fatalf("quotation %+v out of bounds of a %d-byte text", q, len(text))
			}
			if !strings.Contains(text[q.Start:q.End], q.Text) {
				t.Fatalf("quotation text %q is not at its offsets %q", q.Text, text[q.Start:q.End])
			}
		}
	})
}

// BenchmarkEntitiesAndQuotes runs what the enrich stage runs per article:
// entity extraction, then quotations, over corpus articles (bg, ru, en;
// title and body).
func BenchmarkEntitiesAndQuotes(b *testing.B) {
	gazOnce.Do(func() { gaz, gazErr = entities.NewGazetteer() })
	if gazErr != nil {
		b.Fatal(gazErr)
	}
	x := entities.New(gaz)
	var texts, langs []string
	for _, file := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl"} {
		f, err := os.Open(corpus.Path(b, file))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for n := 0; sc.Scan() && n < 200; n++ {
			var a struct{ Title, Body, Lang string }
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				b.Fatal(err)
			}
			texts, langs = append(texts, a.Title+"\n"+a.Body), append(langs, a.Lang)
		}
		f.Close()
	}
	total := 0
	for _, t := range texts {
		total += len(t)
	}
	b.SetBytes(int64(total / len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(texts)
		Extract(texts[k], x.Extract(texts[k], langs[k]), gaz)
	}
}

// TestExtractTokens checks that quotations read from the text's tokens are
// those read by tokenising around each quotation, on corpus articles.
func TestExtractTokens(t *testing.T) {
	gazOnce.Do(func() { gaz, gazErr = entities.NewGazetteer() })
	if gazErr != nil {
		t.Fatal(gazErr)
	}
	x := entities.New(gaz)
	n := 0
	for _, file := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl", "uk.jsonl"} {
		f, err := os.Open(corpus.Path(t, file))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for k := 0; sc.Scan() && k < 120; k++ {
			var a struct{ Title, Body, Lang string }
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatal(err)
			}
			text := a.Title + "\n" + a.Body
			ents := x.Extract(text, a.Lang)
			got, want := ExtractTokens(text, textseg.Tokenize(text), ents, gaz), Extract(text, ents, gaz)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: quotations %+v from the text's tokens, %+v tokenising again", a.Title, got, want)
			}
			n += len(want)
		}
		f.Close()
	}
	if n == 0 {
		t.Fatal("no quotations in the corpus articles")
	}
}

// BenchmarkQuotes runs the quotations step alone over corpus articles
// (bg, ru, en, de; title and body), with their entities and tokens found
// beforehand, as the enrich stage hands them over.
func BenchmarkQuotes(b *testing.B) {
	gazOnce.Do(func() { gaz, gazErr = entities.NewGazetteer() })
	if gazErr != nil {
		b.Fatal(gazErr)
	}
	x := entities.New(gaz)
	type doc struct {
		text string
		toks []textseg.Token
		ents entities.Result
	}
	var docs []doc
	total := 0
	for _, file := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl", "de.jsonl"} {
		f, err := os.Open(corpus.Path(b, file))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for n := 0; sc.Scan() && n < 150; n++ {
			var a struct{ Title, Body, Lang string }
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				b.Fatal(err)
			}
			text := a.Title + "\n" + a.Body
			docs = append(docs, doc{text, textseg.Tokenize(text), x.Extract(text, a.Lang)})
			total += len(text)
		}
		f.Close()
	}
	b.SetBytes(int64(total / len(docs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := docs[i%len(docs)]
		ExtractTokens(d.text, d.toks, d.ents, gaz)
	}
}

func TestWithoutHeadlineWords(t *testing.T) {
	text := "The NATO summit." + strings.Repeat(" Talks went on.", 20) + " CNN President On Trump: \"We do not pay.\""
	r := resolver{text: text, orgs: []entities.Mention{{Entity: "NATO", Start: 4, End: 8}}, persons: []entities.Mention{{Entity: "Donald Trump"}, {Entity: "Response To Trump"}}}
	far, near := span{}, span{open: strings.Index(text, "\"W"), close: len(text)}
	for _, c := range []struct {
		in   string
		at   span
		want string
	}{
		{"Said Dorothy Poynter", far, "Dorothy Poynter"},
		{"Hillary Releasing Her Speech Transcripts", far, ""},
		{"Settle For Hillary", far, ""},
		{"On Trump", far, "Donald Trump"},
		{"Response To Trump", far, "Donald Trump"},
		{"Settle For Latinos", far, ""},
		{"On Trump", near, ""},
		{"PHILADELPHIA", far, ""},
		{"NATO", far, "NATO"},
		{"Will Doyle", far, "Will Doyle"},
		{"Bernie Sanders", far, "Bernie Sanders"},
	} {
		if got := r.withoutHeadlineWords(c.in, c.at); got != c.want {
			t.Errorf("withoutHeadlineWords(%q, %+v) = %q, want %q", c.in, c.at, got, c.want)
		}
	}
}

func TestTitledOrgs(t *testing.T) {
	text := "Republican South Carolina Sen. Lindsey Graham spoke. Graham left. Acme Corp. grew."
	at := func(s string, from int) int { return from + strings.Index(text[from:], s) }
	g, a := at("Graham", 46), at("Acme", 0)
	orgs := []entities.Mention{
		{Start: 0, End: 45, Entity: "Republican South Carolina Sen. Lindsey Graham", Type: article.EntityOrganization},
		{Start: g, End: g + 6, Entity: "Graham", Type: article.EntityOrganization},
		{Start: a, End: a + 10, Entity: "Acme Corp.", Type: article.EntityOrganization},
	}
	persons, left := titledOrgs(text, nil, orgs, nil)
	if len(left) != 1 || left[0].Entity != "Acme Corp." {
		t.Errorf("organisations left %+v, want Acme Corp. only", left)
	}
	if len(persons) != 2 || persons[0].Entity != "Lindsey Graham" || text[persons[0].Start:persons[0].End] != "Lindsey Graham" || persons[1].Entity != "Lindsey Graham" || persons[1].Start != g {
		t.Errorf("persons %+v, want Lindsey Graham twice", persons)
	}
}

func TestTitledOrgsFromOther(t *testing.T) {
	text := "Vice President Joe Biden spoke. Biden left."
	b := strings.LastIndex(text, "Biden")
	others := []entities.Mention{{Start: 0, End: 24, Entity: "Vice President Joe Biden", Type: article.EntityOther}}
	orgs := []entities.Mention{{Start: b, End: b + 5, Entity: "Biden", Type: article.EntityOrganization}}
	persons, left := titledOrgs(text, nil, orgs, others)
	if len(left) != 0 || len(persons) != 1 || persons[0].Entity != "Joe Biden" || persons[0].Start != b {
		t.Errorf("persons %+v, organisations %+v; want Biden as Joe Biden and no organisation", persons, left)
	}
}

func TestWithoutPlaceNames(t *testing.T) {
	text := "The shooting in Orlando. Orlando said. Trump spoke in Ohio."
	o1 := strings.Index(text, "Orlando")
	o2 := strings.LastIndex(text, "Orlando")
	tr := strings.Index(text, "Trump")
	persons := []entities.Mention{
		{Start: o1, End: o1 + 7, Entity: "Orlando"},
		{Start: o2, End: o2 + 7, Entity: "Orlando"},
		{Start: tr, End: tr + 5, Entity: "Donald Trump"},
	}
	got := withoutPlaceNames(text, persons, nil)
	if len(got) != 1 || got[0].Entity != "Donald Trump" {
		t.Errorf("withoutPlaceNames = %+v, want Donald Trump only", got)
	}
}

func TestFullNameAfterRole(t *testing.T) {
	extract(t, "", "de") // loads the gazetteer
	for _, c := range []struct{ text, name, want string }{
		{"Der Druck auf Roms Bürgermeister Ignazio Marino wächst.", "Marino", "Ignazio Marino"},
		{"Premier Matteo Renzi sprach mit Bürgermeister Ignazio Marino.", "Renzi", "Matteo Renzi"},
		// A capitalised word before the surname is no given name unless a
		// role precedes it.
		{"Der Druck auf die Verwaltung Marino wächst.", "Marino", "Marino"},
		// Two given names: the surname alone stays.
		{"Bürgermeister Ignazio Marino und Senator Paolo Marino.", "Marino", "Marino"},
	} {
		r := resolver{text: c.text, g: gaz}
		if got := r.fullName(c.name); got != c.want {
			t.Errorf("fullName(%q) in %q = %q, want %q", c.name, c.text, got, c.want)
		}
	}
}

func TestWithoutAcronym(t *testing.T) {
	for _, c := range []struct {
		name   string
		person bool
		want   string
	}{
		{"ИАТА Дэвид Пауэлл", true, "Дэвид Пауэлл"},
		{"ФРГ Хайко Маас", true, "Хайко Маас"},
		{"BBC World Service", false, "BBC World Service"}, // an organisation keeps it
		{"МИД Франции", true, "МИД Франции"},              // two words
	} {
		if got := withoutAcronym(c.name, c.person); got != c.want {
			t.Errorf("withoutAcronym(%q, %v) = %q, want %q", c.name, c.person, got, c.want)
		}
	}
}

func TestObliqueNames(t *testing.T) {
	for _, c := range []struct{ text, lang, prefix, want string }{
		// "По словам X": the genitive is the speaker.
		{"Борис Джонсон подал в отставку.\n\nПо словам Джонсона, «мечта умирает в бессмысленных сомнениях».", "ru", "мечта умирает", "Борис Джонсон"},
		// A name in the instrumental before a colon is not the speaker.
		{"Борис Джонсон дал интервью газете.\n\nВ интервью Джонсон сравнил Евросоюз с Адольфом Гитлером: \"ЕС пытается создать сверхгосударство.\"", "ru", "ЕС пытается", "Борис Джонсон"},
		// A first name alone is no oblique case.
		{"Лидерът Винс Кейбъл говори на конференцията.\n\nСър Винс смята, че „лицата на хората са бели“ в онази Великобритания.", "bg", "лицата на", "Винс Кейбъл"},
	} {
		var got *Quote
		qs := extract(t, c.text, c.lang)
		for i := range qs {
			if strings.HasPrefix(qs[i].Text, c.prefix) {
				got = &qs[i]
			}
		}
		if got == nil || got.Speaker != c.want {
			t.Errorf("%q: quotation %q: got %+v, want speaker %q", c.text, c.prefix, got, c.want)
		}
	}
}
