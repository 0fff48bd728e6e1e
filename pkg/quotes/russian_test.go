package quotes

import (
	"testing"
)

// TestRussianAttributions covers the Russian rules of issue 22, each with
// sentences written for the test.
func TestRussianAttributions(t *testing.T) {
	type want = wantQuote
	tests := []struct {
		name string
		text string
		want []want
	}{
		{
			name: "a plural verb has no one person as its subject",
			text: "Об отмене рейсов сообщил журналист Иван Петров. «Все рейсы будут выполнены завтра утром», — пояснили в авиакомпании.",
			want: []want{{"Все рейсы", ""}},
		},
		{
			name: "a singular verb with no subject found takes the person last named",
			text: "Об отмене рейсов сообщил журналист Иван Петров. «Все рейсы будут выполнены завтра утром», — пояснил затем.",
			want: []want{{"Все рейсы", "Иван Петров"}},
		},
		{
			name: "по информации and the organisation right after it",
			text: "Переговоры продолжатся. По информации Reuters, в Брюсселе «готовы продолжить переговоры в любой момент».",
			want: []want{{"готовы продолжить", "Reuters"}},
		},
		{
			name: "по информации and an English article before the organisation",
			text: "Суд вынес решение. По информации The Financial Times, в зале находились «несколько журналистов и ряд дипломатов». Заседание закончилось.",
			want: []want{{"несколько журналистов", "The Financial Times"}},
		},
		{
			name: "a name in an oblique case is not what a pronoun stands for",
			text: "Министр иностранных дел Германии Хайко Маас прилетел в Киев. Об этом он сказал на встрече с министром Павлом Климкиным. «Мы не считаем это политическим проектом», — сказал он.",
			want: []want{{"Мы не считаем", "Хайко Маас"}},
		},
		{
			name: "the name after a plural verb of citing is an outlet, not what a pronoun stands for",
			text: "Министр финансов Андрей Соколов не считает проект политическим. Об этом он сказал на встрече с журналистами, передают Українські Новини. «Мы не считаем это политическим проектом», — сказал он.",
			want: []want{{"Мы не считаем", "Андрей Соколов"}},
		},
		{
			name: "the genitive after a role is what it heads, not its holder",
			text: "Председатель Европейского совета Дональд Туск выступил в Брюсселе. «Политики приходят и уходят, а проблемы остаются», — сказал Д.Туск журналистам. «И весь этот беспорядок является главной проблемой», — констатировал глава Евросовета.",
			want: []want{{"Политики приходят", "Дональд Туск"}, {"И весь этот", "Дональд Туск"}},
		},
		{
			name: "a name completed by the hyphenated part after its particle",
			text: "Адвокат Саиф уль-Малук выступил в суде. Позже Саиф сообщил агентству, что его клиентка находится «на борту самолета», добавив, что пункт назначения неизвестен.",
			want: []want{{"на борту", "Саиф уль-Малук"}},
		},
		{
			name: "a bare surname completed from the full name given in the genitive",
			text: "Как передает агентство со ссылкой на заявление президента МАУ Юрия Мирошникова, компания обратится в суд. «Все слоты в эти часы давно заняты другими рейсами», — объяснил Мирошников.",
			want: []want{{"Все слоты", "Юрий Мирошников"}},
		},
		{
			name: "an impersonal verb of saying: the document's author, not the subject of the sentence",
			text: "Компания Wizz Air получила кредит от банка Citi, сообщается в отчетности Ryanair «В марте дочерняя компания привлекла заемные средства от партнеров».",
			want: []want{{"В марте", "Ryanair"}},
		},
		{
			name: "an impersonal verb of saying and a person's document",
			text: "Премьер-министр Тереза Мэй приняла отставку министра. «Мне жаль, что вы решили покинуть правительство именно сейчас», — говорится в письме госпожи Мэй.",
			want: []want{{"Мне жаль", "Тереза Мэй"}},
		},
		{
			name: "an impersonal verb of saying and a document of no one named",
			text: "Министр Иван Петров посетил завод. «Все работы будут завершены до конца года», — говорится в заявлении.",
			want: []want{{"Все работы", ""}},
		},
		{
			name: "в компании and its name before a plural verb of saying",
			text: "Стоимость проекта выросла по данным Wintershall и Shell. В компании Nord Stream 2 AG журналистам сообщили: «Мы не комментируем детали этой юридической процедуры».",
			want: []want{{"Мы не комментируем", "Nord Stream 2 AG"}},
		},
		{
			name: "в компании with no name before a plural verb of saying",
			text: "Проект поддержал министр Иван Петров. В компании журналистам сообщили: «Мы не комментируем детали этой юридической процедуры».",
			want: []want{{"Мы не комментируем", ""}},
		},
		{
			name: "the name after в интервью and a role is the interviewer's",
			text: "В интервью ведущей радиошоу Кэти Перри, которое вышло в среду, первая леди сказала, что после выборов «мы видим большую разницу».",
			want: []want{{"мы видим большую", ""}},
		},
		{
			name: "a role is not bound to a person named far after it",
			text: "Дэвид Дэвис подал в отставку. «Эта политика ставит нас в слабое положение», — написал министр в письме, направленном Терезе Мэй.",
			want: []want{{"Эта политика", "Дэвид Дэвис"}},
		},
		{
			name: "the same role with the same word names its holder further down",
			text: "Председатель Европарламента подтвердил, что женщина находится «в безопасном месте сейчас». Позже председатель Европарламента Антонио Таяни пригласил ее в Брюссель.",
			want: []want{{"в безопасном месте", "Антонио Таяни"}},
		},
		{
			name: "в авиакомпании takes up the airline the article introduced",
			text: "Ирландская авиакомпания Aer Lingus отменила сто рейсов. Об этом сообщило агентство Reuters. «Все пассажиры получат компенсацию в полном объеме», — пояснили в авиакомпании.",
			want: []want{{"Все пассажиры", "Aer Lingus"}},
		},
		{
			name: "в компании takes up an airline too, the nearest one introduced",
			text: "Бюджетный перевозчик Wizz Air и авиакомпания Aer Lingus отменили рейсы. «Все пассажиры получат компенсацию в полном объеме», — сказали в компании.",
			want: []want{{"Все пассажиры", "Aer Lingus"}},
		},
		{
			name: "в министерстве takes up a ministry, not the agency named after it",
			text: "Представитель МИД Франции выступил в Париже, передает агентство Reuters. «Работы с партнерами продолжаются и будут продолжены», — сказали в министерстве.",
			want: []want{{"Работы с партнерами", "МИД Франции"}},
		},
		{
			name: "в профсоюзе before a plural verb takes up the union, not the employer",
			text: "Пилоты авиакомпании Lufthansa бастуют. Представитель профсоюза пилотов Vereinigung Cockpit выступил в Берлине. В профсоюзе отметили, что пилоты хотят «справедливой оплаты своего труда».",
			want: []want{{"справедливой оплаты", "Vereinigung Cockpit"}},
		},
		{
			name: "в авиакомпании with no airline introduced names nobody",
			text: "Об отмене рейсов сообщило агентство Reuters. «Все пассажиры получат компенсацию в полном объеме», — пояснили в авиакомпании.",
			want: []want{{"Все пассажиры", ""}},
		},
		{
			name: "говорится в отчете with no author takes up the document cited before",
			text: "Компания получила кредит, сообщается в отчетности Ryanair «В марте дочерняя компания привлекла заемные средства от партнеров», — говорится в отчете.",
			want: []want{{"В марте", "Ryanair"}},
		},
		{
			name: "an organisation named in an oblique case takes its nominative from the text",
			text: "Суд наложил арест на акции Газпрома. «Мы не согласны с этим решением суда», — говорится в сообщении Газпрома. Газпром обжалует решение.",
			want: []want{{"Мы не согласны", "Газпром"}},
		},
		{
			name: "a feminine pronoun does not stand for a man the verbs agree with as a man",
			text: "«Мы справимся с этим», — заявил Джон Смит. В интервью журналу его жена рассказала о детях. «Теперь мы понимаем, каково это», — сказала она.",
			want: []want{{"Мы справимся", "Джон Смит"}, {"Теперь мы понимаем", ""}},
		},
		{
			name: "a feminine pronoun stands for a woman the verbs agree with as a woman",
			text: "«Мы справимся с этим», — заявила Ким Смит. «Теперь мы понимаем, каково это», — сказала она.",
			want: []want{{"Мы справимся", "Ким Смит"}, {"Теперь мы понимаем", "Ким Смит"}},
		},
		{
			name: "в Министерстве and what it is in charge of is a ministry's name, given as first introduced",
			text: "Журналист может покинуть страну, заявили в МИД Ирана. Отметив, что он «освобожден от всех обвинений судом», в Министерстве иностранных дел Ирана заявили о свободе передвижения.",
			want: []want{{"освобожден от всех", "МИД Ирана"}},
		},
		{
			name: "в Министерстве and what it is in charge of, in the nominative",
			text: "«Учения пройдут по плану в течение месяца», — сообщили в Министерстве обороны Польши.",
			want: []want{{"Учения пройдут", "Министерство обороны Польши"}},
		},
		{
			name: "an organisation noun opening the sentence takes up the organisation introduced",
			text: "Бюджетная авиакомпания Wizz Air отменила рейсы в Италию. Компания ежедневно сообщает о задержках рейсов «из-за нехватки персонала».",
			want: []want{{"из-за нехватки", "Wizz Air"}},
		},
		{
			name: "an organisation noun after a sentence adverbial",
			text: "Пилоты авиакомпании Wizz Air начали забастовку. В то же время перевозчик заявил, что «почти все рейсы будут выполнены».",
			want: []want{{"почти все рейсы", "Wizz Air"}},
		},
		{
			name: "an organisation noun with no organisation introduced names nobody",
			text: "Пилоты начали забастовку в пятницу. Компания ежедневно сообщает о задержках рейсов «из-за нехватки персонала».",
			want: []want{{"из-за нехватки", ""}},
		},
		{
			name: "a hyphenated role takes the holder named after the same role and word elsewhere",
			text: "Вице-президент США поблагодарил сенаторов и отметил, что «работа только начинается». Вице-президент США Майк Пенс прибыл в Варшаву.",
			want: []want{{"работа только", "Майк Пенс"}},
		},
		{
			name: "a hyphenated role with another word after it is not bound",
			text: "Вице-президент компании поблагодарил сенаторов и отметил, что «работа только начинается». Вице-президент США Майк Пенс прибыл в Варшаву.",
			want: []want{{"работа только", ""}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := extract(t, tc.text, "ru")
			checkQuotes(t, got, tc.want)
		})
	}
}
