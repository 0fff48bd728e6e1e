// Package article defines the article that flows through newsflow: its JSON
// form, validation, normalisation and identity. It imports nothing of NATS.
package article

import (
	"time"
)

// Entity types used in Entity.Type.
const (
	EntityPerson       = "PERSON"
	EntityLocation     = "LOCATION"
	EntityOrganization = "ORGANIZATION"
	EntityOther        = "OTHER"
)

// Article is one news article. The first group of fields is what a producer
// sends; later groups are filled in by ingest, enrich and index. The JSON
// names are part of the public contract.
type Article struct {
	// Input.
	ID     string `json:"id,omitempty"`
	Source string `json:"source"`
	URL    string `json:"url,omitempty"`
	// URLOriginal is the url as submitted when ingest had to repair it
	// (RepairURL) or could not use it (then URL is empty and Warnings
	// says why).
	URLOriginal string    `json:"url_original,omitempty"`
	Title       string    `json:"title,omitempty"`
	Body        string    `json:"body,omitempty"`
	HTML        string    `json:"html,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	Lang        string    `json:"lang,omitempty"`
	Authors     []string  `json:"authors,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	// Image is the lead image's URL and ImageCaption its caption (from
	// a page's metadata and figures, or given on input).
	Image        string `json:"image,omitempty"`
	ImageCaption string `json:"image_caption,omitempty"`

	// Set by ingest.

	// ContentHash identifies this version of the article's content.
	ContentHash string `json:"content_hash,omitempty"`
	// Revision orders versions of the same article: a higher revision is
	// newer. It is the stream sequence of the raw submission.
	Revision   uint64    `json:"revision,omitempty"`
	IngestedAt time.Time `json:"ingested_at,omitzero"`
	// Warnings name what ingest had to drop or could not use of an
	// accepted article (an unusable url), one sentence each.
	Warnings []string `json:"warnings,omitempty"`

	// Set by enrich. These are present in JSON once enriched (lists as []),
	// so that a client can tell "none found" from "not enriched" by
	// enriched_at alone; the optional strings lang_declared, summary and
	// near_duplicate_of are absent when empty.
	CleanBody string `json:"clean_body"`
	// LangDeclared is the language given on input (the publisher's), kept
	// beside the language the enrich stage settles on in Lang ("und" when
	// unsure); "" when none was given.
	LangDeclared       string    `json:"lang_declared,omitempty"`
	LangConfidence     float64   `json:"lang_confidence"`
	WordCount          int       `json:"word_count"`
	ReadingTimeSeconds int       `json:"reading_time_seconds"`
	Entities           []Entity  `json:"entities"`
	Keywords           []Keyword `json:"keywords"`
	Summary            string    `json:"summary,omitempty"`
	Quotes             []Quote   `json:"quotes"`
	RelatedLinks       []string  `json:"related_links"`
	Simhash            string    `json:"simhash"`
	NearDuplicateOf    string    `json:"near_duplicate_of,omitempty"`
	// StoryID groups the articles about one event, from any source and in
	// any language (pkg/story): the id of the story's first article.
	StoryID         string            `json:"story_id,omitempty"`
	EnrichedAt      time.Time         `json:"enriched_at,omitzero"`
	PipelineVersion string            `json:"pipeline_version,omitempty"`
	EnrichErrors    map[string]string `json:"enrich_errors,omitempty"`

	// Set by index.
	IndexedAt time.Time `json:"indexed_at,omitzero"`
}

// Entity is a named entity found in an article.
type Entity struct {
	// ID is the same for the entity in every language and article: a
	// Wikidata QID where the gazetteers know one, else a normalised key
	// (see pkg/entities).
	ID    string `json:"id,omitempty"`
	Text  string `json:"text"`
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// Keyword is a key term with its weight.
type Keyword struct {
	Term  string  `json:"term"`
	Score float64 `json:"score"`
}

// Quote is a quotation and the person it is attributed to.
type Quote struct {
	Text    string `json:"text"`
	Speaker string `json:"speaker,omitempty"`
}

// Indexed is the event published on articles.indexed.<source> once an
// article is searchable.
type Indexed struct {
	ID        string    `json:"id"`
	Source    string    `json:"source"`
	Revision  uint64    `json:"revision,omitempty"`
	IndexedAt time.Time `json:"indexed_at"`
	// EnrichedSeq is the ARTICLES stream sequence of the enriched article
	// that was indexed, so that a consumer of the event (the watch worker)
	// can read the whole article from the stream without asking the index.
	EnrichedSeq uint64 `json:"enriched_seq,omitempty"`
}
