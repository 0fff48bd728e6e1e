package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/pkg/entities"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

// bsnlpTypes maps the BSNLP types to the article's.
var bsnlpTypes = map[string]string{"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION", "PRO": "OTHER", "EVT": "OTHER"}

// idScores are pair counts as quality.ScoreIDs counts them.
type idScores struct{ sameGold, sameID, both int64 }

// innerIDs measures entity ids as `make quality` does, inside the training
// fold of each held-out fold: aliases are learned from one half of the
// training fold's articles (and the topics of neither fold), pairs are
// counted on the other half. errs, when not nil, receives per gold entity
// of the scored halves the ids its names got, when more than one.
func innerIDs(dir string, g *entities.Gazetteer, byTopic bool, errs io.Writer) (idScores, error) {
	docs, err := quality.ReadNERDocs(filepath.Join(dir, "ner", "bsnlp-entities.jsonl"))
	if err != nil {
		return idScores{}, err
	}
	var total idScores
	for _, sp := range splits(byTopic) {
		var items []entities.AliasItem
		for _, d := range docs {
			if inTopics(d.ID, foldTopics[sp.heldOut]) || sp.scored(d.ID) {
				continue
			}
			for _, e := range d.Entities {
				t := bsnlpTypes[e.Type]
				if t == "" || e.Entity == "" {
					continue
				}
				items = append(items, entities.AliasItem{Name: e.Mention, Type: t, Entity: e.Entity})
				if e.Base != "" && e.Base != e.Mention {
					items = append(items, entities.AliasItem{Name: e.Base, Type: t, Entity: e.Entity})
				}
			}
		}
		ga := g.WithAliases(g.BuildAliases(items))
		type item struct{ gold, pred, lang, name string }
		var its []item
		for _, d := range docs {
			if !sp.scored(d.ID) {
				continue
			}
			seen := map[string]bool{}
			for _, e := range d.Entities {
				t := bsnlpTypes[e.Type]
				if t == "" || e.Entity == "" || seen[e.Entity] {
					continue
				}
				seen[e.Entity] = true
				name := e.Base
				if name == "" {
					name = e.Mention
				}
				its = append(its, item{gold: t + "\x01" + e.Entity, pred: ga.ID(name, t), lang: d.Lang, name: name})
			}
		}
		pairs := func(key func(item) string) int64 {
			return quality.CrossLanguagePairs(its, key, func(it item) string { return it.lang }, "")
		}
		s := idScores{
			sameGold: pairs(func(it item) string { return it.gold }),
			sameID:   pairs(func(it item) string { return it.pred }),
			both: pairs(func(it item) string {
				if it.pred == "" {
					return ""
				}
				return it.gold + "\x01" + it.pred
			}),
		}
		fmt.Printf("ids, %s: precision %.3f recall %.3f\n", sp.name, float64(s.both)/float64(s.sameID), float64(s.both)/float64(s.sameGold))
		total.sameGold += s.sameGold
		total.sameID += s.sameID
		total.both += s.both
		if errs != nil {
			by := map[string]map[string]int{}
			for _, it := range its {
				if by[it.gold] == nil {
					by[it.gold] = map[string]int{}
				}
				by[it.gold][it.pred+" "+it.lang+":"+it.name]++
			}
			var keys []string
			for k, v := range by {
				ids := map[string]bool{}
				for p := range v {
					ids[strings.Fields(p)[0]] = true
				}
				if len(ids) > 1 {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				var vs []string
				for p, c := range by[k] {
					vs = append(vs, fmt.Sprintf("%s(%d)", p, c))
				}
				sort.Strings(vs)
				fmt.Fprintf(errs, "%s\t%s\n", k, strings.Join(vs, " | "))
			}
		}
	}
	fmt.Printf("ids, both inner splits: precision %.3f recall %.3f\n", float64(total.both)/float64(total.sameID), float64(total.both)/float64(total.sameGold))
	return total, nil
}

func otherTopics(heldOut string) []string {
	for f, ts := range foldTopics {
		if f != heldOut {
			return ts
		}
	}
	return nil
}
