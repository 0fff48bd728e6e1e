package textclean

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/corpus"
)

func TestCleanWith(t *testing.T) {
	tests := []struct {
		name        string
		title, body string
		wantBody    string
		wantLinks   []string
		wantRemoved []string
		wantCut     []string
	}{
		{
			name:        "bg teasers go to related links, promo is dropped",
			body:        "Първи абзац.\nОще: Мъск отрича да изнудва Киев\nВтори абзац.\nНезависими новини - Actualno.com ги представя и във Viber! Последвайте ни тук!",
			wantBody:    "Първи абзац.\nВтори абзац.",
			wantLinks:   []string{"Мъск отрича да изнудва Киев"},
			wantRemoved: []string{"Още: Мъск отрича да изнудва Киев", "Независими новини - Actualno.com ги представя и във Viber! Последвайте ни тук!"},
		},
		{
			name:     "a sentence starting with Още is not a teaser",
			body:     "Още през 1998 година той беше министър.\nВижте още как стана това.",
			wantBody: "Още през 1998 година той беше министър.\nВижте още как стана това.",
		},
		{
			name:        "ru teasers with and without colon after the keyword",
			body:        "Текст статьи.\nЧитайте также: Лавров встретился с Помпео\nЧитайте также - «Газпром» отчитался\nФото: AFP.",
			wantBody:    "Текст статьи.",
			wantLinks:   []string{"Лавров встретился с Помпео", "Газпром» отчитался"},
			wantRemoved: []string{"Читайте также: Лавров встретился с Помпео", "Читайте также - «Газпром» отчитался", "Фото: AFP."},
		},
		{
			name:        "lone teaser keyword, the title on the next line",
			body:        "Текст.\nПрочетете още:\nТръмп загуби изборите\nКрай на статията.",
			wantBody:    "Текст.\nКрай на статията.",
			wantLinks:   []string{"Тръмп загуби изборите"},
			wantRemoved: []string{"Прочетете още:", "Тръмп загуби изборите"},
		},
		{
			name:        "en read more, subscribe and source footer",
			body:        "The minister spoke.\nRead more: Talks collapse in Brussels\nSubscribe to our newsletter for daily news\nSource: Reuters",
			wantBody:    "The minister spoke.",
			wantLinks:   []string{"Talks collapse in Brussels"},
			wantRemoved: []string{"Read more: Talks collapse in Brussels", "Subscribe to our newsletter for daily news", "Source: Reuters"},
		},
		{
			name:        "caption with credit, copyright, rating widget, tag list",
			body:        "Статья.\nБорис Джонсон. Фото: GLOBAL LOOK press/Dinendra Haria\n© 2018 Все права защищены\n4.8 (96%) 5 votes\nвакцина, коронавирус в россии, россия, вакцины, здоровье",
			wantBody:    "Статья.",
			wantRemoved: []string{"Борис Джонсон. Фото: GLOBAL LOOK press/Dinendra Haria", "© 2018 Все права защищены", "4.8 (96%) 5 votes", "вакцина, коронавирус в россии, россия, вакцины, здоровье"},
		},
		{
			name:        "title repeated at the top, with a time stamp",
			title:       "Мэй прокомментировала отставку главы МИД",
			body:        "Мэй прокомментировала отставку главы МИД. Сегодня, 17:22\n\n" + strings.Repeat("Премьер-министр Великобритании заявила, что сожалеет об отставке. ", 4),
			wantBody:    strings.TrimSpace(strings.Repeat("Премьер-министр Великобритании заявила, что сожалеет об отставке. ", 4)),
			wantRemoved: []string{"Мэй прокомментировала отставку главы МИД. Сегодня, 17:22"},
		},
		{
			name:        "stray headline between paragraphs",
			body:        strings.Repeat("Министърът заяви, че преговорите ще продължат и през следващата седмица. ", 3) + "\nТръмп и Байдън отправят коренно различни послания\n" + strings.Repeat("Президентът коментира резултатите от изборите в няколко щата. ", 3),
			wantBody:    strings.TrimSpace(strings.Repeat("Министърът заяви, че преговорите ще продължат и през следващата седмица. ", 3)) + "\n" + strings.TrimSpace(strings.Repeat("Президентът коментира резултатите от изборите в няколко щата. ", 3)),
			wantRemoved: []string{"Тръмп и Байдън отправят коренно различни послания"},
		},
		{
			name: "one-line body: share text and credits are cut, the text stays",
			body: "Сподели Приятел Tweet Абонамент за печатен вестник. " + strings.Repeat("Съдът оправда Асия Биби след осем години в затвора. ", 8) +
				"Дъщерите държат нейна снимка Снимка: Ройтерс Пакистанският съд реши окончателно. Източник: БГНЕС",
			wantBody: strings.Repeat("Съдът оправда Асия Биби след осем години в затвора. ", 8) + "Дъщерите държат нейна снимка Пакистанският съд реши окончателно.",
			wantCut:  []string{"Сподели Приятел Tweet Абонамент за печатен вестник.", "Снимка: Ройтерс", "Източник: БГНЕС"},
		},
		{
			name:     "a result line is not a stray headline",
			body:     strings.Repeat("Nadal beat Roddick in a long match on Sunday afternoon in front of his fans. ", 3) + "\nResult: Nadal 6-7 (6/8) 6-2 7-6 (8/6) 6-2 Roddick\n" + strings.Repeat("The Spaniard now faces the winner of the other semi-final on Tuesday. ", 3),
			wantBody: strings.TrimSpace(strings.Repeat("Nadal beat Roddick in a long match on Sunday afternoon in front of his fans. ", 3)) + "\nResult: Nadal 6-7 (6/8) 6-2 7-6 (8/6) 6-2 Roddick\n" + strings.TrimSpace(strings.Repeat("The Spaniard now faces the winner of the other semi-final on Tuesday. ", 3)),
		},
		{
			name:        "first line is the headline the title holds among a time stamp and the site name",
			title:       "08:12 Общината обяви нови правила за паркиране в центъра | Градски вестник",
			body:        "Общината обяви нови правила за паркиране в центъра.\n\n" + para("Съветниците гласуваха промените след дълъг спор. "),
			wantBody:    para("Съветниците гласуваха промените след дълъг спор. "),
			wantRemoved: []string{"Общината обяви нови правила за паркиране в центъра."},
		},
		{
			name:        "after a headline from the title, the standfirst stays",
			title:       "Новини / Град / Общината обяви нови правила за паркиране",
			body:        "Общината обяви нови правила за паркиране\n\nСъветниците гласуваха промените след дълъг спор с търговците от центъра\n\n" + para("Правилата влизат в сила от понеделник. "),
			wantBody:    "Съветниците гласуваха промените след дълъг спор с търговците от центъра\n\n" + para("Правилата влизат в сила от понеделник. "),
			wantRemoved: []string{"Общината обяви нови правила за паркиране"},
		},
		{
			name:     "a lead that the title only partly holds stays",
			title:    "Пилоти на нискотарифен превозвач спират работа Пилотите на авиокомпанията обявиха стачка за петък",
			body:     "Пилотите на авиокомпанията обявиха стачка за петък.\n\n" + para("Синдикатът иска по-високи заплати. "),
			wantBody: "Пилотите на авиокомпанията обявиха стачка за петък.\n\n" + para("Синдикатът иска по-високи заплати. "),
		},
		{
			name:     "a part of the title later in the body stays",
			title:    "14:05 Министърът подаде оставка след скандала",
			body:     para("Парламентът заседава цял ден. ") + "\nМинистърът подаде оставка след скандала.\n" + para("Опозицията поиска избори. "),
			wantBody: para("Парламентът заседава цял ден. ") + "\nМинистърът подаде оставка след скандала.\n" + para("Опозицията поиска избори. "),
		},
		{
			name:        "after the typo-report widget the page follows: comments, teasers, the slogan",
			body:        para("Суд отложил рассмотрение дела до осени. ") + "\nЗаметили ошибку? Выделите текст и нажмите Ctrl+Enter\nКомментарии 3\nА что будет с ценами на хлеб в следующем году, кто ответит?\nВойти",
			wantBody:    para("Суд отложил рассмотрение дела до осени. "),
			wantRemoved: []string{"Заметили ошибку? Выделите текст и нажмите Ctrl+Enter", "Комментарии 3", "А что будет с ценами на хлеб в следующем году, кто ответит?", "Войти"},
		},
		{
			name:        "the widget ending the article's own line ends the article",
			body:        para("Суд отложил рассмотрение дела до осени. ") + " Заметили ошибку? Выделите текст, который её содержит, и нажмите\n\nКак выбрать зимние шины? Советы автомеханика Петра Иванова",
			wantBody:    strings.TrimSpace(para("Суд отложил рассмотрение дела до осени. ")),
			wantRemoved: []string{"Как выбрать зимние шины? Советы автомеханика Петра Иванова"},
			wantCut:     []string{"Заметили ошибку?", "Выделите текст, который её содержит, и нажмите"},
		},
		{
			name:        "the widget before the article ends nothing",
			body:        "Нашли ошибку? Выделите её и нажмите Ctrl+Enter\n" + para("Суд отложил рассмотрение дела до осени. ") + "\nАдвокаты обжалуют решение.",
			wantBody:    para("Суд отложил рассмотрение дела до осени. ") + "\nАдвокаты обжалуют решение.",
			wantRemoved: []string{"Нашли ошибку? Выделите её и нажмите Ctrl+Enter"},
		},
		{
			name:        "site description and name as the last line",
			body:        para("Суд отложил рассмотрение дела до осени. ") + "\nНовости региона каждый день. Политика, экономика, спорт и культура | Портал «Пример»",
			wantBody:    para("Суд отложил рассмотрение дела до осени. "),
			wantRemoved: []string{"Новости региона каждый день. Политика, экономика, спорт и культура | Портал «Пример»"},
		},
		{
			name:     "a last line with a bar in a sentence stays",
			body:     para("The vote was close. ") + "\nThe final count was 52 | 48, officials said on Friday.",
			wantBody: para("The vote was close. ") + "\nThe final count was 52 | 48, officials said on Friday.",
		},
		{
			name:        "a quoted-name headline between paragraphs is a teaser, with its full stop",
			body:        para("Министрите обсъдиха газовите доставки. ") + "\n\n\"Южен поток\": министрите обсъждат нов маршрут на тръбата.\n\n" + para("Решение се очаква през есента. "),
			wantBody:    para("Министрите обсъдиха газовите доставки. ") + "\n\n" + para("Решение се очаква през есента. "),
			wantRemoved: []string{"\"Южен поток\": министрите обсъждат нов маршрут на тръбата."},
		},
		{
			name:     "a paragraph that opens with a quotation and a colon stays",
			body:     para("Министрите обсъдиха газовите доставки. ") + "\n\n\"Няма да се откажем\": така министърът отговори на журналистите. Той добави, че решението е окончателно.\n\n" + para("Решение се очаква през есента. "),
			wantBody: para("Министрите обсъдиха газовите доставки. ") + "\n\n\"Няма да се откажем\": така министърът отговори на журналистите. Той добави, че решението е окончателно.\n\n" + para("Решение се очаква през есента. "),
		},
		{
			name:     "a one-sentence paragraph whose clause points back at its quotation stays",
			body:     para("Министрите обсъдиха газовите доставки. ") + "\n\n\"Няма да се откажем\": така министърът отговори на журналистите.\n\n" + para("Решение се очаква през есента. "),
			wantBody: para("Министрите обсъдиха газовите доставки. ") + "\n\n\"Няма да се откажем\": така министърът отговори на журналистите.\n\n" + para("Решение се очаква през есента. "),
		},
		{
			name:     "ru one-sentence paragraph: the quotation, then who said it",
			body:     para("Переговоры продолжились в пятницу. ") + "\n\n«Мы готовы к диалогу»: об этом заявил министр журналистам.\n\n" + para("Решение ожидается осенью. "),
			wantBody: para("Переговоры продолжились в пятницу. ") + "\n\n«Мы готовы к диалогу»: об этом заявил министр журналистам.\n\n" + para("Решение ожидается осенью. "),
		},
		{
			name:        "calls to send tips, also in capitals, and to get the app",
			body:        para("Пожарът е потушен късно вечерта. ") + " АКО ИМАТЕ СНИМКИ ОТ МЯСТОТО, ПРАЩАЙТЕ ВАШИТЕ СИГНАЛИ НА РЕДАКЦИЯТА.\nSend us your tips at tips@example.org\nИзтеглете нашето приложение за още новини",
			wantBody:    strings.TrimSpace(para("Пожарът е потушен късно вечерта. ")),
			wantRemoved: []string{"Send us your tips at tips@example.org", "Изтеглете нашето приложение за още новини"},
			wantCut:     []string{"АКО ИМАТЕ СНИМКИ ОТ МЯСТОТО, ПРАЩАЙТЕ ВАШИТЕ СИГНАЛИ НА РЕДАКЦИЯТА."},
		},
		{
			name:     "article sentences about an app, a download or a share stay",
			body:     "Министерството пусна мобилно приложение, което гражданите могат да изтеглят безплатно.\nDownload the app, the minister urged citizens on Monday.\nТОЙ СПОДЕЛИ ПРЕД ЖУРНАЛИСТИ, ЧЕ НЯМА ДА СЕ ОТКАЖЕ.\nОни присылали нам письма годами, рассказала учительница.",
			wantBody: "Министерството пусна мобилно приложение, което гражданите могат да изтеглят безплатно.\nDownload the app, the minister urged citizens on Monday.\nТОЙ СПОДЕЛИ ПРЕД ЖУРНАЛИСТИ, ЧЕ НЯМА ДА СЕ ОТКАЖЕ.\nОни присылали нам письма годами, рассказала учительница.",
		},
		{
			name:     "a promotion the segmenter ran into a quoted post is cut from its first word, with its unfinished end",
			body:     para("Президентът коментира проекта в профила си. ") + " Газът трябва да остане в Европа - Иван Иванов (@ivanov) 18 юни 2018 Следете ни навсякъде с приложението на Примерни новини. Можете да го изтеглите от",
			wantBody: para("Президентът коментира проекта в профила си. ") + " Газът трябва да остане в Европа - Иван Иванов (@ivanov) 18 юни 2018",
			wantCut:  []string{"Следете ни навсякъде с приложението на Примерни новини. Можете да го изтеглите от"},
		},
		{
			name:     "a full sentence after a promotion stays",
			body:     para("Президентът коментира проекта. ") + " Следете ни и във Viber. Министърът ще говори утре пред депутатите.",
			wantBody: para("Президентът коментира проекта. ") + " Министърът ще говори утре пред депутатите.",
			wantCut:  []string{"Следете ни и във Viber."},
		},
		{
			name:     "read more at the source",
			body:     para("Суд оправдал обвиняемую. ") + " Подробнее читайте в публикации «Пример»",
			wantBody: strings.TrimSpace(para("Суд оправдал обвиняемую. ")),
			wantCut:  []string{"Подробнее читайте в публикации «Пример»"},
		},
		{
			name:     "a credit naming a web domain is cut whole, not at the domain's dot",
			body:     para("Министерството потвърди новината в петък. ") + " 12:54 Фото: primer.com.tr Жената може да напусне страната, заявиха от министерството.",
			wantBody: para("Министерството потвърди новината в петък. ") + " 12:54 Жената може да напусне страната, заявиха от министерството.",
			wantCut:  []string{"Фото: primer.com.tr"},
		},
		{
			name:     "copyright in running text stays",
			body:     "Copyright education has always been a hard sell, he said.",
			wantBody: "Copyright education has always been a hard sell, he said.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CleanWith(tc.body, Options{Title: tc.title})
			if r.Body != tc.wantBody {
				t.Errorf("body\n got %q\nwant %q", r.Body, tc.wantBody)
			}
			if !slices.Equal(r.RelatedLinks, tc.wantLinks) {
				t.Errorf("related links\n got %q\nwant %q", r.RelatedLinks, tc.wantLinks)
			}
			if !slices.Equal(r.Removed, tc.wantRemoved) {
				t.Errorf("removed\n got %q\nwant %q", r.Removed, tc.wantRemoved)
			}
			if !slices.Equal(r.Cut, tc.wantCut) {
				t.Errorf("cut\n got %q\nwant %q", r.Cut, tc.wantCut)
			}
		})
	}
}

// para returns sentence repeated into a paragraph of running text, long
// enough to stand as one.
func para(sentence string) string {
	return strings.TrimSpace(strings.Repeat(sentence, 400/len(sentence)+1))
}

func TestLearnedBoilerplate(t *testing.T) {
	ctx := context.Background()
	l := NewMemoryLearner()
	box := "Украина и мир сегодня. Факты и расследования, аналитика и интервью."
	body := func(i int) string {
		return "Статья номер " + strings.Repeat("x", i) + " о разном.\n" + box
	}
	for i := 1; i <= MinArticles; i++ {
		id := "a" + strings.Repeat("1", i)
		got, err := l.Observe(ctx, "racurs-ua", id, Candidates(body(i)))
		if err != nil {
			t.Fatal(err)
		}
		if want := i >= MinArticles; got[box] != want {
			t.Errorf("after %d articles boilerplate = %v, want %v", i, got[box], want)
		}
		// The same article again does not count twice.
		again, _ := l.Observe(ctx, "racurs-ua", id, Candidates(body(i)))
		if i < MinArticles && again[box] {
			t.Errorf("article %s counted twice", id)
		}
	}
	other, _ := l.Observe(ctx, "another-source", "b1", Candidates(body(1)))
	if other[box] {
		t.Error("a line learned for one source is boilerplate of another")
	}
	learned, _ := l.Observe(ctx, "racurs-ua", "a4", Candidates(body(9)))
	r := CleanWith(body(9), Options{Boilerplate: func(s string) bool { return learned[s] }})
	if strings.Contains(r.Body, "Факты") || !slices.Equal(r.Removed, []string{box}) {
		t.Errorf("learned line not removed: %+v", r)
	}
}

func TestCandidates(t *testing.T) {
	got := Candidates("  Short\nА line with words\nА line with words\n" + strings.Repeat("long ", 100) + "\nnospacesatalllongword")
	if want := []string{"А line with words"}; !slices.Equal(got, want) {
		t.Errorf("Candidates = %q, want %q", got, want)
	}
}

func TestLineKey(t *testing.T) {
	k := LineKey("novini dir.bg", "line")
	if !strings.HasPrefix(k, "novini_dir_bg.") || len(k) != len("novini_dir_bg.")+16 {
		t.Errorf("LineKey = %q", k)
	}
	if LineKey("s", "a") == LineKey("s", "b") {
		t.Error("different lines share a key")
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"Още: заглавие\nТекст.",
		"Прочетете още:\n",
		"Сподели Приятел Tweet Снимка: Ройтерс Източник:",
		"Фото:\n\n\n© 4.8 (96%) 5 votes",
		"a, b, c, d\n\xff",
	} {
		f.Add(s, "заглавие")
	}
	f.Fuzz(func(t *testing.T, body, title string) {
		r := CleanWith(body, Options{Title: title})
		if len(r.Body) > len(body)+1 {
			t.Errorf("clean body longer than the body: %q -> %q", body, r.Body)
		}
		for _, l := range r.Removed {
			if !strings.Contains(body, l) {
				t.Errorf("removed line %q is not in the body", l)
			}
		}
	})
}

// BenchmarkClean cleans corpus bodies (bg, ru, en and one-line HTFN bodies
// in bg) with their titles.
func BenchmarkClean(b *testing.B) {
	var titles, bodies []string
	for _, file := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl", "bg_htfn.jsonl"} {
		f, err := os.Open(corpus.Path(b, file))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for n := 0; sc.Scan() && n < 150; n++ {
			var a struct{ Title, Body string }
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				b.Fatal(err)
			}
			titles, bodies = append(titles, a.Title), append(bodies, a.Body)
		}
		f.Close()
	}
	size := 0
	for _, s := range bodies {
		size += len(s)
	}
	b.SetBytes(int64(size / len(bodies)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % len(bodies)
		CleanWith(bodies[k], Options{Title: titles[k]})
	}
}

func FuzzCollapseSpace(f *testing.F) {
	for _, s := range []string{"", " a  b\tc\n", "\u00a0x\u2003y\u0085", "a\xffb \xc2", "  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapseSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("collapseSpace(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestTeaserAnyCase checks the teaser prefixes filed by first letter
// still match in any case, as strings.EqualFold does.
func TestTeaserAnyCase(t *testing.T) {
	for _, line := range []string{"READ MORE: Budget cut", "read more: Budget cut", "ПРОЧЕТЕТЕ ОЩЕ: Бюджет", "прочетете още: Бюджет", "À LIRE AUSSI: Budget", "à lire aussi: Budget", "ČTĚTE TAKÉ: Rozpočet"} {
		t.Run(line, func(t *testing.T) {
			link, ok, _ := teaser(line)
			if !ok || link == "" {
				t.Errorf("teaser(%q) = %q, %v; want a link", line, link, ok)
			}
		})
	}
	if _, ok, _ := teaser("Още през 1998 година"); ok {
		t.Error("a sentence starting with Още is a teaser")
	}
}

// TestMarkersOnlyAsFurniture checks each promotion, share, subscribe,
// credit and footer marker: it takes the line or fragment that is the
// button, label or call to action itself, and leaves a sentence of the
// article that uses the same words.
func TestMarkersOnlyAsFurniture(t *testing.T) {
	lead := para("Общината обяви нови правила за паркиране в центъра. ")
	tests := []struct {
		name   string
		line   string // a short line of its own
		remove bool   // the whole line goes
		cut    string // or this fragment is cut from it ("" for none)
	}{
		// Share buttons.
		{name: "bg share button run", line: "Сподели Приятел Tweet", remove: true},
		{name: "bg share button alone", line: "Сподели", remove: true},
		{name: "bg share in facebook", line: "Сподели във Facebook", remove: true},
		{name: "en tweet button with counter", line: "Tweet 0 Share 12", remove: true},
		{name: "bg interview question with share stays", line: "Сподели някоя история от работата си с пациентите?"},
		{name: "de in a tweet stays", line: "Der Minister blieb hart: in einem Tweet schrieb er, dass die Reform kommt."},
		{name: "de tweet opening a sentence stays", line: "Tweet des Kanzlers sorgt für Aufregung in der Koalition."},
		{name: "en said in a tweet stays", line: "The senator said in a Tweet on Monday that she would vote no."},
		{name: "bg send to friend button", line: "Изпрати на приятел Печат", remove: true},
		{name: "bg send to friend in a sentence stays", line: "Изпрати на приятел писмо, разказа той, и чакаше отговор месеци наред."},
		{name: "en share this article", line: "Share this article", remove: true},
		{name: "en share this view stays", line: "Share this view? Most economists do not, the report found."},
		// Channels and apps.
		{name: "ru news plug in telegram", line: "Новости от Примерного портала в Telegram.", remove: true},
		{name: "uk read us in telegram", line: "Читайте останні новини на каналі Прикладу в Telegram", remove: true},
		{name: "bg follow us in viber", line: "Последвайте ни и във Viber!", remove: true},
		{name: "bg minister wrote in telegram stays", line: "Министърът написа в Telegram, че преговорите продължават."},
		{name: "ru statement in telegram stays", line: "Об этом мэр сообщил в Telegram после заседания штаба."},
		{name: "en minister on telegram stays", line: "The minister confirmed the deal on Telegram late on Sunday."},
		{name: "bg follow with the app", line: "Следете ни навсякъде с мобилното приложение на Примерни новини.", remove: true},
		{name: "bg the city's new app stays", line: "Новото мобилното приложение на общината позволява плащане на паркинг."},
		{name: "en follow us on a network", line: "Follow us on Twitter for live updates", remove: true},
		{name: "en join us on a day stays", line: "Join us on Monday at the town hall, the mayor wrote to residents."},
		// Subscribe lines and calls to action.
		{name: "bg subscription to the paper", line: "Абонамент за печатен или електронен вестник", remove: true},
		{name: "bg subscription to a gym stays", line: "Абонамент за фитнес струва вече 80 лева на месец."},
		{name: "ru subscribe to our channel", line: "Подписывайтесь на наш канал в Telegram", remove: true},
		{name: "ru quoted subscribe call stays", line: "«Подписывайтесь на мой канал», — призвал блогер своих зрителей."},
		{name: "ru attributed subscribe call stays", line: "Подписывайтесь на мой канал, — призвал блогер своих зрителей."},
		{name: "bg attributed follow us stays", line: "Следете ни внимателно, каза треньорът на отбора пред журналисти."},
		{name: "bg quoted call attributed with any verb stays", line: "„Това е важно. Абонирайте се за бюлетина“, настоя министърът пред депутатите."},
		{name: "ru quoted call attributed after a dash stays", line: "«Это важно. Подписывайтесь на мой канал», — посоветовал блогер своим зрителям."},
		{name: "en quoted call attributed stays", line: "\"It matters. Subscribe to our newsletter,\" the minister pleaded."},
		{name: "bg quoted call with an exclamation after it", line: "„Вижте сами. Последвайте ни“ – и печелете награди всяка седмица!", remove: true},
		{name: "en subscribe to our newsletter", line: "Subscribe to our newsletter for daily news", remove: true},
		{name: "en reported subscribe call stays", line: "Subscribe to our channel and win a car, the scammers wrote to victims."},
		{name: "de follow us", line: "Folgen Sie uns auf Facebook", remove: true},
		{name: "de reported follow us stays", line: "Folgen Sie uns, sagte der Polizist zu den Zeugen."},
		// Widgets.
		{name: "bg comment counter", line: "Коментари (12)", remove: true},
		{name: "bg comments in a sentence stays", line: "Коментари (на български и английски) се приемат до петък."},
		{name: "ru live blog time stamp", line: "Отправлено в 9:21 7 января", remove: true},
		{name: "ru sent to a city stays", line: "Отправлено в Москву 20 тонн гуманитарного груза."},
		{name: "ru typo widget question", line: "Нашли ошибку?", remove: true},
		{name: "ru found an error stays", line: "Нашли ошибку в расчетах бюджета аудиторы Счетной палаты."},
		{name: "ru characters left", line: "Осталось символов: 2000", remove: true},
		// Credits and footers.
		{name: "en agency credit", line: "Getty Images", remove: true},
		{name: "en agency in a sentence stays", line: "Getty Images said on Monday it would cut 200 jobs."},
		{name: "en acquired by the agency stays", line: "The archive was acquired by Getty Images."},
		{name: "bg caption with credit", line: "Министърът пред сградата. Снимка: Примерна агенция", remove: true},
		{name: "de picture credit", line: "Bild: Beispiel Agentur", remove: true},
		{name: "de the picture as a noun stays", line: "Stimmt das Bild: Politiker packen nicht mit an?"},
		{name: "en the photo as a noun stays", line: "They saw the Photo: a child on a beach, alone."},
		{name: "bg source footer", line: "Източник: Примерна агенция", remove: true},
		{name: "bg copyright sign in a sentence stays", line: "Марката носи знака © и името на фирмата, обясни адвокатът."},
		{name: "en copyright sign before a lower-case word stays", line: "The logo carries a small © next to the brand name, the court heard."},
		{name: "bg copyright year after the text", line: lead + " © 2018", cut: "© 2018"},
		{name: "bg copyright line", line: "© Примерна агенция. Всички права запазени.", remove: true},
		{name: "ru source with no name cuts no text", line: lead + " 14:00 Источник: 53-летняя учительница из Твери выиграла конкурс.", cut: "Источник:"},
		// Short lines where article text comes first.
		{name: "ru promotion after two sentences of text", line: "Мэр города подал в отставку после проверки прокуратуры. Горсовет назначит досрочные выборы весной. Больше важных новостей в Telegram-канале «Пример»", cut: "Больше важных новостей в Telegram-канале «Пример»"},
		{name: "bg share buttons before a sentence", line: lead + " Сподели Share 0 Total Shares Честит рожден ден пожелаваме на актрисата.", cut: "Сподели Share 0 Total Shares"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Clean(lead + "\n" + tc.line)
			removed := slices.Contains(r.Removed, tc.line)
			if removed != tc.remove {
				t.Errorf("line removed = %v, want %v (removed %q, cut %q)", removed, tc.remove, r.Removed, r.Cut)
			}
			if tc.remove {
				return
			}
			var wantCut []string
			if tc.cut != "" {
				wantCut = []string{tc.cut}
			}
			if !slices.Equal(r.Cut, wantCut) {
				t.Errorf("cut %q, want %q", r.Cut, wantCut)
			}
		})
	}
}
