package enrich

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
)

// TestStoriesStep enriches a report, its republished copy and an
// unrelated article: the copy joins the report's story (a near-duplicate
// is the special case of a story), the other starts its own; with the
// step disabled no story_id is given.
func TestStoriesStep(t *testing.T) {
	body := strings.Repeat("Върховният съд на Пакистан оправда християнката Азия Биби, осъдена на смърт за богохулство, "+
		"а ислямистите протестират в Лахор и Карачи срещу решението на съдиите. ", 4)
	mk := func(id, source, title, body string) *article.Article {
		return &article.Article{ID: id, Source: source, Title: title, Body: body, Lang: "bg",
			PublishedAt: time.Date(2018, 10, 31, 0, 0, 0, 0, time.UTC)}
	}
	report := mk("report", "bta", "Съдът оправда Азия Биби", body)
	copied := mk("copy", "dnevnik", "Оправдаха Азия Биби", body+" Снимка: БГНЕС")
	other := mk("other", "sport", "Левски би ЦСКА", strings.Repeat("Левски победи ЦСКА с два гола на стадион Васил Левски в София в неделя вечерта. ", 5))
	e := NewEnricher(Steps(), time.Now)
	for _, a := range []*article.Article{report, copied, other} {
		e.Enrich(context.Background(), a)
		if len(a.EnrichErrors) > 0 {
			t.Fatalf("%s: enrich errors %v", a.ID, a.EnrichErrors)
		}
	}
	if report.StoryID != "report" || copied.StoryID != "report" {
		t.Errorf("story ids %q, %q, want report for both (copy of: %q)", report.StoryID, copied.StoryID, copied.NearDuplicateOf)
	}
	if other.StoryID != "other" {
		t.Errorf("unrelated article's story %q, want its own", other.StoryID)
	}
	off := mk("off", "bta", "Съдът оправда Азия Биби", body)
	NewEnricher(Steps(StepStories), time.Now).Enrich(context.Background(), off)
	if off.StoryID != "" {
		t.Errorf("story %q with the step disabled, want none", off.StoryID)
	}
}
